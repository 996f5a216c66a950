"""Escalation timers: the events the policy calls for when a tier or a notification is overdue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.data import events as ev
from warroom.data.models import Audience, Incident
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
            out.extend(_draft(incident, now, policy, base, Audience.MANAGEMENT, reason))
        else:
            out.append(ev.ExecutiveNotified(**base, reason=reason))
            out.extend(_draft(incident, now, policy, base, Audience.EXECUTIVE, reason))
    return out


def _draft(incident: Incident, now: datetime, policy: Policy, base: dict[str, Any], audience: Audience,
           reason: str) -> list[ev.BaseEvent]:  # fmt: skip
    """The timer found the notification due: nobody is told by it, so the message is drafted for a person
    to publish (``e`` or ``u`` in the war room, ``warroom update``); the outbox delivers it then."""
    key = f"timer:{audience.value}"
    if key in incident.branch_marks:
        return []
    from warroom.data.drafts import draft_update

    subject = f"{incident.incident_id} {incident.severity.value}: {audience.value} notification due ({reason})"
    return [ev.NotificationDrafted(**base, audience=audience.value, subject=subject[:2000], key=key,
                                   text=draft_update(incident, audience, now, policy)[: ev.MAX_TEXT])]  # type: ignore[arg-type]
