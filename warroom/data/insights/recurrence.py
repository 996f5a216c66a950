"""Recurrence: the same root cause as an incident closed in the last 90 days.

:func:`find_recurrence` is the pure match (the metrics use it too, so an
incident closed before recurrence marking existed still counts);
:func:`check_recurrence` records it with a ``recurrence.marked`` event on both
incidents, naming the earlier incident's preventive actions that were not done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warroom.data import events as ev
from warroom.data.events import utc
from warroom.data.insights.history import History, load_history, recurrence_marks
from warroom.data.insights.text import root_cause_text, set_cosine, words
from warroom.data.models import ActionStatus, Incident, Status
from warroom.data.store import EventStore

RECURRENCE_WINDOW = timedelta(days=90)
#: Word-set cosine of two root causes at or above which they are "the same root cause".
SAME_CAUSE = 0.6

__all__ = ["RECURRENCE_WINDOW", "SAME_CAUSE", "Recurrence", "check_recurrence", "find_recurrence", "cause_words"]


@dataclass(frozen=True)
class Recurrence:
    """``incident_id`` recurs ``earlier_id`` (closed ``earlier_closed_at``)."""

    incident_id: str
    earlier_id: str
    earlier_title: str
    earlier_closed_at: datetime
    similarity: float
    root_cause: str
    open_actions: list[str] = field(default_factory=list)
    recorded: bool = False  # True when this call appended the events


def cause_words(incident: Incident) -> frozenset[str]:
    return frozenset(words(root_cause_text(incident)))


def find_recurrence(target: Incident, history: list[Incident], *, at: datetime | None = None) -> Recurrence | None:
    """The closed incident in ``history`` whose root cause best matches ``target``'s, if any.

    Candidates were closed within :data:`RECURRENCE_WINDOW` before ``at``
    (default: the target's close, else resolution).
    """
    mine = cause_words(target)
    moment = at or target.closed_at or target.resolved_at
    if not mine or moment is None:
        return None
    best: tuple[float, Incident] | None = None
    for other in history:
        closed = other.closed_at
        if other.incident_id == target.incident_id or other.status is not Status.CLOSED or closed is None:
            continue
        if not (moment - RECURRENCE_WINDOW <= closed <= moment):
            continue
        score = set_cosine(mine, cause_words(other))
        if score >= SAME_CAUSE and (best is None or score > best[0] or (score == best[0] and closed > best[1].closed_at)):  # type: ignore[operator]
            best = (score, other)
    if best is None:
        return None
    score, earlier = best
    open_actions = sorted(
        a.item_id for a in earlier.actions.values() if a.status not in (ActionStatus.DONE, ActionStatus.CANCELLED)
    )
    return Recurrence(
        incident_id=target.incident_id, earlier_id=earlier.incident_id, earlier_title=earlier.title,
        earlier_closed_at=earlier.closed_at, similarity=round(score, 4),  # type: ignore[arg-type]
        root_cause=root_cause_text(target), open_actions=open_actions,
    )  # fmt: skip


async def check_recurrence(
    store: EventStore, incident_id: str, *, now: datetime, history: History | None = None
) -> Recurrence | None:
    """Mark ``incident_id`` (resolved or closed) a recurrence if its root cause matches a recent one.

    Appends ``recurrence.marked`` to both incidents in one transaction; calling
    it again for the same pair records nothing new (``recorded`` is False).
    Returns ``None`` when the incident is open, has no root cause, or matches nothing.
    ``history``: ``load_history(store, chunks=False)`` already read by the caller (else it is read here);
    the incident itself is always read afresh.
    """
    now = utc(now)
    target = await store.load(incident_id)
    if target.status.is_open:
        return None
    if history is None:
        history = await load_history(store, chunks=False)
    found = find_recurrence(target, [state for state, _ in history], at=target.closed_at or now)
    if found is None:
        return None
    already = {m.related_incident for m in recurrence_marks(await store.events(incident_id)) if m.role == "recurrence"}
    if found.earlier_id in already:
        return found
    async with store.transaction() as tx:
        await tx.append_many([
            ev.RecurrenceMarked(incident_id=incident_id, at=now, related_incident=found.earlier_id, role="recurrence",
                                similarity=found.similarity, root_cause=found.root_cause[:20_000],
                                open_actions=found.open_actions[:500]),
            ev.RecurrenceMarked(incident_id=found.earlier_id, at=now, related_incident=incident_id, role="recurred",
                                similarity=found.similarity, root_cause=found.root_cause[:20_000]),
        ])  # fmt: skip
    return Recurrence(**{**found.__dict__, "recorded": True})
