"""Playbook leases in the store: taken, renewed, released, taken over once expired; schema 1 files migrate.

Lease times are plain numbers passed in (a fake wall clock); the store reads no clock. The lease
tests run on both engines (SQLite and PostgreSQL); the schema 1 file is SQLite's own.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.leases import HOST, LeaseHolder, pid_alive
from warroom.data.store import ENVELOPE, MIGRATIONS, SCHEMA_VERSION, EventStore
from warroom.data.store_api import open_store

ALICE = LeaseHolder(HOST, os.getpid(), "alice-token")  # a live process: only expiry frees its lease
BOB = LeaseHolder(HOST, os.getpid(), "bob-token")
INCIDENT = "INC-2026-0001"


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    """The store of every test here: one run per engine (SQLite, PostgreSQL)."""
    return any_store


async def test_one_holder_at_a_time_until_it_releases_or_expires(store: EventStore, db_location: str | Path) -> None:
    other = await open_store(db_location)  # a second connection to the same database: another session
    try:
        first = await store.acquire_lease(INCIDENT, ALICE, now=100.0, seconds=15)
        assert first.held_by(ALICE) and (first.acquired_at, first.expires_at) == (100.0, 115.0)
        refused = await other.acquire_lease(INCIDENT, BOB, now=110.0, seconds=15)
        assert refused.held_by(ALICE) and str(refused.holder) == f"{HOST}:{os.getpid()}"
        again = await store.acquire_lease(INCIDENT, ALICE, now=112.0, seconds=15)  # the same holder: kept
        assert again.held_by(ALICE) and (again.acquired_at, again.renewed_at, again.expires_at) == (100.0, 112.0, 127.0)
        assert await store.renew_lease(INCIDENT, ALICE, now=120.0, seconds=15)
        assert (await other.lease(INCIDENT)).expires_at == 135.0  # type: ignore[union-attr]
        assert not (await other.acquire_lease(INCIDENT, BOB, now=134.9, seconds=15)).held_by(BOB)
        taken = await other.acquire_lease(INCIDENT, BOB, now=135.0, seconds=15)  # expired: taken over
        assert taken.held_by(BOB) and taken.acquired_at == 135.0
        assert not await store.renew_lease(INCIDENT, ALICE, now=136.0, seconds=15)  # alice lost it
        assert not await store.release_lease(INCIDENT, ALICE)  # and cannot release bob's
        assert (await store.lease(INCIDENT)).held_by(BOB)  # type: ignore[union-attr]
        assert await other.release_lease(INCIDENT, BOB)
        assert await store.lease(INCIDENT) is None
        assert (await store.acquire_lease(INCIDENT, ALICE, now=137.0, seconds=15)).held_by(ALICE)
        assert (await store.acquire_lease("INC-2026-0002", BOB, now=137.0, seconds=15)).held_by(BOB)  # per incident
    finally:
        await other.close()


async def test_a_dead_holder_on_this_host_is_taken_over_before_expiry(store: EventStore) -> None:
    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()  # reaped: its pid names no process now
    assert not pid_alive(proc.pid) and pid_alive(os.getpid())
    dead = LeaseHolder(HOST, proc.pid, "dead-token")
    elsewhere = LeaseHolder("another-host.example", proc.pid, "remote-token")
    await store.acquire_lease(INCIDENT, dead, now=100.0, seconds=15)
    assert (await store.acquire_lease(INCIDENT, BOB, now=101.0, seconds=15)).held_by(BOB)
    await store.release_lease(INCIDENT, BOB)
    await store.acquire_lease(INCIDENT, elsewhere, now=100.0, seconds=15)  # another host's pid cannot be checked
    assert (await store.acquire_lease(INCIDENT, BOB, now=101.0, seconds=15)).held_by(elsewhere)
    assert (await store.acquire_lease(INCIDENT, BOB, now=115.0, seconds=15)).held_by(BOB)


async def test_cancelling_lease_writes_at_every_step_leaves_no_transaction_open(store: EventStore, db_location: str | Path) -> None:
    for steps in range(30):  # cancel after 0, 1, 2 ... turns of the loop: before, during and after BEGIN
        for write in (lambda: store.acquire_lease(INCIDENT, ALICE, now=100.0 + steps, seconds=15),
                      lambda: store.renew_lease(INCIDENT, ALICE, now=100.0 + steps, seconds=15),
                      lambda: store.release_lease(INCIDENT, ALICE)):  # fmt: skip
            task = asyncio.create_task(write())
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            assert (await store.acquire_lease(INCIDENT, ALICE, now=200.0, seconds=15)).held_by(ALICE)  # still writes
            await store.release_lease(INCIDENT, ALICE)
    other = await open_store(db_location)  # ... and another connection takes the write lock at once
    try:
        assert (await asyncio.wait_for(other.acquire_lease(INCIDENT, BOB, now=300.0, seconds=15), 5)).held_by(BOB)
    finally:
        await other.close()


def _version_1_file(path: Path, events: list[ev.BaseEvent]) -> None:
    """A database as schema 1 wrote it (its migration, its version, its rows), with no store of this version."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(MIGRATIONS[0])
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        conn.executemany("INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)",
                         [(e.incident_id, e.at.isoformat(), e.actor, e.kind, e.model_dump_json(exclude=ENVELOPE))
                          for e in events])  # fmt: skip
        conn.execute("INSERT INTO alert_keys (fingerprint, incident_id) VALUES ('fp-1', ?)", (INCIDENT,))
        conn.commit()
    finally:
        conn.close()


async def test_a_schema_1_file_keeps_every_event_and_gains_the_leases_table(db_path: Path) -> None:
    declared = ev.IncidentDeclared(incident_id=INCIDENT, at=T0, actor="tester", title="Checkout down", severity="P2",
                                   service="checkout")  # fmt: skip
    notes = [ev.NoteAdded(incident_id=INCIDENT, at=T0 + timedelta(seconds=i), actor="tester", text=f"note {i}")
             for i in range(1, 6)]  # fmt: skip
    _version_1_file(db_path, [declared, *notes])
    assert SCHEMA_VERSION == 4  # 2: leases, 3 and 4: snapshots of the fold
    store = await EventStore.open(db_path)
    try:
        stored = await store.events(INCIDENT)
        assert [(e.seq, e.kind) for e in stored] == [(1, "incident.declared")] + [(i, "note.added") for i in range(2, 7)]
        assert [e.text for e in stored[1:]] == [f"note {i}" for i in range(1, 6)]  # type: ignore[attr-defined]
        assert (await store.load(INCIDENT)).notes == 5
        assert await store.incident_for_key("fp-1") == INCIDENT
        assert (await store.acquire_lease(INCIDENT, ALICE, now=1.0, seconds=15)).held_by(ALICE)
    finally:
        await store.close()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("4",)
        assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone() == (0,)  # six events: no snapshot yet
        assert conn.execute("SELECT incident_id, token FROM leases").fetchall() == [(INCIDENT, "alice-token")]
    finally:
        conn.close()
