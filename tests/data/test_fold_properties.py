"""Properties of the fold over random event sequences (valid and invalid mixed) for one incident.

(a) folding the accepted events again from scratch gives an identical state;
(b) a refused event leaves the state it was given unchanged (and so does an accepted one: ``apply`` is pure);
(c) status never moves backwards except by ``incident.reopened``;
(d) ``event_count`` is the number of accepted events;
and, tying the policy to the fold: recording every pending breach empties ``pending_breaches``.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import InvalidEvent, apply, replay
from warroom.data.models import (
    ActionStatus,
    Audience,
    Incident,
    Level,
    MitigationStrategy,
    NormalisedAlert,
    Role,
    Severity,
    Status,
)
from warroom.data.policy import clocks, pending_breaches

ID = "INC-2026-0042"
OTHER = "INC-2026-0043"

runs = st.sampled_from(["r1", "r2"])
items = st.sampled_from(["A1", "A2"])
people = st.sampled_from(["alice", "bob"])
texts = st.sampled_from(["checkout 5xx", "rolled back", "x"])
minutes = st.integers(min_value=0, max_value=600).map(lambda n: T0 + timedelta(minutes=n))
maybe = lambda strategy: st.none() | strategy  # noqa: E731

E = dict(incident_id=st.just(ID), at=st.just(T0))
EVENTS = st.one_of(
    st.builds(ev.IncidentDeclared, title=texts, severity=st.sampled_from(Severity), **E),
    st.builds(ev.SeveritySet, severity=st.sampled_from(Severity), impact=st.sampled_from(Level),
              urgency=st.sampled_from(Level), reason=texts, **E),
    st.builds(ev.Acknowledged, actor=people, **E),
    st.builds(ev.RoleAssigned, role=st.sampled_from(Role), person=people, **E),
    st.builds(ev.TierEscalated, tier=st.integers(2, 3), by_timer=st.booleans(), **E),
    st.builds(ev.ManagementNotified, **E),
    st.builds(ev.ExecutiveNotified, **E),
    st.builds(ev.StatusChanged, status=st.sampled_from(Status), **E),
    st.builds(ev.PhaseChanged, phase=st.sampled_from(["triage", "mitigation", "review"]), **E),
    st.builds(ev.AgentStepStarted, run_id=runs, step_id=st.just("tier1"), **E),
    st.builds(ev.AgentStepOutput, run_id=runs, text=texts, **E),
    st.builds(ev.AgentStepFinished, run_id=runs, output=texts, input_tokens=st.integers(0, 99), **E),
    st.builds(ev.AgentStepFailed, run_id=runs, error=texts, interrupted=st.booleans(), **E),
    st.builds(ev.AgentStepCancelled, run_id=runs, **E),
    st.builds(ev.DecisionTaken, decision_id=st.sampled_from(["D1", "D2"]), gate=st.just("mitigation"),
              choice=st.sampled_from(["rollback", "hotfix"]),
              options=st.sampled_from([[], ["rollback", "hotfix"], ["hotfix"]]), **E),
    st.builds(ev.MitigationExecuted, strategy=st.sampled_from(MitigationStrategy),
              outcome=st.sampled_from(["succeeded", "failed"]), **E),
    st.builds(ev.StatusUpdatePublished, audience=st.sampled_from(Audience), text=texts, **E),
    st.builds(ev.SlaBreached, clock=st.sampled_from(["acknowledge", "engage"]), deadline=minutes, **E),
    st.builds(ev.NoteAdded, text=texts, **E),
    st.builds(ev.ActionItemAdded, item_id=items, title=texts, owner=people, **E),
    st.builds(ev.ActionItemUpdated, item_id=items, owner=maybe(people), status=maybe(st.sampled_from(ActionStatus)),
              title=st.none(), due=st.none(), **E),
    st.builds(ev.EvidenceAttached, evidence_id=st.sampled_from(["E1", "E2"]), path=st.just("app.log"),
              name=st.just("app.log"), **E),
    st.builds(ev.AlertReceived, alert=st.builds(NormalisedAlert, source=st.just("alertmanager"),
              fingerprint=st.just("fp1"), title=texts, severity=st.sampled_from(Severity)), **E),
    st.builds(ev.ReviewUpdated, section=st.sampled_from(["summary", "five_whys"]), text=texts, **E),
    st.builds(ev.ReviewCompleted, **E),
    st.builds(ev.IncidentResolved, resolution=texts, **E),
    st.builds(ev.IncidentClosed, **E),
    st.builds(ev.IncidentReopened, **E),
    st.builds(ev.NoteAdded, text=texts, incident_id=st.just(OTHER), at=st.just(T0)),
)  # fmt: skip

# Gaps between events (minutes); zero-length gaps are common in a real timeline.
GAPS = st.integers(min_value=0, max_value=90)
SEQUENCES = st.lists(st.tuples(EVENTS, GAPS), min_size=15, max_size=60)
FIRST = st.builds(ev.IncidentDeclared, title=texts, severity=st.sampled_from(Severity),
                  security=st.booleans(), guidance=st.sampled_from(["", "data loss confirmed"]), **E)  # fmt: skip


def run(first: ev.IncidentDeclared, steps: list[tuple[ev.BaseEvent, int]]) -> tuple[Incident, list[ev.BaseEvent]]:
    """Apply ``first`` then every step, checking (b) and (c) as it goes."""
    state = apply(None, first.with_seq(1))
    accepted: list[ev.BaseEvent] = [first.with_seq(1)]
    at = T0
    for event, gap in steps:
        at += timedelta(minutes=gap)
        event = event.model_copy(update={"at": at, "seq": len(accepted) + 1})
        before = state.model_dump()
        try:
            new = apply(state, event)
        except InvalidEvent as exc:
            assert exc.reason and exc.event is event
            assert state.model_dump() == before, f"refused {event.kind} changed the state"
            continue
        assert state.model_dump() == before, f"applying {event.kind} mutated its input"
        if event.kind != "incident.reopened":
            assert new.status.rank >= state.status.rank, f"{event.kind} moved {state.status} back to {new.status}"
        else:
            assert new.status is Status.INVESTIGATING
        state = new
        accepted.append(event)
    return state, accepted


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=FIRST, steps=SEQUENCES)
def test_fold_properties(first: ev.IncidentDeclared, steps: list[tuple[ev.BaseEvent, int]]) -> None:
    state, accepted = run(first, steps)
    again = replay(accepted)
    assert again is not None
    assert again.model_dump() == state.model_dump(), "replaying the accepted events gave another state"  # (a)
    assert state.event_count == len(accepted), "event_count is not the number of accepted events"  # (d)
    assert state.last_seq == len(accepted)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=FIRST, steps=SEQUENCES, later=st.integers(min_value=0, max_value=60 * 24 * 10))
def test_recording_pending_breaches_empties_them(
    first: ev.IncidentDeclared, steps: list[tuple[ev.BaseEvent, int]], later: int
) -> None:
    state, _ = run(first, steps)
    now = state.updated_at + timedelta(minutes=later)
    assert all(c.deadline >= c.started_at for c in clocks(state, now))
    pending = pending_breaches(state, now)
    assert len(set(pending)) == len(pending)
    for clock, deadline in pending:
        state = apply(state, ev.SlaBreached(incident_id=ID, at=now, clock=clock, deadline=deadline))
    assert pending_breaches(state, now) == []


@given(event=EVENTS)
@settings(max_examples=100, deadline=None)
def test_nothing_applies_before_declaration_except_a_declaration(event: ev.BaseEvent) -> None:
    if isinstance(event, ev.IncidentDeclared):
        assert apply(None, event).event_count == 1
        return
    try:
        apply(None, event)
    except InvalidEvent as exc:
        assert "not been declared" in exc.reason
    else:  # pragma: no cover - a failure
        raise AssertionError(f"{event.kind} applied to an undeclared incident")
