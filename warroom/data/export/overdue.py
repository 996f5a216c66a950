"""Escalations that fell due and were still pending at a later row of the timeline, found in one pass.

The quality gates say an escalation was late when, at some event after its deadline (and a
grace for timers), the incident still had it pending. This walks the timeline's events once,
keeping only the running state (never one state per event), and asks the policy again only
when a field the escalation timers read has changed. The streamed chunks are not timeline
rows and are not looked at, so the answer is the same with or without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from warroom.data import events as ev
from warroom.data.fold import apply
from warroom.data.models import Incident
from warroom.data.policy import Policy, pending_escalations

__all__ = ["ESCALATION_GRACE", "overdue_escalations"]

#: An escalation fired by a timer lands a few seconds after its deadline; within this it counts as on time.
ESCALATION_GRACE = timedelta(minutes=1)


def _timer_fields(state: Incident) -> tuple[object, ...]:
    """What the escalation timers read: the same fields give the same pending escalations."""
    return (state.severity, state.tier, state.tier_changed_at, state.status, state.management_notified_at,
            state.executive_notified_at, state.security, state.guidance, state.detected_at, state.declared_at)  # fmt: skip


def overdue_escalations(events: Iterable[ev.BaseEvent], policy: Policy) -> dict[str, datetime]:
    """Escalation kind -> its due time, for each pending past its grace when a later timeline event came."""
    overdue: dict[str, datetime] = {}
    cache: dict[tuple[object, ...], list] = {}
    state: Incident | None = None
    for event in events:
        if event.kind == "agent.output":
            continue
        if state is not None:
            key = _timer_fields(state)
            pending = cache.get(key)
            if pending is None:
                pending = cache[key] = pending_escalations(state, policy)
            for due in pending:
                if due.kind not in overdue and due.due_at + ESCALATION_GRACE < event.at:
                    overdue[due.kind] = due.due_at
        state = apply(state, event)
    return overdue
