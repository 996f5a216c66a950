"""One big incident at 10,000 / 100,000 / 1,000,000 events: time and peak memory of every reader.

Used by ``bench/store.py --sizes`` and ``bench/export.py --sizes`` (the same table). Each size is
built once with batched appends (``append_many``, 5,000 events per transaction) into
``DIR/warroom-big-N-mixM.db`` and reused by later runs while its event count matches. Every
command then runs in a fresh process, and its wall time and peak resident memory
(``ru_maxrss`` of that one child, taken by the small ``bench/peak_rss.py``) are printed side by side:

* ``replay``: ``EventStore.load`` in a bare interpreter (the floor every command pays); the
  first load after the build replays the whole log and writes the snapshot (printed apart),
  as a war room or any command does once per 10,000 events;
* ``show``: ``warroom show ID`` (its default, the state and the last rows of the timeline);
* ``export``: ``warroom export ID --out TMP`` (the whole markdown record, fsynced);
* ``stats``: ``warroom stats`` over the database;
* ``python``: ``python -c pass``, the interpreter alone, and ``startup``: ``warroom --version``, the
  command line's own start (the baselines of the same run: most of ``show`` and ``stats`` at 1M).

The incident is a long P0: agents stream (most events are ``agent.output`` chunks, 5,000 per
run: hours of streaming, each run ending with its document, the joined chunks cut at 200,000
characters as the orchestrator stores it), engineers add notes, the alert re-fires now and
then, status updates go out. Nothing here asserts speed; it prints what it measured.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warroom.data import events as ev  # noqa: E402
from warroom.data.models import Audience, Horizon, Level, MitigationStrategy, NormalisedAlert, Role, Severity  # noqa: E402

ID = "INC-2026-0001"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BATCH = 5_000
CHUNKS_PER_RUN = 5_000
MIX = 2  # in the file name: a database built by another mix is not reused
STEPS = [("tier1_response", "diagnostics/tier1-data.md"), ("triage", "triage-assessment.md"),
         ("tier2_analysis", "diagnostics/tier2-analysis.md"), ("root_cause", "root-cause-analysis.md"),
         ("mitigation_plan", "mitigation-report.md"), ("status_draft", "communications/draft.md")]  # fmt: skip
LINE = "pod checkout-{k} restarted {r} times; p95 {p} ms, error rate {e}% (pool {u}/100)\n"
COMMANDS = ("replay", "show", "export", "stats")
REPLAY = "import asyncio,sys\nfrom warroom.data.store import EventStore\n" \
         "async def main():\n    s = await EventStore.open(sys.argv[1])\n    await s.load(sys.argv[2])\n    await s.close()\n" \
         "asyncio.run(main())\n"  # fmt: skip


def big_incident(total: int) -> Iterator[ev.BaseEvent]:
    """The events of one long P0 incident, ``total`` of them, in order (generated lazily)."""
    count = 0

    def make(cls: type[ev.BaseEvent], **fields: object) -> ev.BaseEvent:
        nonlocal count
        count += 1
        return cls(incident_id=ID, at=T0 + timedelta(milliseconds=100 * count), actor=fields.pop("actor", "alice"), **fields)

    yield make(ev.IncidentDeclared, title="Checkout API returning 503", severity=Severity.P0, impact=Level.HIGH,
               urgency=Level.HIGH, service="checkout-api", detected_at=T0, summary="Checkout fails for a third of users.")  # fmt: skip
    yield make(ev.Acknowledged)
    yield make(ev.RoleAssigned, role=Role.INCIDENT_COMMANDER, person="alice")
    tail = 12
    run = 0
    while count < total - tail - 2:
        run += 1
        step, artifact = STEPS[run % len(STEPS)]
        run_id = f"run-{run}"
        yield make(ev.AgentStepStarted, actor="agent", run_id=run_id, step_id=step, role="sre", backend="offline")
        parts: list[str] = []
        for k in range(CHUNKS_PER_RUN):
            if count >= total - tail - 2:
                break
            text = LINE.format(k=k, r=k % 7, p=120 + k, e=k % 9, u=k % 100)
            parts.append(text)
            yield make(ev.AgentStepOutput, actor="agent", run_id=run_id, text=text)
            if k % 4 == 3 and count < total - tail - 2:
                yield make(ev.NoteAdded, actor=("bob", "carol", "dave")[k % 3], text=f"observation {count}: pool at {k % 100}/100")
            if k % 250 == 249 and count < total - tail - 2:
                alert = NormalisedAlert(source="alertmanager", fingerprint="fp-checkout", title="HighErrorRate",
                                        severity=Severity.P0, service="checkout-api", labels={"alertname": "HighErrorRate"})  # fmt: skip
                yield make(ev.AlertReceived, actor="alertmanager", alert=alert)
            if k % 1000 == 500 and count < total - tail - 2:
                yield make(ev.StatusUpdatePublished, audience=Audience.STATUS_PAGE, text=f"Update {run}: still investigating.")
        yield make(ev.AgentStepFinished, actor="agent", run_id=run_id, output="".join(parts)[: ev.MAX_TEXT], artifact=artifact)
    yield make(ev.MitigationExecuted, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded", validation={"error_rate": "0.2%"})
    yield make(ev.IncidentResolved, resolution="rolled back checkout-api")
    for i in range(4):
        yield make(ev.ActionItemAdded, item_id=f"A{i + 1}", title=f"Action {i + 1}", owner="bob",
                   due=T0 + timedelta(days=7 + i), horizon=list(Horizon)[i % 3])  # fmt: skip
    for section in ("summary", "went_well", "could_improve", "lessons_technical"):
        yield make(ev.ReviewUpdated, section=section, text=f"{section} text\nsecond line")
    while count < total - 2:
        yield make(ev.NoteAdded, text="post-review note")
    yield make(ev.ReviewCompleted)
    yield make(ev.IncidentClosed)


async def build(path: Path, total: int) -> float:
    """Write the incident to ``path`` with batched appends; returns the seconds it took."""
    from warroom.data.store import EventStore

    start = time.perf_counter()
    store = await EventStore.open(path, synchronous="OFF")
    try:
        batch: list[ev.BaseEvent] = []
        for event in big_incident(total):
            batch.append(event)
            if len(batch) == BATCH:
                await store.append_many(batch)
                batch = []
        if batch:
            await store.append_many(batch)
    finally:
        await store.close()
    return time.perf_counter() - start


def stored_count(path: Path) -> int:
    import sqlite3

    if not path.exists():
        return 0
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def measure(argv: list[str], timeout: float) -> tuple[float, float] | None:
    """Wall seconds and peak RSS (MB) of one command, run by ``bench/peak_rss.py``; None when it failed or timed out."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once, as an installed warroom is: start-up is not the figure
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "peak_rss.py"), str(timeout), *argv],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    parts = done.stdout.split(maxsplit=3)
    if parts[0] == "timeout":
        return None
    if parts[2] != "0":
        print(f"  {' '.join(argv[1:4])}... exited {parts[2]}: {parts[3] if len(parts) > 3 else ''}", file=sys.stderr)
        return None
    return float(parts[0]), int(parts[1]) / 1024


