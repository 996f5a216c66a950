"""``Incident.last_seen``: who last wrote, and when; the in-place fold keeps it equal to repeated ``apply``."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import apply, fold, replay

ID = "INC-2026-0008"


def test_each_actor_maps_to_the_time_of_their_latest_event() -> None:
    state = replay([
        ev.IncidentDeclared(incident_id=ID, at=T0, title="t", actor="alertmanager"),
        ev.NoteAdded(incident_id=ID, at=T0 + timedelta(minutes=1), actor="carol", text="a"),
        ev.Acknowledged(incident_id=ID, at=T0 + timedelta(minutes=2), actor="bob"),
        ev.NoteAdded(incident_id=ID, at=T0 + timedelta(minutes=3), actor="carol", text="b"),
    ])  # fmt: skip
    assert state is not None
    assert state.last_seen == {"alertmanager": T0, "bob": T0 + timedelta(minutes=2), "carol": T0 + timedelta(minutes=3)}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["alice", "bob", "carol", "warroom"]), max_size=30))
def test_fold_matches_apply_and_leaves_the_given_state_alone(actors: list[str]) -> None:
    start = apply(None, ev.IncidentDeclared(incident_id=ID, at=T0, title="t", actor="alice"))
    events = [ev.NoteAdded(incident_id=ID, at=T0 + timedelta(seconds=i + 1), actor=a, text="n") for i, a in enumerate(actors)]
    state = start
    for event in events:
        before = dict(state.last_seen)
        after = apply(state, event)
        assert state.last_seen == before  # apply never mutates the state it is given
        state = after
    assert fold(start, events) == state
    assert start.last_seen == {"alice": T0}
    assert set(state.last_seen) == {"alice", *actors}
