"""Resolution SLA exceeded, and escalation path blocked."""

from __future__ import annotations

from datetime import timedelta

from warroom.agents.branches import drafts
from warroom.agents.branches.common import Branching
from warroom.data import events as ev
from warroom.data.clocks import ack_window
from warroom.data.durations import format_duration
from warroom.data.models import Role, Severity
from warroom.data.policy import Policy
from warroom.data.roster import Roster

__all__ = ["EMERGENCY_MEASURES", "blocked_escalation", "sla_overrun", "tier_owner"]

EMERGENCY_MEASURES = ["rollback to last known-good", "maintenance mode", "vendor support", "continue current plan"]
#: The seed's escalation contacts after the incident commander.
MANAGEMENT_CHAIN = ("engineering_manager", "vp_engineering", "cto")


def sla_overrun(b: Branching, policy: Policy) -> None:
    """P0 past 2 h / P1 past 4 h (the policy's ``resolve``): IC, call-out, options, cadence, management."""
    i = b.state
    if b.raised("sla_overrun") or not i.is_open or i.severity not in (Severity.P0, Severity.P1):
        return
    window = policy.for_severity(i.severity).resolve
    if window is None or b.now <= i.detected_at + window:
        return
    sla = format_duration(window)
    b.add(ev.BranchRaised, branch="sla_overrun",
          reason=f"{i.severity.value} open {format_duration(b.now - i.detected_at)}, past its {sla} resolution SLA")
    b.ensure_commander("resolution SLA exceeded")
    if b.state.tier < 3:
        b.add(ev.TierEscalated, tier=3, reason=f"resolution SLA ({sla}) exceeded: all component owners")
    owners = b.who(b.roster.component_owners(i.service))
    b.add(ev.NotificationDrafted, audience="war_room", recipients=owners, key="sla_overrun:callout",
          subject=f"War room call-out: {i.incident_id} exceeds its resolution SLA", text=drafts.callout(b.state, b.now, owners, sla))
    b.add(ev.OptionsOffered, decision_id=f"{i.incident_id}:emergency-measures", gate="emergency measures",
          options=EMERGENCY_MEASURES, recommended=EMERGENCY_MEASURES[0],
          reason=f"resolution SLA ({sla}) exceeded: consider emergency measures")
    cadence = 15 if i.severity is Severity.P0 else 30
    if b.state.update_cadence is None or b.state.update_cadence.total_seconds() > cadence * 60:
        b.add(ev.CadenceChanged, every_minutes=cadence, reason="resolution SLA exceeded: stakeholders updated more often")
    chain = [b.roster.label(h) for step in ("incident_commander", *MANAGEMENT_CHAIN)
             for h in b.roster.holders(step, i.service)[:1]]  # fmt: skip
    message = drafts.management_overrun(b.state, b.now, sla, cadence, chain)
    if b.state.management_notified_at is None:
        b.add(ev.ManagementNotified, reason=f"resolution SLA ({sla}) exceeded", message=message)
    if i.severity is Severity.P0 and b.state.executive_notified_at is None:
        b.add(ev.ExecutiveNotified, reason=f"P0 resolution SLA ({sla}) exceeded: executive sponsor", message=message)


#: Who owns each tier in the service chain, in order of preference.
TIER_STEPS = {2: ("secondary", "component_owner"), 3: ("architect", "component_owner")}
#: The chain step that covers a step with no declared backup (after the secondary).
STEP_COVER = {"secondary": "component_owner", "component_owner": "architect", "architect": "component_owner"}


def tier_owner(roster: Roster, service: str, tier: int) -> tuple[str, str] | None:
    """``(handle, step)`` of the chain person paged at ``tier``; Tier 3's is never Tier 2's."""
    steps = TIER_STEPS.get(tier)
    if steps is None:
        return None
    below = tier_owner(roster, service, tier - 1) if tier > 2 else None
    chain = roster.chain(service)
    for step in steps:
        for s in chain:
            if s.step == step and (below is None or s.person != below[0]):
                return s.person, step
    return None


def silent_tier_owner(b: Branching, window: timedelta) -> None:
    """The owner of the current tier wrote nothing within ``window`` of the page: unavailable, cover proposed."""
    i = b.state
    owner = tier_owner(b.roster, i.service, i.tier)
    if owner is None or i.tier_changed_at is None or b.now <= i.tier_changed_at + window:
        return
    person, step = owner
    seen = i.last_seen.get(person)
    if person in i.unavailable or (seen is not None and seen >= i.tier_changed_at):
        return
    backup = cover(b.roster, i.service, step, {*i.unavailable, person})
    b.add(ev.PersonUnavailable, person=person, role=step, backup=backup or "",
          reason=f"did not acknowledge the Tier {i.tier} page within {format_duration(window)}")  # fmt: skip


def cover(roster: Roster, service: str, role: str, skip: set[str]) -> str | None:
    """Who covers ``role``: its declared backups, else the chain's secondary, else the step next to it."""
    steps = ["secondary", *([STEP_COVER[role]] if role in STEP_COVER else [])]
    return roster.backup(role, unavailable=skip) or roster.first_available(steps, service, skip)


def blocked_escalation(b: Branching, policy: Policy) -> None:
    """Someone the response needs is unavailable or silent: propose the backup, then the engineering manager."""
    i = b.state
    if not i.is_open:
        return
    window = ack_window(i, policy.for_severity(i.severity))
    if i.acknowledged_at is None and window is not None and b.now > i.detected_at + window:
        primary = b.roster.first_available(["primary"], i.service)
        if primary and primary not in i.unavailable:
            backup = b.roster.first_available(["secondary"], i.service, {primary}) or b.roster.backup(
                "primary", unavailable=i.unavailable, exclude=[primary])
            b.add(ev.PersonUnavailable, person=primary, role="primary", backup=backup or "",
                  reason=f"did not acknowledge within the {format_duration(window)} acknowledge timer")  # fmt: skip
    if window is not None:
        silent_tier_owner(b, window)
    needed = {person: role.value for role, person in b.state.roles.items()}
    for step in b.roster.chain(i.service):
        needed.setdefault(step.person, step.step)
    for person, reason in b.state.unavailable.items():
        role = needed.get(person)
        key = f"escalation_blocked:{person}"
        if role is None or key in b.state.branch_marks:
            continue
        if not b.raised("escalation_blocked"):
            b.add(ev.BranchRaised, branch="escalation_blocked", reason=f"{person} ({role.replace('_', ' ')}) unavailable: {reason}")
        skip = set(b.state.unavailable)
        backup = cover(b.roster, i.service, role, skip)
        manager = b.roster.first_available(["engineering_manager"], i.service, skip)
        people = [x for x in (backup, manager) if x]
        text = (f"Key person unavailable: {b.roster.label(person)} as {role.replace('_', ' ')} ({reason}).\n"
                f"Backup proposed: {b.roster.label(backup) if backup else 'none on the roster'}.\n"
                f"Engineering manager for alternate assignment: {b.roster.label(manager) if manager else 'none on the roster'}.")
        b.add(ev.NotificationDrafted, audience="backup", recipients=b.who(people), key=key,
              subject=f"{i.incident_id}: cover for {person} ({role.replace('_', ' ')})", text=text)
        if role == Role.INCIDENT_COMMANDER.value and backup and b.commander() == person:
            b.add(ev.RoleAssigned, role=Role.INCIDENT_COMMANDER, person=backup)
