"""``warroom migrate``: an SQLite history copied into PostgreSQL, checked by counts and digests from both sides."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tests.conftest import T0
from tests.pg_server import PgServer
from warroom.data import events as ev
from warroom.data.pg import PgEventStore
from warroom.data.store import EventStore

ROOT = Path(__file__).resolve().parents[2]


def warroom(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "warroom", *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=120, env={**os.environ, "WARROOM_ACTOR": "dana"})  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


async def seeded(path: Path) -> list[str]:
    async with await EventStore.open(path) as store:
        ids = []
        for title in ("Checkout 502s", "Search latency", "Login loop"):
            incident_id = (await store.declare(T0, title=title)).incident_id
            ids.append(incident_id)
            await store.append_many([ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(seconds=i), actor="eng",
                                                  text=f"{title} note {i} — ünïcode") for i in range(20)])  # fmt: skip
        async with store.transaction() as tx:
            await tx.bind_keys([("alertmanager:abc", ids[0]), ("pagerduty:xyz", ids[1])])
    return ids


def sha(rows: list[tuple[object, ...]]) -> str:
    """The digest the command prints, computed here independently from the rows."""
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(str(v) for v in row).encode("utf-8") + b"\x1e")
    return h.hexdigest()


async def test_migrate_copies_every_event_and_both_sides_print_the_same_digest(db_path: Path, pg_url: str,
                                                                               pg_server: PgServer) -> None:  # fmt: skip
    ids = await seeded(db_path)
    result = warroom("migrate", "--from", str(db_path), "--to", pg_url)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith("INC-")}
    conn = sqlite3.connect(db_path)
    try:
        for incident_id in ids:
            rows = conn.execute("SELECT seq, incident_id, at, actor, kind, data FROM events WHERE incident_id = ? "
                                "ORDER BY seq", (incident_id,)).fetchall()  # fmt: skip
            _, count, source, target, verdict = lines[incident_id]
            assert (int(count), source, target, verdict) == (len(rows), sha(rows)[:16], sha(rows)[:16], "ok")
    finally:
        conn.close()
    assert "copied 3 incidents (63 events, 2 alert keys)" in result.stdout and "every count and digest matches" in result.stdout

    async with await EventStore.open(db_path) as file, await PgEventStore.open(pg_url) as copy:
        for incident_id in ids:
            assert (await copy.load(incident_id)) == (await file.load(incident_id))
        assert await copy.incident_for_key("alertmanager:abc") == ids[0]
        assert (await copy.declare(T0, title="after the move")).seq == 64  # the counter continues the file's seqs

    again = warroom("migrate", "--from", str(db_path), "--to", pg_url)
    assert again.returncode == 2 and "already holds 64 events: migrate into an empty database" in again.stderr


async def test_a_row_warroom_never_wrote_is_refused_and_nothing_is_copied(db_path: Path, pg_url: str,
                                                                         pg_server: PgServer) -> None:  # fmt: skip
    ids = await seeded(db_path)
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, 'x', 'note.added', ?)",
                     (ids[0], T0.isoformat(), '{"text": "key AKIAIOSFODNN7EXAMPLE \\u001b[2J"}'))  # fmt: skip
        conn.commit()
    finally:
        conn.close()
    result = warroom("migrate", "--from", str(db_path), "--to", pg_url)
    assert result.returncode == 2 and "nothing was copied" in result.stderr and result.stderr.count("\n") == 1
    assert pg_server.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'events'", pg_url).strip() == "0"  # untouched


def test_migrate_wants_a_file_and_a_url(tmp_path: Path) -> None:
    missing = warroom("migrate", "--from", str(tmp_path / "none.db"), "--to", "postgresql://db/warroom")
    assert missing.returncode == 2 and "there is no warroom database" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    not_url = warroom("migrate", "--from", str(tmp_path / "a.db"), "--to", str(tmp_path / "b.db"))
    assert not_url.returncode == 2 and "give the PostgreSQL database as postgresql://" in not_url.stderr
