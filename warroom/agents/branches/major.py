"""Major incident (two or more P0/P1 open at once) and the database-wide change freeze.

A freeze is recorded on every open incident it covers (same ``freeze_id``), so
each incident's own timeline says when it was frozen and thawed and the
database stays the only record: "is there a freeze?" is "does any open
incident carry an active freeze?". An incident opened during a freeze gets the
``freeze.declared`` with the same id on its next evaluation.
"""

from __future__ import annotations

from warroom.agents.branches import drafts
from warroom.agents.branches.common import Branching
from warroom.data import events as ev
from warroom.data.major import active_freezes, major_incidents
from warroom.data.models import Incident, Role

__all__ = ["active_freezes", "follow_freezes", "major_incident", "major_incidents"]

COORDINATOR_ROLES = ("senior_incident_commander", "senior_engineering_manager", "vp_engineering")


def follow_freezes(b: Branching, open_incidents: list[Incident]) -> None:
    """Record on this incident any freeze in force elsewhere that it has not seen."""
    if not b.state.is_open:
        return
    for freeze_id, freeze in sorted(active_freezes(open_incidents).items()):
        if freeze_id not in b.state.freezes_seen:
            b.add(ev.FreezeDeclared, freeze_id=freeze_id, reason=freeze.reason)


def major_incident(b: Branching, open_incidents: list[Incident]) -> None:
    """Declare MAJOR INCIDENT on this incident (once), and the one executive / status-page draft for all."""
    ranked = major_incidents(open_incidents)
    if not ranked or b.state.incident_id not in {i.incident_id for i in ranked}:
        return
    i = b.state
    if b.state.major_incident_at is None:
        unavailable = set(i.unavailable)
        coordinator = b.roster.first_available(COORDINATOR_ROLES, i.service, unavailable) or ""
        ids = [x.incident_id for x in ranked[: ev.MAJOR_LISTED]]
        named = ", ".join(ids[:10]) + (f" and {len(ranked) - 10} more" if len(ranked) > 10 else "")
        b.add(ev.BranchRaised, branch="major_incident", reason=f"{len(ranked)} P0/P1 incidents open at once: {named}")
        b.add(ev.MajorIncidentDeclared, incidents=ids, total=len(ranked), coordinator=b.roster.label(coordinator) if coordinator else "",
              reason="ranked by business impact (severity, impact, urgency, escalation, age)")
        busy = {x.roles[Role.INCIDENT_COMMANDER] for x in open_incidents
                if x.incident_id != i.incident_id and Role.INCIDENT_COMMANDER in x.roles}  # fmt: skip
        b.ensure_commander("major incident: each incident has its own incident commander", busy)
    # One executive notification and one status-page draft cover them all: recorded on the first
    # incident evaluated, unless another open incident already carries them.
    for key, audience in (("major:executive", "executive"), ("major:status_page", "status_page")):
        if any(key in x.branch_marks for x in open_incidents if x.incident_id != i.incident_id):
            continue
        coordinator = b.state.major_coordinator
        if audience == "executive":
            b.add(ev.NotificationDrafted, audience="executive", key=key, recipients=[b.roster.label(h) for h in
                  b.roster.holders("executive_sponsor", i.service) or b.roster.holders("cto", i.service)],
                  subject=f"MAJOR INCIDENT: {len(ranked)} P0/P1 incidents open", text=drafts.executive_major(ranked, coordinator))  # fmt: skip
        else:
            b.add(ev.NotificationDrafted, audience="status_page", key=key, subject="Multiple service disruptions",
                  text=drafts.status_page_major(ranked))
