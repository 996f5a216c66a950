"""Log ingest benchmark: lines per second and peak memory for reading + template mining, against drain3.

Run: ``python bench/ingest.py [--lines N] [--quick] [--inputs a,b]`` (needs ``../shared/data/logs``;
drain3 comes with the ``bench`` extra). It builds logs of N lines (default
1,000,000) from the Loghub HDFS and Apache samples and the recorded pod logs,
five ways (:data:`INPUTS`): the samples repeated; every number redrawn with
its own digit count; every number redrawn with 1 to 9 digits, as numbers are
in real logs; a JSON-lines log; and a CSV export whose message column holds a
Docker JSON line. Each is measured in the same run, each tool in its own
process so peak RSS (``resource.getrusage``) is its own, ``--repeat`` times
interleaved (the run with the least CPU time of each is shown; lines/s and the ratio are by CPU time,
``time.process_time``, which a machine loaded by other work disturbs less than the wall clock, shown too):

- **warroom**: :func:`read_log` (timestamps, levels, CRLF, encoding checks) +
  :class:`LogDigest` (template mining, per-minute counts, level counters, examples);
- **drain3**: ``drain3.TemplateMiner.add_log_message`` on the same lines
  (read with a plain ``for line in file``; no timestamp or level parsing),
  out-of-the-box configuration (no persistence, no masking);
- **drain3+mask** (``--masked-drain3``): the same with warroom's masking regex as a
  drain3 masking instruction (what it costs drain3 to mask what warroom masks).

Nothing here asserts speed; it prints what it measured.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
_NUMBER = re.compile(r"\d+")


def _sources() -> list[tuple[str, list[str]]]:
    logs = SHARED / "logs"
    hdfs = (logs / "HDFS" / "HDFS_2k.log").read_text(encoding="utf-8").splitlines()
    apache = (logs / "Apache" / "Apache_2k.log").read_text(encoding="utf-8").splitlines()
    pods = []
    for path in sorted((SHARED / "cases").glob("*/*logs*.txt")):
        pods.extend(line for line in path.read_text(encoding="utf-8").splitlines()[2:] if line[:4].isdigit())
    return [("hdfs", hdfs), ("apache", apache), ("pod", pods)]


INPUTS = ("repeated", "same-length", "random-length", "json-lines", "csv-json")


def build(path: Path, lines: int, seed: int = 7, how: str = "same-length") -> None:
    """Write ``lines`` lines from the samples, times moving forward, in one of :data:`INPUTS`' ways.

    ``repeated``: the sample lines as they are; ``same-length``: every number redrawn with its digit count;
    ``random-length``: every number redrawn with 1 to 9 digits (as ids, sizes and latencies are in real logs);
    ``json-lines``: random-length messages in a structured JSON log (time, level, logger, pod, trace id);
    ``csv-json``: a log platform's CSV export whose message column holds a Docker JSON line.
    """
    rng = random.Random(seed)
    sources = _sources()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def same(match: re.Match[str]) -> str:
        digits = match.group(0)
        return str(rng.randrange(10 ** (len(digits) - 1) if len(digits) > 1 else 0, 10 ** len(digits)))

    def any_length(_: re.Match[str]) -> str:
        digits = rng.randint(1, 9)
        return str(rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10**digits))

    vary = {"repeated": None, "same-length": same}.get(how, any_length)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        if how == "csv-json":
            out.write("timestamp,service,pod,container,message\n")
        for i in range(lines):
            kind, sample = sources[i % 7 % 3] if i % 7 < 6 else sources[2]
            line = sample[rng.randrange(len(sample))]
            when = start + timedelta(milliseconds=i * 3)
            if kind == "hdfs":
                stamp, rest = when.strftime("%y%m%d %H%M%S"), line[13:]
            elif kind == "apache":
                stamp_end = line.index("]") + 1
                stamp, rest = when.strftime("[%a %b %d %H:%M:%S %Y]"), line[stamp_end:]
            else:
                stamp, rest = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{i % 1000:03d}", line[23:]
            if vary is not None:
                rest = _NUMBER.sub(vary, rest)
            out.write(_shaped(how, kind, stamp, rest, when, rng) + "\n")


def _shaped(how: str, kind: str, stamp: str, rest: str, when: datetime, rng: random.Random) -> str:
    if how not in ("json-lines", "csv-json"):
        return stamp + rest
    level = "ERROR" if "error" in rest.lower() or "exception" in rest.lower() else "INFO"
    pod = f"{kind}-{rng.randrange(16**10):010x}-{rng.randrange(36**5):05d}"
    iso = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if how == "json-lines":
        return json.dumps({"ts": iso, "level": level, "logger": kind, "pod": pod,
                           "trace_id": f"{rng.getrandbits(128):032x}", "msg": rest.strip()})
    docker = json.dumps({"log": f"{iso} {level} {rest.strip()}\n", "stream": "stdout", "time": iso})
    return f"{int(when.timestamp() * 1000)},{kind},{pod},main,\"{docker.replace(chr(34), chr(34) * 2)}\""


def run_warroom(path: Path) -> dict:
    from warroom.data.evidence import LogDigest, ReadStats, read_log

    stats = ReadStats()
    digest = LogDigest()
    started, cpu = time.perf_counter(), time.process_time()
    for record in read_log(path, stats):
        digest.add(record)
    series = digest.series()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"lines": stats.lines, "seconds": elapsed, "cpu": cpu, "templates": len(series),
            "timestamps": stats.records - stats.no_timestamp, "levels": sum(sum(s.levels.values()) for s in series)}


def run_drain3(path: Path, *, masked: bool = False) -> dict:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.profiling_enabled = False
    if masked:  # the same masking as warroom's miner, as a drain3 masking instruction
        from warroom.data.evidence.templates import MASK

        config.masking_instructions.append(MaskingInstruction(MASK.pattern, "*"))
    miner = TemplateMiner(config=config)
    lines = 0
    started, cpu = time.perf_counter(), time.process_time()
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            miner.add_log_message(line.rstrip("\r\n"))
            lines += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"lines": lines, "seconds": elapsed, "cpu": cpu, "templates": len(miner.drain.clusters), "timestamps": 0, "levels": 0}


def child(which: str, path: Path) -> None:
    import logging

    logging.disable(logging.CRITICAL)  # drain3 logs its configuration on start
    if which == "warroom":
        result = run_warroom(path)
    else:
        result = run_drain3(path, masked=which == "drain3+mask")
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(which: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", which, str(path)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_rss() -> float:
    done = subprocess.run([sys.executable, "-c", "import resource, warroom.data.evidence;"
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    return float(done.stdout.strip() or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved; the best is shown")
    parser.add_argument("--inputs", default=",".join(INPUTS), help=f"comma-separated, of {', '.join(INPUTS)}")
    parser.add_argument("--masked-drain3", action="store_true", help="also drain3 with warroom's masking regex")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if not (SHARED / "logs").is_dir():
        print("../shared/data/logs is absent: nothing to build the benchmark log from", file=sys.stderr)
        return 2
    lines = 100_000 if args.quick else args.lines
    names = ["warroom", "drain3", *(["drain3+mask"] if args.masked_drain3 else [])]
    print(f"interpreter + import baseline RSS: {baseline_rss():.0f} MiB; least CPU time of {max(1, args.repeat)} interleaved runs;"
          " drain3 gets each raw line (no timestamps, levels or JSON/CSV unwrapping)")
    print(f"{'input':<15}{'':<12}{'lines/s':>12}{'seconds':>10}{'CPU s':>8}{'templates':>11}{'timestamps':>12}{'levels':>10}"
          f"{'peak RSS':>11}")
    for how in [name.strip() for name in args.inputs.split(",") if name.strip()]:
        if how not in INPUTS:
            print(f"{how}: not one of {', '.join(INPUTS)}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.log"
            build(path, lines, how=how)
            runs: dict[str, list[dict]] = {name: [] for name in names}
            for _ in range(max(1, args.repeat)):  # interleaved, so a busy moment on the machine hits all of them
                for name in runs:
                    runs[name].append(measure(name, path))
        _report(how, {name: min(rs, key=lambda r: r.get("cpu", float("inf"))) for name, rs in runs.items()})
    return 0


def _report(how: str, results: dict[str, dict]) -> None:
    for name, r in results.items():
        if "error" in r:
            print(f"{how:<15}{name:<12} failed: {r['error']}")
            continue
        print(f"{how:<15}{name:<12}{r['lines'] / r['cpu']:>12,.0f}{r['seconds']:>10.1f}{r['cpu']:>8.1f}{r['templates']:>11,}"
              f"{r['timestamps']:>12,}{r['levels']:>10,}{r['peak_rss_mib']:>8.0f} MiB")
    ours = results["warroom"]
    for other in [name for name in results if name != "warroom"]:
        if "error" not in ours and "error" not in results[other]:
            print(f"{how:<15}warroom: {results[other]['cpu'] / ours['cpu']:.2f}x the speed of {other} (CPU time), "
                  f"{ours['peak_rss_mib'] / results[other]['peak_rss_mib']:.2f}x its peak RSS")


if __name__ == "__main__":
    raise SystemExit(main())
