"""The history a report reads: each incident's summary and its recurrence marks, never a big incident's log.

``warroom stats`` needs each incident's state but never its agents' documents or streamed chunks,
and of its events only the recurrence marks (:func:`warroom.data.insights.metrics.recurrences`).

* An incident with a snapshot (a big one: see :mod:`warroom.data.snapshots`) is read with
  :meth:`EventStore.load_summary` (the snapshot without the documents, plus the events after
  it) and a query for its ``recurrence.marked`` events.
* The others (small ones) are read as before, in one pass over the file without their chunks
  (``load_history(chunks=False)``), which is much faster than one read per incident.

On PostgreSQL every incident is read the first way.
"""

from __future__ import annotations

import asyncio

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow
from warroom.data.insights.history import History, _fold_rows, reading_connection
from warroom.data.selection import Selection
from warroom.data.store_api import Store

__all__ = ["MARKS", "load_summaries"]

#: The only events the figures read besides the states.
MARKS = Selection(kinds=("recurrence.marked",))
SMALL_ROWS = (
    "SELECT seq, incident_id, at, actor, kind, data FROM events WHERE kind != 'agent.output' "
    "AND incident_id NOT IN (SELECT incident_id FROM snapshots) ORDER BY seq"
)


async def load_summaries(store: Store) -> History:
    """Every incident's summary with its recurrence marks, oldest declaration first."""
    small: dict[str, tuple] = {}
    if getattr(store, "engine", "sqlite") == "sqlite":
        rows = await asyncio.to_thread(_small_rows, str(store.path))
        try:
            small = {state.incident_id: (state, _marks(events)) for state, events in _fold_rows(rows)}
        except DamagedRow as exc:
            raise exc.at(store.path) from None
    out: History = []
    for incident_id in await store.incident_ids():
        if incident_id in small:
            out.append(small[incident_id])
            continue
        state = await store.load_summary(incident_id)  # type: ignore[attr-defined]
        marks: list[ev.BaseEvent] = await store.select(incident_id, MARKS)  # type: ignore[attr-defined]
        out.append((state, marks))
    return out


def _marks(events: list[ev.BaseEvent]) -> list[ev.BaseEvent]:
    return [e for e in events if e.kind == "recurrence.marked"]


def _small_rows(path: str) -> list[tuple]:
    db = reading_connection(path)
    try:
        return db.execute(SMALL_ROWS).fetchall()
    finally:
        db.close()
