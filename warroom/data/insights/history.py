"""The incident history read from the store: one read-only pass, nothing cached on disk."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.data import events as ev
from warroom.data.fold import replay
from warroom.data.models import Incident
from warroom.data.store import EventStore

History = list[tuple[Incident, list[ev.BaseEvent]]]


async def load_history(store: EventStore) -> History:
    """Every incident with its events, oldest declaration first (each incident's events read once)."""
    out: History = []
    for incident_id in await store.incident_ids():
        events = await store.events(incident_id)
        state = replay(events)
        if state is not None:
            out.append((state, events))
    return out


def recurrence_marks(events: Sequence[ev.BaseEvent]) -> list[ev.RecurrenceMarked]:
    """The ``recurrence.marked`` events among ``events``."""
    return [e for e in events if isinstance(e, ev.RecurrenceMarked)]
