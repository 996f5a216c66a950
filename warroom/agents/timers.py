"""Escalation timers: the events the policy calls for when a tier or a notification is overdue."""

from __future__ import annotations

from datetime import datetime

from warroom.data import events as ev
from warroom.data.models import Incident
from warroom.data.policy import Policy, due_escalations

__all__ = ["escalation_events"]


def escalation_events(incident: Incident, now: datetime, policy: Policy, actor: str) -> list[ev.BaseEvent]:
    """``TierEscalated(by_timer=True)`` / ``ManagementNotified`` / ``ExecutiveNotified`` for what is due at ``now``."""
    base = {"incident_id": incident.incident_id, "actor": actor, "at": now}
    out: list[ev.BaseEvent] = []
    for due in due_escalations(incident, now, policy):
        reason = f"timer: {due.reason}"
        if due.kind in ("tier2", "tier3"):
            out.append(ev.TierEscalated(**base, tier=int(due.kind[-1]), reason=reason, by_timer=True))
        elif due.kind == "management":
            out.append(ev.ManagementNotified(**base, reason=reason))
        else:
            out.append(ev.ExecutiveNotified(**base, reason=reason))
    return out
