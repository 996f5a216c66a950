"""Event store benchmark: durable appends per second and the replay time of a 100,000-event incident.

Run: ``python bench/store.py [--quick] [--pg URL | --no-pg]``: the same measures on PostgreSQL follow
the SQLite ones, and the follow delay of both (``bench/store_pg.py``); ``--sizes [--million]`` prints instead the time and peak
memory of replay, ``show``, ``export`` and ``stats`` on one incident of 10k / 100k (/ 1M) events
(``bench/sizes.py``). Every figure is compared with a
baseline measured in the same run on the same disk: plain ``sqlite3`` doing the
same INSERT in its own transaction (the floor for one durable commit), and
plain ``sqlite3`` + ``json.loads`` reading the same rows (the floor for a
replay). Nothing here asserts speed; it prints what it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import sizes  # noqa: E402
from warroom.data import events as ev  # noqa: E402
from bench import store_pg  # noqa: E402
from warroom.data.store import INSERT, MIGRATIONS, EventStore  # noqa: E402
from warroom.data.store_api import is_database_url, open_store  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NOTE = "Rolled back checkout-api to v2.40.3; error rate falling (7.8% -> 0.4%)."


def note(incident_id: str, i: int) -> ev.NoteAdded:
    return ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(milliseconds=i), actor="bench", text=f"{NOTE} #{i}")


def mixed(incident_id: str, i: int) -> ev.BaseEvent:
    """A realistic replay mix: mostly agent output chunks and notes, some status updates."""
    at = T0 + timedelta(milliseconds=i)
    if i == 1:
        return ev.AgentStepStarted(incident_id=incident_id, at=at, actor="agent", run_id="run-1", step_id="investigate")
    if i % 10 == 0:
        return ev.StatusUpdatePublished(incident_id=incident_id, at=at, audience="internal", text=f"Update {i}: {NOTE}")
    if i % 3 == 0:
        return note(incident_id, i)
    return ev.AgentStepOutput(incident_id=incident_id, at=at, actor="agent", run_id="run-1", text=f"chunk {i} " + NOTE)


def plain_sqlite_single(path: Path, n: int, synchronous: str) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    payload = json.dumps({"text": NOTE})
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute(INSERT, ("INC-2026-0001", T0.isoformat(), "bench", "note.added", payload))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


async def opened(location: Path | str, synchronous: str = "FULL") -> EventStore:
    """The store at ``location`` (a PostgreSQL URL: its server decides durability)."""
    if is_database_url(location):
        return await open_store(location)
    return await EventStore.open(location, synchronous=synchronous)


async def warroom_single(path: Path | str, n: int, synchronous: str = "FULL") -> float:
    store = await opened(path, synchronous)
    incident_id = (await store.declare(T0, title="bench")).incident_id
    events = [note(incident_id, i) for i in range(n)]
    start = time.perf_counter()
    for event in events:
        await store.append(event)
    elapsed = time.perf_counter() - start
    await store.close()
    return n / elapsed


async def warroom_batches(path: Path | str, n: int, batch: int) -> float:
    store = await opened(path)
    incident_id = (await store.declare(T0, title="bench")).incident_id
    events = [note(incident_id, i) for i in range(n)]
    start = time.perf_counter()
    for offset in range(0, n, batch):
        await store.append_many(events[offset : offset + batch])
    elapsed = time.perf_counter() - start
    await store.close()
    return n / elapsed


async def build_incident(path: Path | str, n: int) -> str:
    store = await opened(path, "OFF")
    incident_id = (await store.declare(T0, title="a very long incident")).incident_id
    for offset in range(1, n, 5_000):
        await store.append_many([mixed(incident_id, i) for i in range(offset, min(offset + 5_000, n))])
    await store.close()
    return incident_id


async def warroom_replay(path: Path | str, incident_id: str) -> tuple[float, int]:
    store = await opened(path)
    start = time.perf_counter()
    incident = await store.load(incident_id)
    elapsed = time.perf_counter() - start
    await store.close()
    return elapsed, incident.event_count


def plain_read(path: Path, incident_id: str) -> float:
    db = sqlite3.connect(path)
    start = time.perf_counter()
    rows = db.execute(
        "SELECT seq, incident_id, at, actor, kind, data FROM events WHERE incident_id = ? ORDER BY seq", (incident_id,)
    ).fetchall()
    for row in rows:
        json.loads(row[5])
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def replay_rows(engine: str, timings: list[tuple[float, int]], baseline: str = "", floor: float = 0.0) -> list[tuple[str, str, str, str]]:
    """The first cold load folds every event (and writes the snapshot); later cold loads start from that snapshot."""
    first, count = timings[0]
    rows = [(f"replay of a {count:,}-event incident (cold load, full fold){engine}", f"{first:.3f} s", baseline,
             f"{first / floor:.1f}x" if floor else "")]  # fmt: skip
    if len(timings) > 1:
        rows.append((f"  the same, from its snapshot{engine}", f"{min(t for t, _ in timings[1:]):.3f} s", "", ""))
    return rows


def best(values: list[float], higher: bool = True) -> float:
    return max(values) if higher else min(values)


async def run(quick: bool, directory: Path, pg: str | None = None, with_pg: bool = True) -> None:
    n_single = 500 if quick else 2_000
    n_batch = 5_000 if quick else 50_000
    n_replay = 20_000 if quick else 100_000
    rounds = 1 if quick else 3
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="warroom-bench-", dir=directory) as tmp:
        d = Path(tmp)
        counter = iter(range(1_000_000))

        def fresh() -> Path:
            return d / f"bench-{next(counter)}.db"

        for sync in ("FULL", "NORMAL"):
            base = best([plain_sqlite_single(fresh(), n_single, sync) for _ in range(rounds)])
            ours = best([await warroom_single(fresh(), n_single, sync) for _ in range(rounds)])
            rows.append((f"single appends, synchronous={sync}", f"{ours:,.0f} events/s", f"{base:,.0f} /s plain sqlite3",
                         f"{ours / base:.0%}"))  # fmt: skip
        for batch in (10, 100):
            ours = best([await warroom_batches(fresh(), n_batch, batch) for _ in range(rounds)])
            rows.append((f"batch appends ({batch} per transaction)", f"{ours:,.0f} events/s", "", ""))
        path = fresh()
        incident_id = await build_incident(path, n_replay)
        floor = best([plain_read(path, incident_id) for _ in range(rounds)], higher=False)
        timings = [await warroom_replay(path, incident_id) for _ in range(rounds)]
        rows += replay_rows("", timings, f"{floor:.3f} s sqlite3 + json.loads", floor)
        follows = 50 if quick else 200
        rows.append(store_pg.delay_row("SQLite (polling)", await store_pg.follow_delays(fresh(), follows)))
        repaints = 20 if quick else 50
        rows.append(store_pg.delay_row("to the war room's frame, SQLite",
                                       await store_pg.repaint_delays(fresh(), repaints, fresh())))  # fmt: skip
        if with_pg:
            async with store_pg.Databases(pg, directory) as dbs:
                print(f"PostgreSQL: {dbs.where}")
                measures = {"single": warroom_single, "batches": warroom_batches, "build": build_incident,
                            "replay": warroom_replay, "replay_rows": replay_rows}  # fmt: skip
                sizes_ = {"single": n_single, "batch": n_batch, "replay": n_replay}
                rows += await store_pg.pg_rows(dbs, measures, sizes_, rounds)
                rows.append(store_pg.delay_row("PostgreSQL (LISTEN/NOTIFY)",
                                               await store_pg.follow_delays(await dbs.fresh(), follows)))  # fmt: skip
                rows.append(store_pg.delay_row("to the war room's frame, PostgreSQL",
                                               await store_pg.repaint_delays(await dbs.fresh(), repaints, fresh())))  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'warroom':>18}  {'baseline (same run)':>32}  ratio")
    for name, ours_text, base_text, ratio in rows:
        print(f"{name:<{width}}  {ours_text:>18}  {base_text:>32}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round (a smoke run)")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where the databases go (default: here); "
                        "durable appends are bound by this disk's fsync")  # fmt: skip
    engines = parser.add_mutually_exclusive_group()
    engines.add_argument("--pg", metavar="URL", help="measure PostgreSQL on this server (the user needs CREATEDB); "
                         "default: a temporary durable server started here")  # fmt: skip
    engines.add_argument("--no-pg", action="store_true", help="SQLite only")
    sizes.add_arguments(parser)
    args = parser.parse_args()
    if args.sizes:  # the 10k/100k(/1M) table of every reader instead
        sizes.run_from(args)
        return
    print(f"databases in {args.dir.resolve()} (fsync-bound: results depend on this disk and its load)")
    asyncio.run(run(args.quick, args.dir, args.pg, not args.no_pg))


if __name__ == "__main__":
    main()
