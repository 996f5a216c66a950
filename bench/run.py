"""The performance table: run every benchmark present, each in its own process, and print one table.

    python -m bench [--quick] [--only NAME ...] [--timeout SECONDS]

Each ``bench/<name>.py`` runs in a subprocess with a timeout; its printed figures are parsed
and shown next to the aim the issues set and the baseline measured in the same run, with the
machine they were measured on. A benchmark that is missing, fails or times out is one line
saying so; the others still report. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
Row = tuple[str, str, str, str]  # measure, figure, aim, baseline in the same run


@dataclass(frozen=True)
class Bench:
    name: str
    args: list[str]
    quick_args: list[str]
    parse: Callable[[str], list[Row]]


def _find(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, re.MULTILINE)


def _num(value: str) -> float:
    return float(value.replace(",", ""))


def parse_storm(out: str) -> list[Row]:
    rows: list[Row] = []
    base = _find(r"one note on an idle database: ([\d.]+) ms", out)
    if m := _find(r"ingest of ([\d,]+) alerts: ([\d.]+) s", out):
        rows.append((f"storm: ingest of {m[1]} alerts", f"{m[2]} s", "20,000 in <= 5 s", ""))
    if m := _find(r"longest wait ([\d.]+) s", out):
        rows.append(("storm: another writer's longest wait", f"{m[1]} s", "<= 1 s", f"idle note {base[1]} ms" if base else ""))
    return rows


def parse_notify(out: str) -> list[Row]:
    rows: list[Row] = []
    if m := _find(r"backlog of ([\d,]+) drained in one pass: ([\d,]+) notifications/s", out):
        base = _find(r"bare HTTP POSTs to the same receiver: ([\d,]+) /s", out)
        rows.append(("notify: outbox backlog drain", f"{m[2]} /s", "-", f"bare POSTs {base[1]}/s" if base else ""))
    if m := _find(r"publish to delivery: median (\d+) ms, p99 (\d+) ms", out):
        rows.append(("notify: publish to delivery", f"median {m[1]} ms, p99 {m[2]} ms", "-", ""))
    return rows


def parse_store(out: str) -> list[Row]:
    rows: list[Row] = []
    if m := _find(r"single appends, synchronous=FULL\s+([\d,]+) events/s\s+([\d,]+) /s", out):
        rows.append(("store: durable single appends", f"{m[1]} events/s", ">= 2,000/s", f"plain sqlite3 {m[2]}/s"))
    if m := _find(r"batch appends \(100 per transaction\)\s+([\d,]+) events/s", out):
        rows.append(("store: batch appends (100/txn)", f"{m[1]} events/s", "-", ""))
    if m := _find(r"replay of a ([\d,]+)-event incident \(cold load\)\s+([\d.]+) s\s+([\d.]+) s", out):
        rows.append((f"store: replay of {m[1]} events", f"{m[2]} s", "100k < 1 s", f"sqlite3+json {m[3]} s"))
    return rows


def parse_tui(out: str) -> list[Row]:
    rows: list[Row] = []
    for m in re.finditer(r"^first frame, ([\d,]+) events: ([\d.]+) s \(usable ([\d.]+) s; bare Textual app ([\d.]+) s", out, re.M):
        rows.append((f"tui: first frame / usable ({m[1]} events)", f"{m[2]} s / {m[3]} s", "usable <= 1.5x bare",
                     f"bare Textual {m[4]} s"))  # fmt: skip
    for m in re.finditer(r"^first open, ([\d,]+) events \(no snapshot yet\): usable ([\d.]+) s", out, re.M):
        rows.append((f"tui: first open, no snapshot ({m[1]} events)", f"usable {m[2]} s", "-", ""))
    for m in re.finditer(r"^idle output, ([\d,]+) events: ([\d,]+) B/s \(bare Textual app (\S+)", out, re.M):
        rows.append((f"tui: idle output ({m[1]} events)", f"{m[2]} B/s", "<= 250 B/s", f"bare Textual {m[3]} B/s"))
    for m in re.finditer(r"^keystroke.repaint while streaming, ([\d,]+) events: median (\d+) ms, max (\d+) ms"
                         r"(?: \(bare Textual app median (\d+) ms, max (\d+) ms)?", out, re.M):  # fmt: skip
        rows.append((f"tui: keystroke to repaint ({m[1]} events)", f"median {m[2]} ms, max {m[3]} ms",
                     "median <= 3x bare, max <= 50 ms", f"bare median {m[4]} ms, max {m[5]} ms" if m[4] else ""))  # fmt: skip
    for m in re.finditer(r"^resident memory, ([\d,]+) events: ([\d,]+) MB", out, re.M):
        rows.append((f"tui: memory ({m[1]} events)", f"{m[2]} MB", "< 200 MB", ""))
    for m in re.finditer(r"^FAILED: (.*)$", out, re.M):
        rows.append(("tui: failed", m[1][:80], "-", ""))
    return rows


def parse_ingest(out: str) -> list[Row]:
    rows: list[Row] = []
    for m in re.finditer(r"^(\S+)\s+warroom: ([\d.]+)x the speed of drain3 \(CPU time\), ([\d.]+)x its peak RSS", out, re.M):
        ours = _find(rf"^{re.escape(m[1])}\s+warroom\s+([\d,]+)\s", out)
        drain = _find(rf"^{re.escape(m[1])}\s+drain3\s+([\d,]+)\s", out)
        rows.append((f"ingest + template mining, {m[1]}", f"{ours[1] if ours else '?'} lines/s ({m[2]}x, RSS {m[3]}x)",
                     ">= 2x drain3, RSS <= 2x", f"drain3 {drain[1]}/s" if drain else ""))
    return rows


def parse_agents(out: str) -> list[Row]:
    rows: list[Row] = []
    groups = re.findall(r"^\s*(\d+)\s+([\d.]+)s\s+([\d.]+)s\s+([+-][\d.]+)%", out, re.MULTILINE)
    slowest = _find(r"^\s*1\s+([\d.]+)s", out)
    if groups:
        k, wall, _, pct = groups[-1]
        rows.append((f"agents: parallel group of {k}", f"{wall} s ({pct}%)", "within 10% of slowest",
                     f"one agent {slowest[1]} s" if slowest else ""))
    if m := _find(r"itil, auto \(\+gates\):\s+([\d.]+) ms/step", out):
        rows.append(("agents: orchestrator overhead (itil)", f"{m[1]} ms/step", "-", ""))
    return rows


def parse_export(out: str) -> list[Row]:
    events = _find(r"export benchmark: ([\d,]+) events", out)
    total = _find(r"^export \(render \+ atomic write, fsync\)\s+([\d.]+)", out)
    fold = _find(r"^fold only \(baseline\)\s+([\d.]+)", out)
    if not total:
        return []
    return [(f"export of {events[1] if events else '?'} events", f"{total[1]} s", "< 1 s",
             f"fold only {fold[1]} s" if fold else "")]


def parse_stats(out: str) -> list[Row]:
    size = _find(r"= ([\d,]+) events", out)
    cli = _find(r"warroom stats end to end \(aim < 2 s\)\s+([\d.]+)", out)
    base = _find(r"baseline: read \+ replay every incident\s+([\d.]+)", out)
    if not cli:
        return []
    return [(f"warroom stats ({size[1] if size else '?'} events)", f"{cli[1]} s", "< 2 s",
             f"full replay {base[1]} s" if base else "")]


def parse_rca(out: str) -> list[Row]:
    m = _find(r"^rca: (\d+)/(\d+) cases \((\d+)%\), ([\d.]+) s per case", out)
    if not m:
        return []
    return [("offline RCA: conclusion names the cause", f"{m[1]}/{m[2]} shared cases ({m[3]}%), {m[4]} s/case",
             "every shared case; >= 60% unseen", "")]


def parse_web_view(out: str) -> list[Row]:
    rows: list[Row] = []
    base = _find(r"append to a bare store tail every [\d.]+ s \(baseline\): median (\d+) ms, p99 (\d+) ms", out)
    if m := _find(r"append to browser text \((\d+) notes\): median (\d+) ms, p99 (\d+) ms", out):
        rows.append(("web view: append to browser text", f"median {m[2]} ms, p99 {m[3]} ms", "< 2 s",
                     f"store tail median {base[1]} ms, p99 {base[2]} ms" if base else ""))
    if m := _find(r"page to incident list ([\d.]+) s, to the war room ([\d.]+) s", out):
        rows.append(("web view: page load to incident list", f"{m[1]} s", "-", ""))
    if m := _find(r"one browser's app process: (\d+) MB resident", out):
        rows.append(("web view: memory per browser", f"{m[1]} MB", "-", ""))
    return rows


BENCHES = [
    Bench("store", [], ["--quick"], parse_store),
    Bench("tui", [], [], parse_tui),
    Bench("ingest", ["--repeat", "2"], ["--quick", "--repeat", "1"], parse_ingest),
    Bench("agents", [], [], parse_agents),
    Bench("export", [], ["--repeat", "2"], parse_export),
    Bench("stats", [], ["--incidents", "200"], parse_stats),
    Bench("rca", [], [], parse_rca),
    Bench("storm", [], ["--alerts", "5000"], parse_storm),
    Bench("notify", [], ["--updates", "50"], parse_notify),
    Bench("web_view", [], ["--notes", "10"], parse_web_view),
]


def machine() -> str:
    """CPU model, cores, RAM and Python, for the line under the table."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        ram = f", {kib / 2**20:.1f} GiB RAM"
    except (OSError, IndexError, ValueError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{ram}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def run_bench(bench: Bench, quick: bool, timeout: float) -> tuple[list[Row], str]:
    """Run one benchmark; returns its rows and a status (``ok 12 s``, ``missing``, ``failed: ...``)."""
    script = BENCH / f"{bench.name}.py"
    if not script.exists():
        return [], "missing"
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(script), *(bench.quick_args if quick else bench.args)],
                              capture_output=True, text=True, timeout=timeout, cwd=BENCH.parent)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s"
    took = time.monotonic() - started
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"failed ({proc.returncode}): {last[:120]}"
    rows = bench.parse(proc.stdout)
    return rows, f"ok {took:.0f} s" if rows else f"ran {took:.0f} s but printed no figure this table knows"


def table(rows: list[Row]) -> str:
    head: Row = ("measure", "figure", "aim", "baseline (same run)")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes where a benchmark has them")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[b.name for b in BENCHES])
    parser.add_argument("--timeout", type=float, default=420.0, help="per benchmark, seconds (default 420)")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        print(f"running bench/{bench.name}.py ...", file=sys.stderr, flush=True)
        found, status = run_bench(bench, args.quick, args.timeout)
        print(f"  {bench.name}: {status}", file=sys.stderr, flush=True)
        rows.extend(found or [(f"{bench.name}", status, "", "")])
    print(table(rows))
    print(f"\nMeasured on: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
