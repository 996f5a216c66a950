"""Rollback failed: P0, the STOP hold (enforced by the fold), the emergency war room and its options."""

from __future__ import annotations

from warroom.agents.branches import drafts
from warroom.agents.branches.common import Branching
from warroom.data import events as ev
from warroom.data.models import Level, MitigationStrategy, Severity

__all__ = ["EMERGENCY_ROLES", "ROLLBACK_OPTIONS", "rollback_failed"]

ROLLBACK_OPTIONS = ["rollback to an earlier version", "emergency hotfix", "maintenance mode", "manual repair"]
EMERGENCY_ROLES = [
    ("Incident Commander", "incident_commander"), ("Deployment Manager", "deployment_manager"),
    ("Software Architect", "architect"), ("Database Administrator (if data issue)", "dba"),
    ("Infrastructure Lead", "infrastructure_lead"),
]  # fmt: skip


def rollback_failed(b: Branching) -> None:
    i = b.state
    failed = [m for m in i.mitigations if m.strategy is MitigationStrategy.ROLLBACK and m.outcome == "failed"]
    if not failed or b.raised("rollback_failed") or not i.is_open:
        return
    why = " ".join(failed[-1].details.split())[:300] or "the rollback did not resolve the incident"
    b.add(ev.BranchRaised, branch="rollback_failed", reason=why)
    if i.severity is not Severity.P0:
        b.add(ev.SeveritySet, severity=Severity.P0, impact=Level.HIGH, urgency=Level.HIGH,
              reason="rollback failed: escalated to P0 critical")
    if b.state.hold is None:
        b.add(ev.HoldPlaced, reason=f"rollback failed: {why}")
    b.ensure_commander("rollback failed")
    unavailable = set(b.state.unavailable)
    rows = []
    for title, role in EMERGENCY_ROLES:
        people = [h for h in b.roster.holders(role, i.service) if h not in unavailable][:2]
        if role == "incident_commander" and b.commander():
            people = [b.commander()]
        rows.append((title, b.who(people)))
    recipients = sorted({p for _, people in rows for p in people})
    b.add(ev.NotificationDrafted, audience="war_room", recipients=recipients, key="rollback_failed:war_room",
          subject=f"Emergency war room: {i.incident_id} rollback failed", text=drafts.emergency_roles_text(rows))
    b.add(ev.OptionsOffered, decision_id=f"{i.incident_id}:after-failed-rollback", gate="after failed rollback",
          options=ROLLBACK_OPTIONS, reason="options under evaluation once the assessment is complete")
    if b.state.executive_notified_at is None:
        sponsor = b.roster.first_available(["cto", "vp_engineering"], i.service, unavailable)
        b.add(ev.ExecutiveNotified, reason="rollback failed: executive notification immediate",
              message=f"{i.incident_id} escalated to P0: the rollback failed; all changes on hold until assessment."
              + (f" Emergency contact: {b.roster.label(sponsor)}." if sponsor else ""))
    b.add(ev.NotificationDrafted, audience="status_page", key="rollback_failed:status_page",
          subject="Extended outage", text=drafts.status_page_extended(i))
