"""The five branches, driven through events and an injected clock: what is recorded, shown and refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.agents.branches.conftest import at, declare, fold
from warroom.agents.branches import (
    apply_branches, declare_freeze, evaluate_branches, lift_freeze, lift_hold, major_incidents, mark_unavailable,
)  # fmt: skip
from warroom.data import events as ev
from warroom.data.clocks import ClockState, clocks, pending_breaches
from warroom.data.describe import describe_event
from warroom.data.fold import InvalidEvent, apply
from warroom.data.models import Level, MitigationStrategy, Role, Severity
from warroom.data.policy import DEFAULT_POLICY, Policy

ID = "INC-2026-0001"


def kinds(events: list[ev.BaseEvent]) -> list[str]:
    return [e.kind for e in events]


def settle(state, now, roster, others=()):
    """Evaluate, fold, and check a second evaluation proposes nothing (idempotence)."""
    events = evaluate_branches(state, now, DEFAULT_POLICY, roster, open_incidents=list(others))
    state = fold(state, events)
    assert evaluate_branches(state, now + timedelta(minutes=1), DEFAULT_POLICY, roster, open_incidents=list(others)) == []
    return state, events


# -- resolution SLA exceeded -------------------------------------------------------------------

def test_p1_within_its_four_hours_raises_nothing(roster) -> None:
    state = fold(declare(), [ev.Acknowledged(incident_id=ID, at=at(2))])
    assert evaluate_branches(state, at(239), roster=roster, open_incidents=[]) == []


def test_p1_past_four_hours_raises_the_overrun_branch_once(roster) -> None:
    state = fold(declare(), [ev.Acknowledged(incident_id=ID, at=at(2))])
    state, events = settle(state, at(241), roster)
    assert kinds(events) == ["branch.raised", "role.assigned", "tier.escalated", "notification.drafted",
                             "options.offered", "cadence.changed", "management.notified"]  # fmt: skip
    callout = next(e for e in events if isinstance(e, ev.NotificationDrafted))
    assert callout.recipients == ["Dave Kim (dave)", "Frank Ito (frank)"]  # every component owner on the roster
    assert "Elapsed time: 4h 01m" in callout.text and "P1 > 4h" in callout.text
    assert state.roles[Role.INCIDENT_COMMANDER] == "alice"
    assert [o.options for o in state.pending_offers] == [
        ["rollback to last known-good", "maintenance mode", "vendor support", "continue current plan"]]
    assert state.update_cadence == timedelta(minutes=30)
    assert state.executive_notified_at is None  # P1: management only
    assert "Engineering Manager" not in state.roles  # the chain is in the message, not assigned
    message = next(e for e in events if isinstance(e, ev.ManagementNotified)).message
    assert "Alice Ng (alice, alice@example.com)" in message and "Erin Walsh (erin)" in message


def test_p0_overrun_notifies_the_executive_and_tightens_the_update_clock_to_15_minutes(roster) -> None:
    state = declare(severity=Severity.P0)
    state = fold(state, [ev.Acknowledged(incident_id=ID, at=at(1)),
                         ev.RoleAssigned(incident_id=ID, at=at(2), role=Role.INCIDENT_COMMANDER, person="carol")])
    state, events = settle(state, at(125), roster)
    assert "role.assigned" not in kinds(events)  # the commander was already involved
    assert state.executive_notified_at == at(125) and state.update_cadence == timedelta(minutes=15)
    update = fold(state, [ev.StatusUpdatePublished(incident_id=ID, at=at(126), audience="internal", text="still down")])
    clock = next(c for c in clocks(update, at(130)) if c.name == "status_update")
    assert clock.deadline == at(141)  # 15 minutes after the last update


def test_the_decision_answers_the_offer(roster) -> None:
    state, _ = settle(fold(declare(), [ev.Acknowledged(incident_id=ID, at=at(2))]), at(241), roster)
    offer = state.pending_offers[0]
    state = apply(state, ev.DecisionTaken(incident_id=ID, at=at(250), actor="alice", decision_id=offer.decision_id,
                                          gate=offer.gate, choice="maintenance mode", options=offer.options))
    assert state.pending_offers == []
    with pytest.raises(InvalidEvent, match="already offered"):
        apply(state, ev.OptionsOffered(incident_id=ID, at=at(251), decision_id=offer.decision_id, gate="x", options=["a", "b"]))


# -- escalation path blocked -------------------------------------------------------------------

def test_unanswered_page_marks_the_primary_unavailable_and_proposes_the_secondary(roster) -> None:
    state, events = settle(declare(), at(6), roster)  # P1: acknowledge within 5 minutes
    first = events[0]
    assert isinstance(first, ev.PersonUnavailable) and first.person == "bob" and first.backup == "carol"
    assert "did not acknowledge within the 5m" in first.reason
    draft = next(e for e in events if isinstance(e, ev.NotificationDrafted))
    assert draft.recipients == ["Carol Diaz (carol)", "Alice Ng (alice, alice@example.com)"]  # backup, then the EM
    assert "Engineering manager for alternate assignment: Alice Ng" in draft.text
    assert "bob unavailable (primary)" in describe_event(first)


def test_unavailable_commander_is_replaced_by_the_rostered_backup(roster) -> None:
    state = fold(declare(), [ev.Acknowledged(incident_id=ID, at=at(1)),
                             ev.RoleAssigned(incident_id=ID, at=at(2), role=Role.INCIDENT_COMMANDER, person="carol")])
    gone = mark_unavailable(state, "carol", "on a flight until 14:00", at(10), roster, actor="bob")
    assert (gone.role, gone.backup) == ("incident_commander", "alice")
    state = apply(state, gone)
    with pytest.raises(InvalidEvent, match="already marked unavailable"):
        apply(state, gone)
    state, events = settle(state, at(11), roster)
    assert kinds(events) == ["branch.raised", "notification.drafted", "role.assigned"]
    assert state.roles[Role.INCIDENT_COMMANDER] == "alice"
    assert state.unavailable == {"carol": "on a flight until 14:00"}


def test_unavailability_is_refused_without_a_reason() -> None:
    with pytest.raises(ValueError):
        ev.PersonUnavailable(incident_id=ID, at=at(1), person="bob", reason="   ")


# -- major incident and the change freeze ------------------------------------------------------

def test_two_severe_incidents_make_a_major_incident_with_one_executive_notification(roster) -> None:
    a = fold(declare(ID, Severity.P1), [ev.Acknowledged(incident_id=ID, at=at(1))])
    b = fold(declare("INC-2026-0002", Severity.P0, service="payments"),
             [ev.Acknowledged(incident_id="INC-2026-0002", at=at(1))])
    quiet = declare("INC-2026-0003", Severity.P3)
    assert [i.incident_id for i in major_incidents([a, b, quiet])] == ["INC-2026-0002", ID]  # P0 ranks first
    a, a_events = settle(a, at(3), roster, [b, quiet])
    b, b_events = settle(b, at(3), roster, [a, quiet])
    assert a.major_incident_at == at(3) and b.major_incident_at == at(3)
    assert a.major_coordinator == "Gina Park (gina)"  # the senior incident commander from the roster
    drafts = [e for e in a_events + b_events if isinstance(e, ev.NotificationDrafted) and e.key.startswith("major:")]
    assert sorted(d.audience for d in drafts) == ["executive", "status_page"]  # once for all, not per incident
    exec_draft = next(d for d in drafts if d.audience == "executive")
    assert exec_draft.text.index("INC-2026-0002") < exec_draft.text.index(ID)
    assert next(d for d in drafts if d.audience == "status_page").subject == "Multiple service disruptions"
    assert settle(quiet, at(3), roster, [a, b])[1] == []  # a P3 is not part of it
    assert a.roles[Role.INCIDENT_COMMANDER] != b.roles[Role.INCIDENT_COMMANDER]  # a separate commander for each


def test_a_major_incident_of_any_size_is_recorded_counted_with_the_first_by_impact(roster) -> None:
    storm = [declare(f"INC-2026-{n:04d}", Severity.P0 if n % 100 == 0 else Severity.P1) for n in range(1, 701)]
    mine = storm[149]
    events = evaluate_branches(mine, at(3), DEFAULT_POLICY, roster, open_incidents=storm)
    major = next(e for e in events if isinstance(e, ev.MajorIncidentDeclared))
    assert major.total == 700 and major.count == 700 and len(major.incidents) == ev.MAJOR_LISTED
    assert major.incidents[:7] == [f"INC-2026-{n:04d}" for n in range(100, 701, 100)]  # the P0s rank first
    assert fold(mine, events).major_incident_at == at(3)
    line = describe_event(major)
    assert "700 P0/P1 open" in line and "and 692 more" in line and len(line) < 400
    raised = next(e for e in events if isinstance(e, ev.BranchRaised))
    assert "and 690 more" in raised.reason and len(raised.reason) < 400


def test_a_freeze_covers_every_open_incident_and_follows_new_ones_until_lifted(roster) -> None:
    a, b = declare(ID), declare("INC-2026-0002")
    events = declare_freeze([a, b], "FRZ-1", "major incident: halt all deployments", at(5), actor="gina")
    a, b = apply(a, events[0]), apply(b, events[1])
    assert a.frozen and b.frozen
    with pytest.raises(InvalidEvent, match="already in force"):
        declare_freeze([a, b], "FRZ-1", "again", at(6))
    late = declare("INC-2026-0003", Severity.P3)
    late, follow = settle(late, at(7), roster, [a, b])
    assert kinds(follow) == ["freeze.declared"] and late.frozen
    lifted = lift_freeze([a, b, late], "FRZ-1", "incidents mitigated", at(60), actor="gina")
    assert len(lifted) == 3
    a = apply(a, lifted[0])
    assert not a.frozen
    with pytest.raises(ValueError):
        lift_freeze([b], "FRZ-1", "", at(61))


# -- rollback failed ---------------------------------------------------------------------------

def failed_rollback(state):
    return fold(state, [ev.Acknowledged(incident_id=ID, at=at(1)),
                        ev.RoleAssigned(incident_id=ID, at=at(2), role=Role.INCIDENT_COMMANDER, person="carol"),
                        ev.MitigationExecuted(incident_id=ID, at=at(30), strategy=MitigationStrategy.ROLLBACK,
                                              outcome="failed", details="error rate still 40% after rollback")])


def test_failed_rollback_goes_p0_with_the_hold_enforced_until_the_commander_lifts_it(roster) -> None:
    state, events = settle(failed_rollback(declare()), at(31), roster)
    assert state.severity is Severity.P0 and (state.impact, state.urgency) == (Level.HIGH, Level.HIGH)
    assert state.hold is not None and state.hold.reason == "rollback failed: error rate still 40% after rollback"
    war_room = next(e for e in events if isinstance(e, ev.NotificationDrafted) and e.audience == "war_room")
    assert "Database Administrator (if data issue): Dave Kim (dave)" in war_room.text
    assert "Deployment Manager: not on the roster: assign" in war_room.text
    assert state.pending_offers[0].options == ["rollback to an earlier version", "emergency hotfix",
                                               "maintenance mode", "manual repair"]  # fmt: skip
    assert state.executive_notified_at == at(31)
    again = ev.MitigationExecuted(incident_id=ID, at=at(35), strategy=MitigationStrategy.HOTFIX, outcome="succeeded")
    with pytest.raises(InvalidEvent, match="hold on"):
        apply(state, again)
    with pytest.raises(InvalidEvent, match="hold on"):
        apply(state, ev.DecisionTaken(incident_id=ID, at=at(35), decision_id="itil:mitigation", gate="mitigation strategy",
                                      choice="hotfix"))
    with pytest.raises(InvalidEvent, match=r"only the incident commander \(carol\)"):
        lift_hold(state, "assessment done", at(40), actor="bob")
    with pytest.raises(ValueError):
        lift_hold(state, "  ", at(40), actor="carol")
    state = apply(state, lift_hold(state, "assessment done: hotfix is safe", at(40), actor="carol"))
    assert state.hold is None
    assert apply(state, again).mitigations[-1].strategy is MitigationStrategy.HOTFIX


# -- security breach or data loss --------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"security": True}, {"incident_type": "data loss"}, {"guidance": "customer records exfiltrated via the API"},
])  # fmt: skip
def test_security_branch_gates_mitigation_and_starts_the_gdpr_clock(roster, fields) -> None:
    state, events = settle(fold(declare(**fields), [ev.Acknowledged(incident_id=ID, at=at(1))]), at(2), roster)
    assert state.security and state.evidence_required and state.regulatory_started_at == at(2)
    audiences = [e.audience for e in events if isinstance(e, ev.NotificationDrafted)]
    assert audiences == ["security", "legal", "compliance", "regulator"]
    assert next(e for e in events if isinstance(e, ev.NotificationDrafted) and e.audience == "legal").recipients == [
        "Hal Stone (hal)"]
    assert state.pending_offers[0].gate == "isolation of affected systems"
    assert {"SEC-1", "SEC-2", "SEC-3", "SEC-4"} <= set(state.actions)
    fix = ev.MitigationExecuted(incident_id=ID, at=at(10), strategy=MitigationStrategy.HOTFIX, outcome="succeeded")
    with pytest.raises(InvalidEvent, match="preserve the evidence"):
        apply(state, fix)
    gdpr = next(c for c in clocks(state, at(3)) if c.name == "regulatory:GDPR")
    assert gdpr.deadline == at(2) + timedelta(hours=72) and gdpr.state is ClockState.OK
    assert ("regulatory:GDPR", gdpr.deadline) in pending_breaches(state, at(2 + 73 * 60))
    state = fold(state, [ev.EvidencePreserved(incident_id=ID, at=at(20), details="disk images and logs to the vault")])
    state = apply(state, fix)
    state = apply(state, ev.RegulatorNotified(incident_id=ID, at=at(600), regime="GDPR", reference="ICO ref 123"))
    met = next(c for c in clocks(state, at(700)) if c.name == "regulatory:GDPR")
    assert met.state is ClockState.MET


def test_regimes_are_configurable(roster) -> None:
    policy = Policy(**{**DEFAULT_POLICY.model_dump(), "regulatory": {"GDPR": timedelta(hours=72), "HIPAA": timedelta(days=60)}})
    state = fold(declare(security=True), [ev.Acknowledged(incident_id=ID, at=at(1))])
    state = fold(state, evaluate_branches(state, at(2), policy, roster, open_incidents=[]))
    names = [c.name for c in clocks(state, at(3), policy)]
    assert names[-2:] == ["regulatory:GDPR", "regulatory:HIPAA"]


def test_negated_guidance_is_not_a_breach(roster) -> None:
    state = fold(declare(guidance="no data loss, SLA breach only"), [ev.Acknowledged(incident_id=ID, at=at(1))])
    assert evaluate_branches(state, at(2), roster=roster, open_incidents=[]) == []


def test_an_agent_finding_opens_the_security_branch(roster) -> None:
    state = fold(declare(), [
        ev.Acknowledged(incident_id=ID, at=at(1)),
        ev.AgentStepStarted(incident_id=ID, at=at(2), run_id="r1", step_id="rca"),
        ev.AgentStepFinished(incident_id=ID, at=at(3), run_id="r1", output="Logs show the database was exfiltrated."),
    ])  # fmt: skip
    events = evaluate_branches(state, at(4), roster=roster, open_incidents=[])
    assert events[0].reason == "agent finding (rca)"


# -- through the store -------------------------------------------------------------------------

async def test_apply_branches_appends_once_and_replays_to_the_same_state(store, roster) -> None:
    first = await store.declare(at(0), title="Checkout down", severity=Severity.P0, service="checkout")
    second = await store.declare(at(0), title="Payments down", severity=Severity.P1, service="payments")
    for incident_id in (first.incident_id, second.incident_id):
        await store.append(ev.Acknowledged(incident_id=incident_id, at=at(1)))
    written = await apply_branches(store, first.incident_id, at(2), roster=roster)
    assert "major_incident.declared" in kinds(written)
    assert await apply_branches(store, first.incident_id, at(3), roster=roster) == []
    again = await apply_branches(store, second.incident_id, at(3), roster=roster)
    assert "major_incident.declared" in kinds(again)
    assert not any(getattr(e, "key", "").startswith("major:") for e in again)  # the first one carries them
    state = await store.load(first.incident_id)
    assert state.major_incident_at == at(2)


@pytest.mark.parametrize("choice, opened", [("evidence preserved", True), ("preservation waived", True), ("other", False)])
def test_the_playbook_forensics_gate_opens_the_evidence_gate(roster, choice, opened) -> None:
    state, _ = settle(fold(declare(security=True), [ev.Acknowledged(incident_id=ID, at=at(1))]), at(2), roster)
    state = apply(state, ev.DecisionTaken(incident_id=ID, at=at(5), decision_id="itil:forensics", gate="forensics preservation",
                                          choice=choice))
    fix = ev.MitigationExecuted(incident_id=ID, at=at(10), strategy=MitigationStrategy.HOTFIX, outcome="succeeded")
    if opened:
        assert apply(state, fix).mitigations
    else:
        with pytest.raises(InvalidEvent, match="preserve the evidence"):
            apply(state, fix)
