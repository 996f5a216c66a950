"""The history's fast read: it recovers like every other connection, cannot write, and creates no database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data.insights.history import load_history, reading_connection
from warroom.data.models import Status
from warroom.data.store import EventStore, StoreError

ROOT = Path(__file__).resolve().parents[3]

#: Appends whole incidents (declared, resolved, closed: one transaction each) until killed; prints each count.
WRITER = """
import asyncio, sys
from datetime import datetime, timedelta
from warroom.data import events as ev
from warroom.data.store import EventStore

async def main(path, t0):
    store = await EventStore.open(path)
    for n in range(1, 100_000):
        iid, at = f"INC-2026-{n:04d}", t0 + timedelta(minutes=n)
        await store.append_many([
            ev.IncidentDeclared(incident_id=iid, at=at, title=f"outage {n}", service="checkout"),
            ev.IncidentResolved(incident_id=iid, at=at + timedelta(minutes=30), resolution="rolled back"),
            ev.IncidentClosed(incident_id=iid, at=at + timedelta(minutes=40)),
        ])
        print(n, flush=True)

asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2])))
"""


def _stats(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warroom", "stats", "--json", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _resolved_count(report: dict) -> int:
    return next(f for f in report["figures"] if f["key"] == "mttr")["overall"]["count"]


async def test_stats_while_another_process_appends_and_after_it_is_killed(db_path: Path) -> None:
    store = await EventStore.open(db_path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), T0.isoformat()], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout is not None
        while int(writer.stdout.readline() or 0) < 5:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
        seen = 0
        for _ in range(20):  # in-process reads while the writer commits
            history = await load_history(store, chunks=False)
            assert len(history) >= seen
            seen = len(history)
            assert all(state.status is Status.CLOSED and len(events) == 3 for state, events in history)
        for _ in range(2):  # the command, in its own process, while the writer commits
            out = _stats(db_path)
            assert out.returncode == 0, out.stderr
            report = json.loads(out.stdout)
            assert report["incidents"] >= seen and _resolved_count(report) == report["incidents"]
            seen = report["incidents"]
        assert writer.poll() is None, "the writer stopped before the reads were done"
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # mid-transaction, as like as not
        writer.communicate(timeout=30)
    out = _stats(db_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    on_disk = len(await store.incident_ids())
    await store.close()
    assert report["incidents"] == on_disk >= seen and _resolved_count(report) == on_disk


async def test_the_reading_connection_refuses_writes(store: EventStore, db_path: Path) -> None:
    await store.declare(T0, title="checkout down")
    before = (db_path.stat().st_size, len(await store.events("INC-2026-0001")))
    db = reading_connection(db_path)
    try:
        assert db.execute("PRAGMA query_only").fetchone() == (1,)
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000
        for write in ("DELETE FROM events", "CREATE TABLE notes (x)", "UPDATE meta SET value = '0'"):
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                db.execute(write)
        assert db.execute("SELECT count(*) FROM events").fetchone() == (1,)
    finally:
        db.close()
    assert (db_path.stat().st_size, len(await store.events("INC-2026-0001"))) == before


def test_stats_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "warroom.db"  # (a --db in a missing folder is refused earlier: tests/app/test_tui_cli.py)
    out = _stats(missing)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == f"warroom: there is no warroom database at {missing} (nothing was created): check --db or WARROOM_DB\n"
    with pytest.raises(StoreError, match="no warroom database"):
        reading_connection(missing)
    assert list(tmp_path.iterdir()) == []
