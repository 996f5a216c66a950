"""Database files the store must refuse, and never overwrite: newer schema, damaged, foreign, read-only."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.entry import clean_line
from warroom.data.fold import InvalidEvent
from warroom.data.store import SCHEMA_VERSION, CorruptDatabaseError, EventStore, NewerSchemaError, StoreError
from warroom.data.store_api import open_store


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


async def make_db(path: str | Path, notes: int = 0) -> str:
    """A real warroom database (a file, or a PostgreSQL URL) with one incident."""
    store = await open_store(path)
    try:
        incident_id = (await store.declare(T0, title="Checkout down")).incident_id
        await store.append_many(ev.NoteAdded(incident_id=incident_id, at=T0, text=f"note {i} " + "x" * 200)
                                for i in range(notes))  # fmt: skip
    finally:
        await store.close()
    return incident_id


def checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def test_newer_schema_is_refused_and_left_byte_identical(db_path: Path) -> None:
    await make_db(db_path)
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    checkpoint(db_path)
    before = fingerprint(db_path)
    with pytest.raises(NewerSchemaError, match=r"newer warroom .*upgrade warroom"):
        await EventStore.open(db_path)
    assert fingerprint(db_path) == before


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


def text_file(path: Path) -> None:
    path.write_text("2026-11-23 09:00:01 ERROR checkout-api upstream timed out\n" * 100)


def other_apps_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        db.execute("INSERT INTO moz_places (url) VALUES ('https://example.com')")
    db.close()


def header_only(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)


@pytest.mark.parametrize("damage", [random_bytes, text_file, other_apps_sqlite, header_only], ids=lambda f: f.__name__)
async def test_foreign_or_damaged_file_is_refused_and_never_overwritten(db_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    damage(db_path)
    before = fingerprint(db_path)
    with pytest.raises(CorruptDatabaseError, match="left untouched"):
        await EventStore.open(db_path)
    assert fingerprint(db_path) == before


async def test_truncated_database_is_refused_and_never_overwritten(tmp_path: Path, db_path: Path) -> None:
    await make_db(db_path, notes=400)
    checkpoint(db_path)
    data = db_path.read_bytes()
    assert len(data) > 16 * 4096
    db_path.write_bytes(data[: len(data) // 3])
    before = fingerprint(db_path)
    with pytest.raises(CorruptDatabaseError, match="left untouched"):
        store = await EventStore.open(db_path)
        try:  # opening may only read the first pages; reading the events must then fail clearly
            incident_id = (await store.incident_ids())[0]
            await store.load(incident_id)
        finally:
            await store.close()
    assert fingerprint(db_path) == before


async def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        await EventStore.open(tmp_path)


@pytest.fixture
def read_only(db_path: Path) -> Iterator[Path]:
    """Make ``db_path`` read-only for this process: chmod, and the immutable attribute when running as root."""
    immutable = False
    db_path.chmod(0o444)
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db_path)], capture_output=True).returncode:
            db_path.chmod(0o644)
            pytest.skip("running as root without chattr: a file cannot be made read-only here")
        immutable = True
    try:
        yield db_path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db_path)], check=True)
        db_path.chmod(0o644)


async def test_read_only_database_gives_a_clear_error_on_append(db_path: Path, request: pytest.FixtureRequest) -> None:
    incident_id = await make_db(db_path, notes=3)
    checkpoint(db_path)
    request.getfixturevalue("read_only")
    before = fingerprint(db_path)
    try:
        store = await EventStore.open(db_path)
    except StoreError as exc:  # refusing to open is also a clear answer
        assert "read-only" in str(exc) or "cannot open" in str(exc)
        return
    try:
        assert (await store.load(incident_id)).notes == 3  # reading still works
        with pytest.raises(StoreError, match="read-only"):
            await store.append(ev.NoteAdded(incident_id=incident_id, at=T0, text="can I write?"))
    finally:
        await store.close()
    assert fingerprint(db_path)[0] == before[0]


async def test_append_validates_against_what_other_connections_wrote(db_location: str | Path) -> None:
    incident_id = await make_db(db_location)
    first, second = await open_store(db_location), await open_store(db_location)
    try:
        await first.load(incident_id)  # cached in the first store
        await second.append(ev.IncidentResolved(incident_id=incident_id, at=T0, resolution="rolled back"))
        await second.append(ev.IncidentClosed(incident_id=incident_id, at=T0))
        with pytest.raises(InvalidEvent, match="closed"):
            await first.append(ev.StatusChanged(incident_id=incident_id, at=T0, status="MITIGATING"))
        assert [e.kind for e in await first.events(incident_id)][-1] == "incident.closed"  # nothing half-written
        stored = await first.append(ev.NoteAdded(incident_id=incident_id, at=T0, text="still writable"))
        assert (await first.load(incident_id)).last_seq == stored.seq
        assert (await second.load(incident_id)).notes == 1
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("actor", ["dana", 'say "hi"', "back\\slash", "tab\there", "ünï ✓", "\x1b[31mred"])
async def test_stored_events_read_back_exactly(db_location: str | Path, actor: str) -> None:
    incident_id = await make_db(db_location)
    async with await open_store(db_location) as store:
        written = await store.append(ev.NoteAdded(incident_id=incident_id, at=T0, actor=actor, text='{"x": "\\u0000"}'))
        await store.append(ev.Acknowledged(incident_id=incident_id, at=T0, actor=actor))
    async with await open_store(db_location) as store:
        note, ack = (await store.events(incident_id))[1:]
    # what append returned is what was stored: the actor as one line without control characters
    assert note == written and ack.actor == written.actor == clean_line(actor) and ack.kind == "incident.acknowledged"


async def test_a_full_disk_is_said_as_such_not_as_a_damaged_database(tmp_path: Path, monkeypatch) -> None:
    from warroom.data import dbfile

    db = tmp_path / "w.db"
    async with await EventStore.open(db) as store:
        full = store._explain(sqlite3.OperationalError("database or disk is full"))
        assert "disk holding" in str(full) and "is full" in str(full) and "damaged" not in str(full)
        # "disk I/O error" is the disk being full only when the disk has (almost) no space left
        plain_io = store._explain(sqlite3.OperationalError("disk I/O error"))
        assert "is full" not in str(plain_io)
        usage = shutil.disk_usage(tmp_path)
        monkeypatch.setattr(dbfile.shutil, "disk_usage", lambda _p: usage._replace(free=4096))
        io_full = store._explain(sqlite3.OperationalError("disk I/O error"))
        assert "is full (4,096 bytes free)" in str(io_full) and "free some space" in str(io_full)
