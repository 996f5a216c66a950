"""SLA clocks, escalation timers, breaches and response metrics, all with an injected ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.clocks import mentions_breach_or_data_loss
from warroom.data.fold import InvalidEvent, apply
from warroom.data.models import Audience, Incident, Level, Severity, Status
from warroom.data.policy import (
    DEFAULT_POLICY,
    Clock,
    ClockState,
    clocks,
    due_escalations,
    pending_breaches,
    response_metrics,
)

ID = "INC-2026-0007"
OK, SOON, BREACHED, MET, MISSED = (ClockState.OK, ClockState.DUE_SOON, ClockState.BREACHED,
                                   ClockState.MET, ClockState.MISSED)  # fmt: skip


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def declare(severity: str = "P1", at: datetime = T0, **fields: Any) -> Incident:
    return apply(None, ev.IncidentDeclared(incident_id=ID, at=at, title="Checkout 5xx", severity=Severity(severity),
                                           **fields))  # fmt: skip


def then(state: Incident, *events: ev.BaseEvent) -> Incident:
    for event in events:
        state = apply(state, event)
    return state


def by_name(state: Incident, now: datetime) -> dict[str, Clock]:
    return {c.name: c for c in clocks(state, now)}


# --- acknowledge: every transition --------------------------------------------------------------


@pytest.mark.parametrize(
    "after, state",
    [(mins(0), OK), (mins(3.5), OK), (mins(3.75), SOON), (mins(4.5), SOON), (mins(5), SOON), (mins(5) + timedelta(seconds=1), BREACHED)],
)  # fmt: skip
def test_acknowledge_clock_open_states(after: timedelta, state: ClockState) -> None:
    clock = by_name(declare("P1"), T0 + after)["acknowledge"]
    assert clock.state is state
    assert clock.deadline == T0 + mins(5)
    assert clock.started_at == T0
    assert clock.remaining == mins(5) - after
    assert clock.met_at is None


def test_acknowledge_met_in_time_and_missed() -> None:
    early = then(declare("P1"), ev.Acknowledged(incident_id=ID, at=T0 + mins(3), actor="alice"))
    clock = by_name(early, T0 + mins(60))["acknowledge"]
    assert (clock.state, clock.met_at, clock.remaining) == (MET, T0 + mins(3), mins(2))
    late = then(declare("P1"), ev.Acknowledged(incident_id=ID, at=T0 + mins(7)))
    clock = by_name(late, T0 + mins(60))["acknowledge"]
    assert (clock.state, clock.remaining) == (MISSED, -mins(2))
    exact = then(declare("P1"), ev.Acknowledged(incident_id=ID, at=T0 + mins(5)))
    assert by_name(exact, T0 + mins(60))["acknowledge"].state is MET


def test_clocks_measure_from_detection_not_declaration() -> None:
    state = declare("P1", detected_at=T0 - mins(4))
    clock = by_name(state, T0)["acknowledge"]
    assert clock.deadline == T0 + mins(1) and clock.state is SOON


def test_p0_acknowledge_is_one_minute() -> None:
    clock = by_name(declare("P0"), T0 + mins(2))["acknowledge"]
    assert clock.deadline == T0 + mins(1) and clock.state is BREACHED


# --- which clocks apply ---------------------------------------------------------------------------


def test_open_p0_has_every_live_clock_in_order() -> None:
    names = [c.name for c in clocks(declare("P0"), T0)]
    assert names == ["acknowledge", "engage", "status_update", "escalation", "resolve"]


def test_p2_has_no_escalation_clock_and_p3_only_acknowledges() -> None:
    assert [c.name for c in clocks(declare("P2"), T0)] == ["acknowledge", "engage", "status_update", "resolve"]
    assert [c.name for c in clocks(declare("P3"), T0)] == ["acknowledge"]


def test_p3_acknowledge_is_one_business_day_across_the_weekend() -> None:
    friday = datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)
    state = declare("P3", at=friday)
    monday = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)
    saturday = by_name(state, friday + timedelta(days=1))["acknowledge"]
    assert saturday.deadline == monday and saturday.state is OK
    assert by_name(state, monday - timedelta(hours=4))["acknowledge"].state is SOON  # 4h of a 72h window left
    assert by_name(state, monday + mins(1))["acknowledge"].state is BREACHED
    acked = then(state, ev.Acknowledged(incident_id=ID, at=monday - timedelta(hours=1)))
    assert by_name(acked, monday + timedelta(days=2))["acknowledge"].state is MET


# --- resolve: the P0 target inside the SLA ---------------------------------------------------------


def test_p0_resolve_is_due_soon_from_the_one_hour_target() -> None:
    state = declare("P0")
    assert by_name(state, T0 + mins(59))["resolve"].state is OK
    soon = by_name(state, T0 + mins(60))["resolve"]
    assert soon.state is SOON and soon.remaining == mins(60) and soon.deadline == T0 + mins(120)
    assert by_name(state, T0 + mins(121))["resolve"].state is BREACHED


def test_p1_resolve_due_soon_in_the_last_quarter() -> None:
    state = declare("P1")
    assert by_name(state, T0 + mins(179))["resolve"].state is OK
    assert by_name(state, T0 + mins(180))["resolve"].state is SOON


def test_resolution_stops_the_clocks_and_starts_the_review() -> None:
    state = then(declare("P1"), ev.IncidentResolved(incident_id=ID, at=T0 + mins(90), resolution="rolled back"))
    found = by_name(state, T0 + mins(100))
    assert set(found) == {"acknowledge", "engage", "resolve", "review"}
    assert found["resolve"].state is MET and found["resolve"].remaining == mins(150)
    assert found["acknowledge"].state is MISSED and found["acknowledge"].met_at == T0 + mins(90)
    review = found["review"]
    assert (review.started_at, review.deadline, review.state) == (T0 + mins(90), T0 + mins(90) + timedelta(hours=48), OK)
    assert by_name(state, T0 + timedelta(hours=50))["review"].state is BREACHED
    done = then(state, ev.ReviewCompleted(incident_id=ID, at=T0 + timedelta(hours=30)))
    assert by_name(done, T0 + timedelta(days=9))["review"].state is MET
    reopened = then(state, ev.IncidentReopened(incident_id=ID, at=T0 + mins(120)))
    again = by_name(reopened, T0 + mins(121))
    assert "review" not in again and again["resolve"].state is OK and again["resolve"].met_at is None


# --- status updates ----------------------------------------------------------------------------------


def test_status_update_clock_rolls_from_the_last_update() -> None:
    state = declare("P0")
    first = by_name(state, T0 + mins(16))["status_update"]
    assert first.deadline == T0 + mins(15) and first.state is BREACHED
    updated = then(state, ev.StatusUpdatePublished(incident_id=ID, at=T0 + mins(20), audience=Audience.INTERNAL,
                                                   text="Investigating elevated 5xx"))  # fmt: skip
    clock = by_name(updated, T0 + mins(21))["status_update"]
    assert (clock.started_at, clock.deadline, clock.state) == (T0 + mins(20), T0 + mins(35), OK)


# --- escalation --------------------------------------------------------------------------------------


def test_escalation_clock_names_the_next_escalation() -> None:
    state = declare("P0")
    clock = by_name(state, T0 + mins(5))["escalation"]
    assert clock.label == "Next escalation: Tier 2" and clock.deadline == T0 + mins(15) and clock.state is OK
    tier2 = then(state, ev.TierEscalated(incident_id=ID, at=T0 + mins(10), tier=2))
    clock = by_name(tier2, T0 + mins(11))["escalation"]
    assert clock.label == "Next escalation: Management" and clock.deadline == T0 + mins(30)
    notified = then(tier2, ev.ManagementNotified(incident_id=ID, at=T0 + mins(12)))
    clock = by_name(notified, T0 + mins(13))["escalation"]
    assert clock.label == "Next escalation: Tier 3"
    assert (clock.started_at, clock.deadline) == (T0 + mins(10), T0 + mins(40))
    assert by_name(notified, T0 + mins(41))["escalation"].state is BREACHED


def test_p0_due_escalations_over_time() -> None:
    state = declare("P0")
    kinds = lambda s, n: [e.kind for e in due_escalations(s, T0 + mins(n))]  # noqa: E731
    assert kinds(state, 14) == []
    assert kinds(state, 15) == ["tier2"]
    assert kinds(state, 30) == ["tier2", "management"]
    assert kinds(state, 120) == ["tier2", "management", "executive"]
    tier2 = then(state, ev.TierEscalated(incident_id=ID, at=T0 + mins(20), tier=2))
    due = due_escalations(tier2, T0 + mins(50))
    assert [(e.kind, e.due_at) for e in due] == [("management", T0 + mins(30)), ("tier3", T0 + mins(50))]
    assert "P0" in due[0].reason and "30m" in due[0].reason
    resolved = then(tier2, ev.IncidentResolved(incident_id=ID, at=T0 + mins(55)))
    assert due_escalations(resolved, T0 + mins(500)) == []


def test_p1_due_escalations() -> None:
    state = declare("P1")
    assert [e.kind for e in due_escalations(state, T0 + mins(30))] == ["tier2"]
    tier2 = then(state, ev.TierEscalated(incident_id=ID, at=T0 + mins(30), tier=2))
    assert [e.kind for e in due_escalations(tier2, T0 + mins(89))] == []
    assert [e.kind for e in due_escalations(tier2, T0 + mins(90))] == ["tier3"]
    assert [e.kind for e in due_escalations(tier2, T0 + mins(600))] == ["tier3", "management"]
    assert due_escalations(declare("P2"), T0 + timedelta(days=3)) == []


def test_security_incident_escalates_to_the_executive_at_once() -> None:
    state = declare("P2", security=True)
    due = due_escalations(state, T0)
    assert [(e.kind, e.due_at) for e in due] == [("executive", T0)]
    assert "security" in due[0].reason
    resolved = then(state, ev.IncidentResolved(incident_id=ID, at=T0 + mins(5)))
    assert [e.kind for e in due_escalations(resolved, T0 + mins(6))] == ["executive"]
    notified = then(resolved, ev.ExecutiveNotified(incident_id=ID, at=T0 + mins(7)))
    assert due_escalations(notified, T0 + mins(8)) == []


@pytest.mark.parametrize(
    "guidance, executive",
    [
        ("Customer data loss confirmed in the orders table", True),
        ("possible security breach via leaked token", True),
        ("PII was exfiltrated", True),
        ("data leaked to a public bucket", True),
        ("Tight SLA window, SLA breach imminent", False),
        ("SLO breached for checkout latency", False),
        ("no data loss expected, prioritise rollback", False),
        ("", False),
    ],
)
def test_guidance_mentioning_breach_or_data_loss_escalates(guidance: str, executive: bool) -> None:
    state = declare("P1", guidance=guidance)
    assert mentions_breach_or_data_loss(guidance) is executive
    assert ("executive" in [e.kind for e in due_escalations(state, T0)]) is executive


# --- breaches are reported once ---------------------------------------------------------------------


def test_pending_breaches_empty_once_recorded() -> None:
    state = declare("P1")
    assert pending_breaches(state, T0 + mins(5)) == []
    pending = pending_breaches(state, T0 + mins(6))
    assert pending == [("acknowledge", T0 + mins(5))]
    for clock, deadline in pending:
        state = apply(state, ev.SlaBreached(incident_id=ID, at=T0 + mins(6), clock=clock, deadline=deadline))
    assert pending_breaches(state, T0 + mins(6)) == []
    assert pending_breaches(state, T0 + mins(29)) == []
    with pytest.raises(InvalidEvent, match="already recorded"):
        apply(state, ev.SlaBreached(incident_id=ID, at=T0 + mins(7), clock="acknowledge", deadline=T0 + mins(5)))
    later = pending_breaches(state, T0 + mins(31))
    assert later == [("engage", T0 + mins(30)), ("status_update", T0 + mins(30))]


def test_status_update_breaches_again_after_the_next_window() -> None:
    state = then(declare("P1"), ev.Acknowledged(incident_id=ID, at=T0), ev.StatusChanged(
        incident_id=ID, at=T0, status=Status.INVESTIGATING))
    state = apply(state, ev.SlaBreached(incident_id=ID, at=T0 + mins(31), clock="status_update", deadline=T0 + mins(30)))
    state = apply(state, ev.StatusUpdatePublished(incident_id=ID, at=T0 + mins(40), audience=Audience.INTERNAL, text="x"))
    assert pending_breaches(state, T0 + mins(70)) == []
    assert pending_breaches(state, T0 + mins(71)) == [("status_update", T0 + mins(70))]


def test_escalation_is_not_a_breach_and_closed_incidents_have_none() -> None:
    state = then(declare("P0"), ev.Acknowledged(incident_id=ID, at=T0), ev.RoleAssigned(
        incident_id=ID, at=T0, role="technical_lead", person="bob"))
    state = apply(state, ev.StatusUpdatePublished(incident_id=ID, at=T0 + mins(10), audience=Audience.INTERNAL, text="x"))
    assert by_name(state, T0 + mins(16))["escalation"].state is BREACHED
    assert pending_breaches(state, T0 + mins(16)) == []
    closed = then(state, ev.IncidentResolved(incident_id=ID, at=T0 + mins(20)), ev.IncidentClosed(incident_id=ID, at=T0 + mins(21)))
    assert pending_breaches(closed, T0 + timedelta(days=30)) == []


def test_a_late_acknowledgment_is_still_reported_as_a_breach() -> None:
    state = then(declare("P1"), ev.Acknowledged(incident_id=ID, at=T0 + mins(9)))
    assert ("acknowledge", T0 + mins(5)) in pending_breaches(state, T0 + mins(10))


def test_severity_change_moves_the_deadlines() -> None:
    state = then(declare("P2"), ev.SeveritySet(incident_id=ID, at=T0 + mins(2), severity=Severity.P0,
                                               impact=Level.HIGH, urgency=Level.HIGH))  # fmt: skip
    assert by_name(state, T0 + mins(2))["acknowledge"].deadline == T0 + mins(1)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        clocks(declare("P1"), datetime(2026, 11, 23, 9, 0))


# --- response metrics --------------------------------------------------------------------------------


def test_response_metrics_met_and_missed_with_margins() -> None:
    state = declare("P1", detected_at=T0 - mins(7))
    state = then(
        state,
        ev.Acknowledged(incident_id=ID, at=T0 - mins(3)),
        ev.RoleAssigned(incident_id=ID, at=T0 + mins(40), role="technical_lead", person="bob"),
        ev.MitigationExecuted(incident_id=ID, at=T0 + mins(80), strategy="rollback", outcome="succeeded"),
        ev.IncidentResolved(incident_id=ID, at=T0 + mins(113)),
    )
    metrics = {m.name: m for m in response_metrics(state)}
    assert list(metrics) == ["detect", "acknowledge", "engage", "mitigate", "resolve"]
    assert (metrics["detect"].duration, metrics["detect"].met, metrics["detect"].margin) == (mins(7), False, mins(2))
    assert (metrics["acknowledge"].duration, metrics["acknowledge"].met, metrics["acknowledge"].margin) == (
        mins(4), True, mins(1))  # fmt: skip
    assert (metrics["engage"].duration, metrics["engage"].target, metrics["engage"].met, metrics["engage"].margin) == (
        mins(47), mins(30), False, mins(17))  # fmt: skip
    assert (metrics["mitigate"].duration, metrics["mitigate"].target, metrics["mitigate"].met) == (mins(87), None, None)
    assert (metrics["resolve"].duration, metrics["resolve"].met, metrics["resolve"].margin) == (mins(120), True, mins(120))


def test_response_metrics_before_anything_happened() -> None:
    metrics = {m.name: m for m in response_metrics(declare("P3"))}
    assert metrics["detect"].met is True
    assert metrics["acknowledge"].duration is None and metrics["acknowledge"].met is None
    assert metrics["acknowledge"].target == timedelta(days=1)  # Monday 09:00 -> Tuesday 09:00
    assert metrics["resolve"].target is None and metrics["resolve"].margin is None


def test_everything_is_pure_and_uses_the_given_policy() -> None:
    state = declare("P1")
    assert clocks(state, T0 + mins(3)) == clocks(state, T0 + mins(3), DEFAULT_POLICY)
    rows = dict(DEFAULT_POLICY.severities)
    rows[Severity.P1] = rows[Severity.P1].model_copy(update={"acknowledge": mins(10)})
    custom = DEFAULT_POLICY.model_copy(update={"severities": rows})
    assert by_name(state, T0)["acknowledge"].deadline == T0 + mins(5)
    assert {c.name: c for c in clocks(state, T0, custom)}["acknowledge"].deadline == T0 + mins(10)
