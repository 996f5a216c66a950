"""One batch of appends checked before it is written, the same way by every engine.

Each event is applied to its incident's state in order (the fold refuses an invalid one, and
the whole batch with it); an event that publishes queues its notifications right behind it
(the outbox is committed with what it delivers).
"""

from __future__ import annotations

from collections.abc import Sequence

from warroom.data import events as ev
from warroom.data.entry import clean_event
from warroom.data.fold import apply, evolve
from warroom.data.models import Incident
from warroom.data.notify.plan import TRIGGER_KINDS, OutboxPlan

__all__ = ["checked_batch", "numbered"]


def checked_batch(
    events: Sequence[ev.BaseEvent], states: dict[str, Incident | None], plan: OutboxPlan | None
) -> list[ev.BaseEvent]:
    """``events`` (cleaned) with their queued notifications, every one applied to ``states`` (updated in place).

    Raises :class:`~warroom.data.fold.InvalidEvent` (nothing is written) for an event the fold refuses.
    ``states`` must hold every incident of ``events`` (None for one not declared yet).
    """
    batch = [clean_event(e) for e in events]  # secrets and control characters never reach the database
    for event in list(batch):
        before = states[event.incident_id]
        states[event.incident_id] = after = apply(before, event)
        if plan is not None and event.kind in TRIGGER_KINDS:
            for queued in plan.queue(before, after, event):
                queued = clean_event(queued)
                states[event.incident_id] = after = apply(after, queued)
                batch.append(queued)
    return batch


def numbered(events: Sequence[ev.BaseEvent], first: int, states: dict[str, Incident | None]) -> list[ev.BaseEvent]:
    """``events`` with the seqs ``first, first + 1, ...``; each incident's state in ``states`` gets its last seq."""
    stored = [e.with_seq(first + i) for i, e in enumerate(events)]
    for event in stored:
        state = states[event.incident_id]
        assert state is not None
        states[event.incident_id] = evolve(state, {"last_seq": max(state.last_seq, event.seq)})
    return stored
