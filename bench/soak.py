"""Soak runs: the fault tests at many more points than the suite uses, timed.

Run: ``python bench/soak.py [--points N]``. Runs ``tests/faults/test_kill9.py`` with
``WARROOM_KILL_POINTS=N`` (default 100; the suite uses 12) and prints how long it took and
whether every kill left the record whole. Nothing is asserted here beyond the test's own checks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(points: int) -> int:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "3600",
                           "tests/faults/test_kill9.py"], cwd=ROOT, env={**os.environ, "WARROOM_KILL_POINTS": str(points)},
                          capture_output=True, text=True)  # fmt: skip
    took = time.perf_counter() - start
    verdict = "every kill left the record whole" if done.returncode == 0 else "FAILED:\n" + done.stdout[-3000:]
    print(f"SIGKILL soak at {points} points of headless itil runs: {took:.0f} s, {took / points:.2f} s per point; {verdict}")
    return done.returncode


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100)
    sys.exit(main(parser.parse_args().points))
