"""The incident history read from the store: one read-only pass, nothing cached on disk.

``load_history(store)`` reads every incident through the store's own API.
``load_history(store, chunks=False)`` is the fast path for the figures: one
query on a separate connection that cannot write (:func:`reading_connection`)
and leaves out the agents' streamed output chunks (``agent.output``, most of a
long incident's events, which change nothing but a run's chunk count); every
other event is folded as usual.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow
from warroom.data.fold import replay
from warroom.data.models import Incident
from warroom.data.paths import is_db_url
from warroom.data.rows import row_to_event
from warroom.data.selection import Selection
from warroom.data.store import EventStore, StoreError

History = list[tuple[Incident, list[ev.BaseEvent]]]


async def load_history(store: EventStore, *, chunks: bool = True) -> History:
    """Every incident with its events, oldest declaration first (each incident's events read once).

    With ``chunks=False`` the ``agent.output`` events are not read (runs show 0 chunks).
    """
    if not chunks and store.engine == "sqlite":
        rows = await asyncio.to_thread(_rows_without_chunks, str(store.path))
        try:
            return _fold_rows(rows)
        except DamagedRow as exc:
            raise exc.at(store.path) from None
    without_chunks = Selection(exclude=("agent.output",))
    out: History = []
    for incident_id in await store.incident_ids():
        events = await (store.events(incident_id) if chunks else store.select(incident_id, without_chunks))
        state = replay(events)
        if state is not None:
            out.append((state, events))
    return out


def recurrence_marks(events: Sequence[ev.BaseEvent]) -> list[ev.RecurrenceMarked]:
    """The ``recurrence.marked`` events among ``events``."""
    return [e for e in events if isinstance(e, ev.RecurrenceMarked)]


def require_database(path: str | Path) -> None:
    """Raise :class:`StoreError` when there is no database file at ``path``; nothing is created.

    A PostgreSQL URL passes: the server says whether its database exists when it is opened.
    """
    if not is_db_url(path) and not Path(path).exists():
        raise StoreError(f"there is no warroom database at {path} (nothing was created): check --db or WARROOM_DB")


def reading_connection(path: str | Path) -> sqlite3.Connection:
    """A connection to the existing database at ``path`` that reads and cannot write.

    Opened read-write (``mode=rw``: the file is never created) with ``PRAGMA query_only``,
    not ``mode=ro``: like every other connection it can recover the WAL or hot journal
    of a writer that was killed and create the ``-shm`` file, while every write is
    refused. Waits up to 30 s on a lock (the busy timeout).
    """
    require_database(path)
    db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=rw", uri=True, timeout=30.0)
    try:
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA query_only = ON")
    except BaseException:
        db.close()
        raise
    return db


def _rows_without_chunks(path: str) -> list[tuple]:
    db = reading_connection(path)
    try:
        return db.execute(
            "SELECT seq, incident_id, at, actor, kind, data FROM events WHERE kind != 'agent.output' ORDER BY seq"
        ).fetchall()
    finally:
        db.close()


def _fold_rows(rows: list[tuple]) -> History:
    by_incident: dict[str, list[ev.BaseEvent]] = {}
    for row in rows:
        by_incident.setdefault(row[1], []).append(row_to_event(row))  # a damaged row raises DamagedRow
    out: History = []
    for events in by_incident.values():
        if events[0].kind != "incident.declared":
            continue  # not a whole incident (cannot happen with the store's own writes)
        state = replay(events)
        if state is not None:
            out.append((state, events))
    return out
