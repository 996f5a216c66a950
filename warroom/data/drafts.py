"""First drafts of status updates, one per audience, written only from facts in the incident.

The status page is for customers: it never carries internal text (gate answers, agent notes,
names, tiers), and it promises the next update at the cadence the policy sets for the
incident's severity (P0: every 15 minutes by default; a cadence the response changed wins).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.data.models import Audience, Incident, MitigationStrategy, Role, Status
from warroom.data.policy import DEFAULT_POLICY, Policy
from warroom.data.text import strip_control

__all__ = ["draft_update", "spoken_duration", "update_cadence"]


def spoken_duration(every: timedelta) -> str:
    """A cadence as people write it: "15 minutes", "1 hour", "2 days"."""
    minutes = max(1, int(every.total_seconds() // 60))
    if minutes % 1440 == 0:
        n, unit = minutes // 1440, "day"
    elif minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    return f"{n} {unit}{'s' if n != 1 else ''}"


def update_cadence(incident: Incident, policy: Policy = DEFAULT_POLICY) -> timedelta | None:
    """How often this incident's stakeholders are promised an update (None: no cadence)."""
    return incident.update_cadence or policy.for_severity(incident.severity).update_every


def _public_state(incident: Incident) -> str:
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        return "The issue has been resolved and the service is operating normally."
    if incident.mitigations or incident.status is Status.MITIGATING:
        return "A fix is being applied and we are monitoring the results."
    return "Our engineers are investigating the cause."


def _internal_state(incident: Incident) -> str:
    if incident.mitigations:
        last = incident.mitigations[-1]
        return f"A {MitigationStrategy(last.strategy).title.lower()} has been applied ({last.outcome})."
    chosen = [d for d in incident.decisions if d.gate in ("mitigation", "mitigation strategy")]
    if chosen:
        return f"Mitigation chosen: {MitigationStrategy(chosen[-1].choice).title.lower()}; work is in progress."
    return "The team is investigating the cause."


def draft_update(incident: Incident, audience: Audience, now: datetime, policy: Policy = DEFAULT_POLICY) -> str:
    """A first draft for ``audience``."""
    title = strip_control(incident.title)
    cadence = update_cadence(incident, policy)
    if audience is Audience.STATUS_PAGE:
        service = strip_control(incident.service) or "some of our services"
        later = "" if incident.status in (Status.RESOLVED, Status.CLOSED) else (
            f" We will post the next update within {spoken_duration(cadence)}." if cadence else
            " We will post an update when we know more.")  # fmt: skip
        return f"We are aware of an issue affecting {service}. {_public_state(incident)}{later}"
    lead = incident.roles.get(Role.COMMUNICATIONS_LEAD) or incident.roles.get(Role.INCIDENT_COMMANDER, "")
    lines = [
        f"{incident.incident_id} {incident.severity.value} ({incident.severity.label}) — {title}",
        f"Status: {incident.status.value.lower()}; Tier {incident.tier}; as of {now:%H:%M} UTC.",
        _internal_state(incident),
    ]
    if audience in (Audience.MANAGEMENT, Audience.EXECUTIVE):
        lines.append(f"Business impact: {strip_control(incident.summary) or 'being assessed'}.")
        lines.append("Decision needed from you: none at this time.")
    if cadence:
        lines.append(f"Next update within {spoken_duration(cadence)}.")
    if lead:
        lines.append(f"Contact: {strip_control(lead)}.")
    return "\n".join(lines)
