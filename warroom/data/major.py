"""Database-wide conditions read from the open incidents: a major incident, and the change freezes in force.

Pure functions of incident states, shared by the branches (which record them as
events) and the banners (which show them), so both agree on what counts.
"""

from __future__ import annotations

from warroom.data.models import Freeze, Incident, Level, Severity

__all__ = ["active_freezes", "business_impact_rank", "major_incidents", "severe"]

_LEVEL = {Level.HIGH: 0, Level.MEDIUM: 1, Level.LOW: 2}
_SEVERITY = {Severity.P0: 0, Severity.P1: 1, Severity.P2: 2, Severity.P3: 3}


def severe(incident: Incident) -> bool:
    """An open P0 or P1 incident (what counts towards a major incident)."""
    return incident.is_open and incident.severity in (Severity.P0, Severity.P1)


def business_impact_rank(incidents: list[Incident]) -> list[Incident]:
    """Highest business impact first: severity, impact, urgency, hierarchical level, then oldest."""
    return sorted(incidents, key=lambda i: (
        _SEVERITY[i.severity], _LEVEL[i.impact], _LEVEL[i.urgency], -i.hierarchical.rank, i.detected_at, i.incident_id,
    ))  # fmt: skip


def major_incidents(open_incidents: list[Incident]) -> list[Incident]:
    """The open P0/P1 incidents ranked by business impact, if there are two or more (else none)."""
    found = business_impact_rank([i for i in open_incidents if severe(i)])
    return found if len(found) >= 2 else []


def active_freezes(open_incidents: list[Incident]) -> dict[str, Freeze]:
    """The change freezes in force in the database (carried by any open incident)."""
    found: dict[str, Freeze] = {}
    for incident in open_incidents:
        if incident.is_open:
            found.update(incident.freezes)
    return found
