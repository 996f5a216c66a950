"""The event store when tasks are cancelled mid-write and read while another task's transaction is open.

Every test runs on both engines (SQLite and PostgreSQL).

aiosqlite runs every statement on the connection's own thread; cancelling the awaiting task does not
stop a statement already queued there. A transaction cancelled around its BEGIN must still roll back,
or the connection keeps the write lock for good (every later write fails, other processes wait).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import replay
from warroom.data.store import EventStore
from warroom.data.store_api import open_store


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    """The store of every test here: one run per engine (SQLite, PostgreSQL)."""
    return any_store


def note(incident_id: str, i: int) -> ev.NoteAdded:
    return ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(seconds=i), actor="tester", text=f"note {i}")


async def test_cancelling_writers_at_every_step_leaves_no_transaction_open(store: EventStore, db_location: str | Path) -> None:
    incident_id = (await store.declare(T0, title="Checkout down")).incident_id
    for steps in range(40):  # cancel after 0, 1, 2 ... turns of the loop: before, during and after BEGIN
        for write in (lambda i: store.append_many([note(incident_id, i), note(incident_id, i + 1)]),
                      lambda i: store.declare(T0, title=f"other {i}")):  # fmt: skip
            task = asyncio.create_task(write(steps))
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await store.append(note(incident_id, 1000 + steps))  # this connection still writes
    # ... and another process's connection can take the write lock at once.
    other = await open_store(db_location)
    try:
        await asyncio.wait_for(other.append(note(incident_id, 9999)), 5)
        assert (await other.load(incident_id)).last_seq == (await store.load(incident_id)).last_seq
    finally:
        await other.close()
    # What was cancelled was written whole or not at all, and the cached state is the stored one.
    stored = await store.events(incident_id)
    pairs = [e.text for e in stored if isinstance(e, ev.NoteAdded) and e.text.startswith("note ") and int(e.text[5:]) < 1000]
    assert len(pairs) % 2 == 0
    assert (await store.load(incident_id)).model_dump() == replay(stored).model_dump()


async def test_a_read_waits_for_an_open_transaction_and_never_sees_its_rolled_back_rows(store: EventStore) -> None:
    incident_id = (await store.declare(T0, title="Checkout down")).incident_id
    await store.load(incident_id)  # cached
    inserted, release = asyncio.Event(), asyncio.Event()

    async def doomed() -> None:
        async with store.transaction() as tx:
            await tx.append(note(incident_id, 1))
            inserted.set()
            await release.wait()
            raise RuntimeError("the second half of the batch failed")

    writer = asyncio.create_task(doomed())
    await inserted.wait()
    reader = asyncio.create_task(store.load(incident_id))
    events_reader = asyncio.create_task(store.events(incident_id))
    await asyncio.sleep(0.05)
    assert not reader.done() and not events_reader.done()  # they wait for the transaction to end
    release.set()
    with pytest.raises(RuntimeError):
        await writer
    incident, events = await reader, await events_reader
    assert [e.kind for e in events] == ["incident.declared"]  # the rolled-back note is not there
    assert incident.notes == 0 and incident.last_seq == events[-1].seq
    stored = await store.append(note(incident_id, 2))
    after = await store.load(incident_id)
    assert after.notes == 1 and stored.seq == after.last_seq
    assert [e.text for e in await store.events(incident_id) if isinstance(e, ev.NoteAdded)] == ["note 2"]


async def test_a_task_reads_its_own_open_transaction_without_deadlock(store: EventStore) -> None:
    incident_id = (await store.declare(T0, title="Checkout down")).incident_id
    async with store.transaction() as tx:
        await tx.append(note(incident_id, 1))
        # The same task may read through the store while it holds the transaction (and sees its own write).
        seen = await store.events(incident_id)
        assert [e.kind for e in seen] == ["incident.declared", "note.added"]
        assert (await store.load(incident_id)).notes == 1
    assert (await store.load(incident_id)).notes == 1
