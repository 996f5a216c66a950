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
