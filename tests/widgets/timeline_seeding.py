"""Large incidents on disk for the timeline tests, written as the store writes its rows.

Appending 100,000 events through :meth:`EventStore.append_many` validates each
one against the fold (about ten seconds); the timeline tests are about reading,
so the bulk of the rows goes in with one ``executemany`` of exactly the columns
the store writes, after the store has declared the incident and created the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tests.screens.seeding import T0
from warroom.data import events as ev
from warroom.data.models import Level, Role, Severity
from warroom.data.store import ENVELOPE, INSERT, EventStore


def kind_at(i: int) -> str:
    """The kind of :func:`note` ``i`` (counted without building the events)."""
    return "role.assigned" if i % 5_000 == 2_500 else "agent.output" if i % 1_000 == 999 else "note.added"


def note(iid: str, i: int) -> ev.BaseEvent:
    """Note ``i``: most rows; every 1,000th is a stream chunk (hidden) and every 5,000th a decision.

    Every row is one the fold accepts in this order (the rows skip the store's validation).
    """
    at, kind = T0 + timedelta(seconds=i), kind_at(i)
    if kind == "role.assigned":
        return ev.RoleAssigned(incident_id=iid, at=at, actor="alice", role=Role.SCRIBE, person=f"scribe {i}")
    if kind == "agent.output":
        return ev.AgentStepOutput(incident_id=iid, at=at, run_id="r", text=f"chunk {i}")
    return ev.NoteAdded(incident_id=iid, at=at, actor="carol", text=f"note {i} of the load")


async def big_incident(db: Path, count: int, make: Callable[[str, int], ev.BaseEvent] = note) -> str:
    """An incident with ``count`` events after its declaration; returns its id."""
    store = await EventStore.open(db, synchronous="OFF")
    try:
        declared = await store.declare(T0, title="Checkout 502s", severity=Severity.P1, impact=Level.HIGH, urgency=Level.MEDIUM)
        iid = declared.incident_id
        await store.append(ev.AgentStepStarted(incident_id=iid, at=T0, run_id="r", step_id="triage", role="analyst", backend="offline"))
    finally:
        await store.close()
    rows = []
    for i in range(count):
        e = make(iid, i)
        rows.append((e.incident_id, e.at.isoformat(), e.actor, e.kind, e.model_dump_json(exclude=ENVELOPE)))
    with sqlite3.connect(db) as conn:
        conn.executemany(INSERT, rows)
    conn.close()
    return iid


async def append_note(db: Path, iid: str, text: str) -> None:
    """One more event through the store, as another process would write it."""
    store = await EventStore.open(db)
    try:
        await store.append(ev.NoteAdded(incident_id=iid, at=T0 + timedelta(days=1), actor="bob", text=text))
    finally:
        await store.close()
