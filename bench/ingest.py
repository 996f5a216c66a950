"""Log ingest benchmark: lines per second and peak memory for reading + template mining, against drain3.

Run: ``python bench/ingest.py [--lines N] [--quick]`` (needs ``../shared/data/logs``;
drain3 comes with the ``bench`` extra). It builds one log of N lines (default
1,000,000) from the Loghub HDFS and Apache samples and the recorded pod logs,
with every number varied (block ids, IPs, sizes, pids, times) so the file is
not 2,000 lines repeated, then measures in the same run, each in its own
process so peak RSS (``resource.getrusage``) is its own, ``--repeat`` times
interleaved (the best run of each is shown, and every run's rate):

- **warroom**: :func:`read_log` (timestamps, levels, CRLF, encoding checks) +
  :class:`LogDigest` (template mining, per-minute counts, level counters, examples);
- **drain3**: ``drain3.TemplateMiner.add_log_message`` on the same lines
  (read with a plain ``for line in file``; no timestamp or level parsing),
  out-of-the-box configuration (no persistence, no masking);
- **drain3+mask**: the same with warroom's masking regex as a drain3 masking
  instruction (what it costs drain3 to mask what warroom masks).

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


def build(path: Path, lines: int, seed: int = 7) -> None:
    """Write ``lines`` lines: sample lines with their message numbers varied and times moving forward."""
    rng = random.Random(seed)
    sources = _sources()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def vary(match: re.Match[str]) -> str:
        digits = match.group(0)
        return str(rng.randrange(10 ** (len(digits) - 1) if len(digits) > 1 else 0, 10 ** len(digits)))

    with path.open("w", encoding="utf-8", newline="\n") as out:
        for i in range(lines):
            kind, sample = sources[i % 7 % 3] if i % 7 < 6 else sources[2]
            line = sample[rng.randrange(len(sample))]
            when = start + timedelta(milliseconds=i * 3)
            if kind == "hdfs":
                rest = line[13:]
                line = when.strftime("%y%m%d %H%M%S") + _NUMBER.sub(vary, rest)
            elif kind == "apache":
                stamp_end = line.index("]") + 1
                line = when.strftime("[%a %b %d %H:%M:%S %Y]") + _NUMBER.sub(vary, line[stamp_end:])
            else:
                line = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{i % 1000:03d}" + _NUMBER.sub(vary, line[23:])
            out.write(line + "\n")


def run_warroom(path: Path) -> dict:
    from warroom.data.evidence import LogDigest, ReadStats, read_log

    stats = ReadStats()
    digest = LogDigest()
    started = time.perf_counter()
    for record in read_log(path, stats):
        digest.add(record)
    series = digest.series()
    elapsed = time.perf_counter() - started
    return {"lines": stats.lines, "seconds": elapsed, "templates": len(series),
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
    started = time.perf_counter()
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            miner.add_log_message(line.rstrip("\r\n"))
            lines += 1
    elapsed = time.perf_counter() - started
    return {"lines": lines, "seconds": elapsed, "templates": len(miner.drain.clusters), "timestamps": 0, "levels": 0}


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
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if not (SHARED / "logs").is_dir():
        print("../shared/data/logs is absent: nothing to build the benchmark log from", file=sys.stderr)
        return 2
    lines = 100_000 if args.quick else args.lines
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.log"
        started = time.perf_counter()
        build(path, lines)
        print(f"built {lines:,} lines ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f}s")
        runs: dict[str, list[dict]] = {name: [] for name in ("warroom", "drain3", "drain3+mask")}
        for _ in range(max(1, args.repeat)):  # interleaved, so a busy moment on the machine hits all of them
            for name in runs:
                runs[name].append(measure(name, path))
        results = {name: min(rs, key=lambda r: r.get("seconds", float("inf"))) for name, rs in runs.items()}
        spread = {name: sorted(r["lines"] / r["seconds"] for r in rs if "seconds" in r) for name, rs in runs.items()}
    print(f"interpreter + import baseline RSS: {baseline_rss():.0f} MiB; best of {max(1, args.repeat)} interleaved runs")
    print(f"{'':<12}{'lines/s':>12}{'seconds':>10}{'templates':>11}{'timestamps':>12}{'levels':>10}{'peak RSS':>11}")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<12} failed: {r['error']}")
            continue
        print(f"{name:<12}{r['lines'] / r['seconds']:>12,.0f}{r['seconds']:>10.1f}{r['templates']:>11,}"
              f"{r['timestamps']:>12,}{r['levels']:>10,}{r['peak_rss_mib']:>8.0f} MiB")
    if all("error" not in r for r in results.values()):
        for name, rates in spread.items():
            print(f"{name:<12} all runs (lines/s): {', '.join(f'{r:,.0f}' for r in rates)}")
        for other in ("drain3", "drain3+mask"):
            ratio = results[other]["seconds"] / results["warroom"]["seconds"]
            print(f"warroom: {ratio:.2f}x the speed of {other}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
