"""Run one command and print ``SECONDS PEAK_KB EXIT`` for it (used by ``bench/sizes.py``).

A separate, small interpreter: a child forked from a process that imported warroom would
start with that process's resident pages counted in its own peak (``ru_maxrss`` survives
``exec``), so the figure would never go below the parent's size. Only the standard library
is imported here; the interpreter's own peak is printed as the baseline row.

Run: ``python bench/peak_rss.py TIMEOUT COMMAND [ARG ...]``.
"""

import resource
import subprocess
import sys
import time


def main() -> int:
    timeout, argv = float(sys.argv[1]), sys.argv[2:]
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        print(f"timeout {timeout:.0f}")
        return 0
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the one child waited for
    last = err.decode(errors="replace").strip().splitlines()[-1:] if child.returncode else []
    print(f"{elapsed:.4f} {peak} {child.returncode} {last[0] if last else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
