"""Security breach or data loss: evidence gate, isolation decision, notifications, regulatory clocks."""

from __future__ import annotations

from datetime import timedelta

from warroom.agents.branches import drafts
from warroom.agents.branches.common import Branching
from warroom.data import events as ev
from warroom.data.clocks import mentions_breach_or_data_loss
from warroom.data.models import Horizon, Incident, RunState
from warroom.data.policy import Policy

__all__ = ["ISOLATION_OPTIONS", "SECURITY_ACTIONS", "security_trigger", "security_branch"]

ISOLATION_OPTIONS = ["isolate affected systems", "keep systems online under watch"]
SECURITY_TYPES = {"security", "security_incident", "data_loss", "breach", "data_breach"}
SECURITY_ACTIONS = [
    ("SEC-1", "Complete the forensic analysis before restoring affected systems", Horizon.IMMEDIATE, 7),
    ("SEC-2", "Rotate credentials and keys reachable from the affected systems", Horizon.IMMEDIATE, 7),
    ("SEC-3", "Review access controls and audit logging on the affected systems", Horizon.SHORT_TERM, 30),
    ("SEC-4", "Add detection for this attack or loss pattern and rehearse the security incident response plan",
     Horizon.LONG_TERM, 90),
]  # fmt: skip


def security_trigger(i: Incident) -> str:
    """Why ``i`` is a security breach or data loss ("" if it is not)."""
    if i.security:
        return "incident marked as security"
    if i.incident_type.strip().lower().replace(" ", "_").replace("-", "_") in SECURITY_TYPES:
        return f"incident type {i.incident_type}"
    if mentions_breach_or_data_loss(i.guidance):
        return "guidance reports a breach or data loss"
    for run in i.runs.values():
        if run.state is not RunState.FINISHED:
            continue
        if (run.structured or {}).get("security") is True or mentions_breach_or_data_loss(run.output[:20_000]):
            return f"agent finding ({run.step_id})"
    return ""


def security_branch(b: Branching, policy: Policy) -> None:
    i = b.state
    if b.raised("security") or not i.is_open:
        return
    why = security_trigger(i)
    if not why:
        return
    b.add(ev.BranchRaised, branch="security", reason=why)
    if not b.state.evidence_required:
        b.add(ev.SecurityDeclared, reason=why, source=why.split(" ")[0])
    b.add(ev.OptionsOffered, decision_id=f"{i.incident_id}:isolation", gate="isolation of affected systems",
          options=ISOLATION_OPTIONS, recommended=ISOLATION_OPTIONS[0], reason="security incident: contain before restoring")
    lead = b.roster.holders("security_lead", i.service) or b.roster.holders("ciso", i.service)
    b.add(ev.NotificationDrafted, audience="security", recipients=b.who(lead), key="security:team",
          subject=f"Security incident response: {i.incident_id}",
          text=f"Engage the Security Incident Response Team for {i.incident_id}: {i.title}. Trigger: {why}. "
               "Preserve evidence (logs, forensics) before any mitigation.")  # fmt: skip
    regimes = sorted(policy.regulatory)
    for audience, role in (("legal", "legal"), ("compliance", "compliance")):
        b.add(ev.NotificationDrafted, audience=audience, recipients=b.who(b.roster.holders(role, i.service)),
              key=f"security:{audience}", subject=f"Security incident {i.incident_id}: {audience} notification (immediate)",
              text=drafts.legal_notice(b.state, why, regimes))  # fmt: skip
    if b.state.executive_notified_at is None:
        b.add(ev.ExecutiveNotified, reason="security incident: executive notification immediate",
              message=drafts.legal_notice(b.state, why, regimes))
    started = b.state.regulatory_started_at or b.now
    for regime in regimes:
        deadline = started + policy.regulatory[regime]
        b.add(ev.NotificationDrafted, audience="regulator", recipients=[], key=f"security:regulator:{regime}",
              subject=f"{regime} notification to the authority", text=drafts.regulator_notice(b.state, regime, deadline))
    for item_id, title, horizon, days in SECURITY_ACTIONS:
        if item_id not in b.state.actions:
            b.add(ev.ActionItemAdded, item_id=item_id, title=title, horizon=horizon, due=b.now + timedelta(days=days),
                  source="security branch")
