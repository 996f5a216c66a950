"""A second store on the same file in one process must not drop the first one's SQLite locks.

SQLite's POSIX locks belong to the process: closing *any* descriptor of the database file releases
every lock this process holds on it. The war room opens a second store in a thread (similar past
incidents); when opening read the file header with ``open()``/``close()``, another process that then
closed its own connection believed itself the last user, checkpointed and deleted the WAL and the
shared-memory file under the war room, whose next write failed with "disk I/O error".
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.store import EventStore


def _other_process_reads(db: Path) -> None:
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM events').fetchall(); c.close()")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60)


def test_a_second_store_in_the_process_keeps_the_first_writable(tmp_path: Path) -> None:
    db = tmp_path / "w.db"

    async def main() -> int:
        first = await EventStore.open(db)
        try:
            await first.append(ev.IncidentDeclared(incident_id="INC-2026-0001", at=T0, title="t"))
            second = await EventStore.open(db)  # opened (and closed) while the first is open
            await second.close()
            for i in range(3):
                _other_process_reads(db)  # closes its connection: must not take the WAL away
                await first.append(ev.NoteAdded(incident_id="INC-2026-0001", at=T0, actor="a", text=f"note {i}"))
            assert db.with_name("w.db-wal").exists(), "the WAL was removed while the war room had it open"
            return len(await first.events("INC-2026-0001"))
        finally:
            await first.close()

    assert asyncio.run(main()) == 4
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4
    finally:
        conn.close()


def _count_elsewhere(db: Path) -> int:
    code = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*) FROM events').fetchone()[0])"
    done = subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60, capture_output=True, text=True)
    return int(done.stdout)


def test_opening_a_store_never_drops_the_locks_of_a_connection_it_does_not_know(tmp_path: Path) -> None:
    """Any connection of the process, not only the store's own: one being opened in another thread
    (the banners' private store while the war room's store opens, the history reader) is not yet
    known to the process when a store opens beside it. Opening never touches the file but through SQLite."""
    db = tmp_path / "w.db"
    asyncio.run(_declare(db))
    raw = sqlite3.connect(db, isolation_level=None)  # a connection the store was never told about
    try:
        raw.execute("INSERT INTO events (incident_id, at, actor, kind, data) SELECT incident_id, at, actor, kind, data "
                    "FROM events LIMIT 1")
        asyncio.run(_open_and_close(db))
        _count_elsewhere(db)  # the other process closes last: it must not take the WAL from under `raw`
        raw.execute("INSERT INTO events (incident_id, at, actor, kind, data) SELECT incident_id, at, actor, kind, data "
                    "FROM events LIMIT 1")
        assert _count_elsewhere(db) == 3, "a write of this process went to a WAL no other process reads"
    finally:
        raw.close()


async def _declare(db: Path) -> None:
    async with await EventStore.open(db) as store:
        await store.append(ev.IncidentDeclared(incident_id="INC-2026-0001", at=T0, title="t"))


async def _open_and_close(db: Path) -> None:
    store = await EventStore.open(db)
    await store.close()
