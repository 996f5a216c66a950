"""Escalation path blocked at Tier 2 and Tier 3: the tier's owner who never shows up on the timeline.

The owner of a tier (Tier 2: the chain's secondary, else its component owner; Tier 3: its architect,
else a component owner who is not Tier 2's) is expected to write *some* event once paged. Silence past
the acknowledge window records them unavailable, once, and the blocked-escalation branch proposes the
cover and the engineering manager. Everything runs on an injected clock.
"""

from __future__ import annotations

import pytest

from tests.agents.branches.conftest import ROSTER_TOML, at, declare, fold
from warroom.agents.branches import apply_branches, evaluate_branches
from warroom.agents.branches.overrun import tier_owner
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.fold import replay
from warroom.data.models import Incident, Severity
from warroom.data.policy import DEFAULT_POLICY

ID = "INC-2026-0001"


def paged(tier_at: float = 10, tier: int = 2, **extra: list[ev.BaseEvent]) -> Incident:
    """A P1 on checkout (acknowledge window 5 min) acknowledged by bob, escalated to ``tier`` at ``tier_at``."""
    events: list[ev.BaseEvent] = [
        ev.Acknowledged(incident_id=ID, at=at(1), actor="bob"),
        *extra.get("before", []),
        ev.TierEscalated(incident_id=ID, at=at(tier_at), actor="bob", tier=tier, reason="database expertise needed"),
        *extra.get("after", []),
    ]
    return fold(declare(), events)


def evaluate(state: Incident, minutes: float, roster) -> list[ev.BaseEvent]:  # type: ignore[no-untyped-def]
    return evaluate_branches(state, at(minutes), DEFAULT_POLICY, roster, open_incidents=[])


def test_silent_tier2_owner_is_marked_unavailable_once_with_the_cover_and_the_manager_notified(roster) -> None:
    state = paged()
    assert evaluate(state, 15, roster) == []  # the window (5 min from 09:10) has not passed
    events = evaluate(state, 16, roster)
    assert [e.kind for e in events] == ["person.unavailable", "branch.raised", "notification.drafted"]
    gone, raised, draft = events
    assert (gone.person, gone.role, gone.backup) == ("carol", "secondary", "dave")
    assert gone.reason == "did not acknowledge the Tier 2 page within 5m"
    assert raised.branch == "escalation_blocked" and "carol (secondary) unavailable" in raised.reason
    assert draft.recipients == ["Dave Kim (dave)", "Alice Ng (alice, alice@example.com)"]  # the cover, then the EM
    assert "Backup proposed: Dave Kim" in draft.text and "Engineering manager for alternate assignment: Alice Ng" in draft.text
    state = fold(state, events)
    assert state.unavailable == {"carol": "did not acknowledge the Tier 2 page within 5m"}
    assert evaluate(state, 17, roster) == [] and evaluate(state, 200, roster) == []  # exactly once


@pytest.mark.parametrize("actor, minutes", [("carol", 12), ("carol", 10)])
def test_tier2_owner_who_wrote_anything_in_time_is_not_marked(roster, actor, minutes) -> None:
    note = ev.NoteAdded(incident_id=ID, at=at(minutes), actor=actor, text="looking at the replica lag")
    state = paged(after=[note])
    assert state.last_seen[actor] == at(minutes)
    assert evaluate(state, 60, roster) == []


def test_an_event_from_before_the_page_does_not_count(roster) -> None:
    early = ev.NoteAdded(incident_id=ID, at=at(5), actor="carol", text="fyi, on call today")
    state = paged(before=[early])
    (gone,) = [e for e in evaluate(state, 16, roster) if isinstance(e, ev.PersonUnavailable)]
    assert gone.person == "carol"


def test_tier3_owner_is_not_the_tier2_owner(roster) -> None:
    assert tier_owner(roster, "checkout", 2) == ("carol", "secondary")
    assert tier_owner(roster, "checkout", 3) == ("dave", "component_owner")  # no architect in the chain
    no_secondary = parse_config(ROSTER_TOML.replace('{ step = "secondary", person = "carol" },',
                                                    '{ step = "component_owner", person = "frank" },')).roster
    assert tier_owner(no_secondary, "checkout", 2) == ("frank", "component_owner")
    assert tier_owner(no_secondary, "checkout", 3) == ("dave", "component_owner")  # never frank twice
    architect = parse_config(ROSTER_TOML.replace('{ step = "cto", person = "erin" },',
                                                 '{ step = "architect", person = "frank" },')).roster
    assert tier_owner(architect, "checkout", 3) == ("frank", "architect")
    assert tier_owner(roster, "checkout", 1) is None and tier_owner(roster, "no-chain", 2) is None


def test_silent_tier3_owner_is_marked_and_the_tier2_owner_who_answered_is_not(roster) -> None:
    answered = ev.NoteAdded(incident_id=ID, at=at(11), actor="carol", text="replica is fine")
    tier3 = ev.TierEscalated(incident_id=ID, at=at(20), actor="carol", tier=3, reason="needs the component owner")
    state = paged(after=[answered, tier3])
    assert evaluate(state, 25, roster) == []
    gone = [e for e in evaluate(state, 26, roster) if isinstance(e, ev.PersonUnavailable)]
    assert [(e.person, e.role, e.reason) for e in gone] == [
        ("dave", "component_owner", "did not acknowledge the Tier 3 page within 5m")]


def test_without_a_chain_nobody_is_marked() -> None:
    empty = parse_config("").roster
    assert tier_owner(empty, "checkout", 2) is None
    assert evaluate(paged(), 60, empty) == []


async def test_through_the_store_once_and_on_the_timeline(store, roster) -> None:
    declared = await store.declare(at(0), title="Checkout 5xx", severity=Severity.P1, service="checkout")
    iid = declared.incident_id
    await store.append_many([ev.Acknowledged(incident_id=iid, at=at(1), actor="bob"),
                             ev.TierEscalated(incident_id=iid, at=at(10), actor="bob", tier=2, reason="db")])
    written = await apply_branches(store, iid, at(16), roster=roster)
    assert [e.kind for e in written] == ["person.unavailable", "branch.raised", "notification.drafted"]
    assert await apply_branches(store, iid, at(20), roster=roster) == []
    events = await store.events(iid)
    assert [e.person for e in events if isinstance(e, ev.PersonUnavailable)] == ["carol"]
    replayed = replay(events)
    assert replayed is not None and replayed == await store.load(iid)
    assert replayed.last_seen == {"warroom": at(16), "bob": at(10)}
