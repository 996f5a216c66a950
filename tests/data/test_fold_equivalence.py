"""``fold`` (in-place on a private copy) gives exactly what repeated ``apply`` gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import InvalidEvent, apply, fold
from warroom.data.models import Level, Severity

ID = "INC-2026-0007"


def _event(i: int, choice: int) -> ev.BaseEvent:
    at = T0 + timedelta(seconds=i)
    return [
        lambda: ev.NoteAdded(incident_id=ID, at=at, text=f"n{i}"),
        lambda: ev.AgentStepStarted(incident_id=ID, at=at, run_id=f"r{i % 3}", step_id="s"),
        lambda: ev.AgentStepOutput(incident_id=ID, at=at, run_id=f"r{i % 3}", text="x"),
        lambda: ev.SeveritySet(incident_id=ID, at=at, severity=Severity.P1, impact=Level.HIGH, urgency=Level.MEDIUM),
        lambda: ev.IncidentResolved(incident_id=ID, at=at),
        lambda: ev.IncidentReopened(incident_id=ID, at=at),
        lambda: ev.Acknowledged(incident_id=ID, at=at),
    ][choice]()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), max_size=40))
def test_fold_matches_apply_and_never_mutates_its_input(choices: list[int]) -> None:
    start = apply(None, ev.IncidentDeclared(incident_id=ID, at=T0, title="t"))
    accepted: list[ev.BaseEvent] = []
    state = start
    for i, choice in enumerate(choices):
        event = _event(i, choice)
        try:
            state = apply(state, event)
        except InvalidEvent:
            continue
        accepted.append(event)
    before = start.model_dump()
    assert fold(start, accepted) == state
    assert start.model_dump() == before
    # Folding on from a state that already holds runs (a cached incident catching up) leaves it untouched.
    for cut in (len(accepted) // 3, len(accepted) // 2):
        middle = fold(start, accepted[:cut])
        assert middle is not None
        kept = middle.model_dump()
        assert fold(middle, accepted[cut:]) == state
        assert middle.model_dump() == kept


def test_a_refused_event_in_fold_raises_and_leaves_the_input_alone() -> None:
    start = apply(None, ev.IncidentDeclared(incident_id=ID, at=T0, title="t"))
    before = start.model_dump()
    with pytest.raises(InvalidEvent):
        fold(start, [ev.NoteAdded(incident_id=ID, at=T0, text="a"), ev.IncidentClosed(incident_id=ID, at=T0)])
    assert start.model_dump() == before
