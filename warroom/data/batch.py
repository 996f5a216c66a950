"""One batch of appends checked before it is written, the same way by every engine.

Each event is applied to its incident's state in order (the fold refuses an invalid one, and
the whole batch with it); an event that publishes queues its notifications right behind it
(the outbox is committed with what it delivers).
"""

from __future__ import annotations

from collections.abc import Sequence

from warroom.data import events as ev
from warroom.data.entry import clean_event, clean_events
from warroom.data.fold import apply, evolve, fold
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
    batch = clean_events(events)  # secrets and control characters never reach the database
    run: list[ev.BaseEvent] = []  # consecutive events of one incident that queue nothing: folded at once

    def fold_run() -> None:
        if run:
            states[run[0].incident_id] = fold(states[run[0].incident_id], run)
            run.clear()

    for event in list(batch):
        if plan is not None and event.kind in TRIGGER_KINDS:
            fold_run()
            before = states[event.incident_id]
            states[event.incident_id] = after = apply(before, event)
            for queued in plan.queue(before, after, event):
                queued = clean_event(queued)
                states[event.incident_id] = after = apply(after, queued)
                batch.append(queued)
        else:
            if run and run[0].incident_id != event.incident_id:
                fold_run()
            run.append(event)
    fold_run()  # an alert storm's thousands of alerts on one incident: one fold, not one state copy each
    return batch


def numbered(events: Sequence[ev.BaseEvent], first: int, states: dict[str, Incident | None]) -> list[ev.BaseEvent]:
    """``events`` with the seqs ``first, first + 1, ...``; each incident's state in ``states`` gets its last seq."""
    stored = [e.with_seq(first + i) for i, e in enumerate(events)]
    newest = {event.incident_id: event.seq for event in stored}  # seqs ascend: the last one wins
    for incident_id, seq in newest.items():
        state = states[incident_id]
        assert state is not None
        states[incident_id] = evolve(state, {"last_seq": max(state.last_seq, seq)})
    return stored