def command(name: str, db: Path, out: Path) -> list[str]:
    py = sys.executable
    return {
        "replay": [py, "-c", REPLAY, str(db), ID],
        "show": [py, "-m", "warroom", "show", ID, "--db", str(db)],
        "export": [py, "-m", "warroom", "export", ID, "--db", str(db), "--out", str(out)],
        "stats": [py, "-m", "warroom", "stats", "--db", str(db)],
        "python": [py, "-c", "pass"],
        "startup": [py, "-m", "warroom", "--version"],
    }[name]


def run_sizes(sizes: list[int], directory: Path, repeat: int, timeout: float) -> None:
    """Build (or reuse) each size and print the table: seconds (median of ``repeat``) and peak MB."""
    directory.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, str]] = {}
    for total in sizes:
        path = directory / f"warroom-big-{total}-mix{MIX}.db"
        if stored_count(path) != total:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            seconds = asyncio.run(build(path, total))
            print(f"built {total:,} events in {seconds:.1f} s ({total / seconds:,.0f} events/s, batches of {BATCH:,}) "
                  f"-> {path} ({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)  # fmt: skip
        first = measure(command("replay", path, path.parent), timeout)  # the first load writes the snapshot, if due
        if first is not None:
            print(f"{total:>9,} events  first load (replays the log, writes the snapshot): {first[0]:.2f} s, {first[1]:.0f} MB",
                  flush=True)  # fmt: skip
        row: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
            for name in ("python", "startup", *COMMANDS):
                runs = [measure(command(name, path, Path(tmp)), timeout) for _ in range(repeat)]
                done = [r for r in runs if r is not None]
                if len(done) < len(runs):
                    row[name] = f"failed or over {timeout:.0f} s"
                    continue
                secs = sorted(r[0] for r in done)[len(done) // 2]
                row[name] = f"{secs:.2f} s, {max(r[1] for r in done):.0f} MB"
        results[total] = row
        print(f"{total:>9,} events  " + "  ".join(f"{k}: {v}" for k, v in row.items()), flush=True)
    print(f"\nmedian of {repeat}, peak RSS of each process; aims at 1M: every command <= 150 MB, "
          "show --tail <= 0.5 s; export <= 2 s at 100k")
    header = ["events", *COMMANDS, "`warroom --version` (baseline)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for total, row in results.items():
        cells = [f"{total:,}", *(row.get(c, "-") for c in COMMANDS), row.get("startup", "-")]
        print("| " + " | ".join(cells) + " |")


def add_arguments(parser: object) -> None:
    """The ``--sizes`` options shared by ``bench/store.py`` and ``bench/export.py``."""
    parser.add_argument("--sizes", action="store_true", help="the big-incident table (10k and 100k events)")  # type: ignore[attr-defined]
    parser.add_argument("--million", action="store_true", help="with --sizes: add the 1,000,000-event column")  # type: ignore[attr-defined]
    parser.add_argument("--size-repeat", type=int, default=3, help="with --sizes: runs per command (median)")  # type: ignore[attr-defined]
    parser.add_argument("--size-dir", type=Path, default=Path(tempfile.gettempdir()) / "warroom-bench-sizes",  # type: ignore[attr-defined]
                        help="with --sizes: where the big databases are built once and reused")  # fmt: skip
    parser.add_argument("--size-timeout", type=float, default=300.0, help="with --sizes: seconds before a command is stopped")  # type: ignore[attr-defined]


def run_from(args: object) -> None:
    sizes = [10_000, 100_000] + ([1_000_000] if getattr(args, "million") else [])
    run_sizes(sizes, getattr(args, "size_dir"), getattr(args, "size_repeat"), getattr(args, "size_timeout"))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    run_from(parser.parse_args())
