"""The fold: valid sequences build the state, invalid events are refused whole."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import InvalidEvent, apply, replay
from warroom.data.models import Level, RunState, Severity, Status

ID = "INC-2026-0042"


def declared() -> ev.IncidentDeclared:
    return ev.IncidentDeclared(incident_id=ID, at=T0, title="Checkout 5xx", severity=Severity.P1)


def test_lifecycle_to_closed() -> None:
    events = [
        declared(),
        ev.Acknowledged(incident_id=ID, at=T0 + timedelta(minutes=2), actor="alice"),
        ev.SeveritySet(incident_id=ID, at=T0 + timedelta(minutes=3), severity=Severity.P0,
                       impact=Level.HIGH, urgency=Level.HIGH, reason="all checkouts fail"),
        ev.StatusChanged(incident_id=ID, at=T0 + timedelta(minutes=4), status=Status.INVESTIGATING),
        ev.TierEscalated(incident_id=ID, at=T0 + timedelta(minutes=20), tier=2),
        ev.IncidentResolved(incident_id=ID, at=T0 + timedelta(minutes=50), resolution="rolled back"),
        ev.IncidentClosed(incident_id=ID, at=T0 + timedelta(minutes=60)),
    ]  # fmt: skip
    state = replay(events)
    assert state is not None
    assert state.status is Status.CLOSED
    assert state.severity is Severity.P0
    assert state.acknowledged_by == "alice"
    assert state.engaged_at == T0 + timedelta(minutes=4)
    assert state.tier == 2
    assert state.event_count == 7


def test_resolving_a_closed_incident_is_refused_and_state_untouched() -> None:
    state = replay([declared(), ev.IncidentResolved(incident_id=ID, at=T0), ev.IncidentClosed(incident_id=ID, at=T0)])
    before = state.model_dump()
    with pytest.raises(InvalidEvent, match="closed"):
        apply(state, ev.IncidentResolved(incident_id=ID, at=T0))
    assert state.model_dump() == before


@pytest.mark.parametrize(
    "event, reason",
    [
        (ev.IncidentClosed(incident_id=ID, at=T0), "only a resolved incident"),
        (ev.TierEscalated(incident_id=ID, at=T0, tier=3), None),
        (ev.AgentStepOutput(incident_id=ID, at=T0, run_id="nope", text="x"), "no agent run"),
        (ev.ActionItemUpdated(incident_id=ID, at=T0, item_id="A1", owner="bob"), "no action item"),
        (ev.StatusChanged(incident_id=ID, at=T0, status=Status.DETECTED), "cannot move back"),
        (ev.IncidentReopened(incident_id=ID, at=T0), "only a resolved or closed one"),
    ],
)
def test_invalid_events_name_their_reason(event: ev.BaseEvent, reason: str | None) -> None:
    state = replay([declared()])
    if reason is None:  # tier 1 -> 3 directly is allowed (skip a tier when needed)
        assert apply(state, event).tier == 3
        return
    with pytest.raises(InvalidEvent, match=reason):
        apply(state, event)


def test_events_before_declaration_are_refused() -> None:
    with pytest.raises(InvalidEvent, match="not been declared"):
        apply(None, ev.NoteAdded(incident_id=ID, at=T0, text="x"))


def test_agent_run_lifecycle() -> None:
    state = replay([
        declared(),
        ev.AgentStepStarted(incident_id=ID, at=T0, run_id="r1", step_id="tier1", backend="offline"),
        ev.AgentStepOutput(incident_id=ID, at=T0, run_id="r1", text="a"),
        ev.AgentStepOutput(incident_id=ID, at=T0, run_id="r1", text="b"),
        ev.AgentStepFinished(incident_id=ID, at=T0, run_id="r1", output="ab", output_tokens=3),
    ])  # fmt: skip
    run = state.runs["r1"]
    assert (run.state, run.chunks, run.output) == (RunState.FINISHED, 2, "ab")
    with pytest.raises(InvalidEvent, match="already finished"):
        apply(state, ev.AgentStepOutput(incident_id=ID, at=T0, run_id="r1", text="late"))


def test_a_breach_is_recorded_once() -> None:
    breach = ev.SlaBreached(incident_id=ID, at=T0, clock="acknowledge", deadline=T0)
    state = replay([declared(), breach])
    with pytest.raises(InvalidEvent, match="already recorded"):
        apply(state, breach)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        ev.NoteAdded(incident_id=ID, at=T0.replace(tzinfo=None), text="x")
