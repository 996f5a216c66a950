"""Recurrence: same root cause within 90 days is marked on both incidents; a near-miss is not."""

from __future__ import annotations

from datetime import timedelta

from tests.data.insights.conftest import NOW
from warroom.data import events as ev
from warroom.data.describe import describe_event
from warroom.data.insights import check_recurrence
from warroom.data.models import ActionStatus, Severity
from warroom.data.store import EventStore

CAUSE = "Connection pool exhausted because the retry storm from the cart worker held database connections"


async def closed_incident(store: EventStore, at, *, service: str, cause: str, where: str = "review",
                          close: bool = True, actions: dict[str, ActionStatus] | None = None) -> str:  # fmt: skip
    declared = await store.declare(at, title=f"{service} down", severity=Severity.P1, service=service)
    iid = declared.incident_id
    batch: list[ev.BaseEvent] = []
    if where == "five_whys":
        batch += [ev.AgentStepStarted(incident_id=iid, at=at, run_id="rca", step_id="five_whys"),
                  ev.AgentStepFinished(incident_id=iid, at=at, run_id="rca",
                                       structured={"problem": "x", "whys": [], "root_cause": cause})]  # fmt: skip
    elif where == "review":
        batch.append(ev.ReviewUpdated(incident_id=iid, at=at, section="root_cause", text=cause))
    batch.append(ev.IncidentResolved(incident_id=iid, at=at + timedelta(hours=1),
                                     resolution=cause if where == "resolution" else "fixed"))  # fmt: skip
    for item, status in (actions or {}).items():
        batch.append(ev.ActionItemAdded(incident_id=iid, at=at + timedelta(hours=2), item_id=item,
                                        title=f"do {item}", status=status))  # fmt: skip
    if close:
        batch.append(ev.IncidentClosed(incident_id=iid, at=at + timedelta(hours=3)))
    await store.append_many(batch)
    return iid


async def test_recurrence_is_marked_on_both_and_names_open_actions(store: EventStore) -> None:
    first = await closed_incident(store, NOW - timedelta(days=40), service="checkout", cause=CAUSE, where="five_whys",
                                  actions={"A1": ActionStatus.DONE, "A2": ActionStatus.OPEN,
                                           "A3": ActionStatus.IN_PROGRESS, "A4": ActionStatus.CANCELLED})  # fmt: skip
    near = await closed_incident(store, NOW - timedelta(days=20), service="checkout",
                                 cause="Expired TLS certificate on the checkout load balancer")  # fmt: skip
    again = await closed_incident(store, NOW - timedelta(hours=5), service="checkout", where="resolution",
                                  cause="The cart worker retry storm exhausted the connection pool, holding database connections")  # fmt: skip

    found = await check_recurrence(store, again, now=NOW)
    assert found is not None and found.recorded
    assert (found.earlier_id, found.open_actions) == (first, ["A2", "A3"])
    assert found.similarity >= 0.6
    later = [e for e in await store.events(again) if isinstance(e, ev.RecurrenceMarked)]
    earlier = [e for e in await store.events(first) if isinstance(e, ev.RecurrenceMarked)]
    assert [(e.role, e.related_incident) for e in later] == [("recurrence", first)]
    assert [(e.role, e.related_incident) for e in earlier] == [("recurred", again)]
    assert "A2, A3" in describe_event(later[0]) and first in describe_event(later[0])

    assert await check_recurrence(store, near, now=NOW) is None  # same service, different cause
    repeat = await check_recurrence(store, again, now=NOW)
    assert repeat is not None and not repeat.recorded
    assert len([e for e in await store.events(first) if isinstance(e, ev.RecurrenceMarked)]) == 1


async def test_no_recurrence_after_90_days_open_or_without_cause(store: EventStore) -> None:
    await closed_incident(store, NOW - timedelta(days=120), service="search", cause=CAUSE)
    late = await closed_incident(store, NOW - timedelta(hours=5), service="search", cause=CAUSE)
    assert await check_recurrence(store, late, now=NOW) is None
    blank = await closed_incident(store, NOW - timedelta(hours=4), service="search", cause="", where="none")
    assert await check_recurrence(store, blank, now=NOW) is None
    declared = await store.declare(NOW, title="still open", service="search")
    assert await check_recurrence(store, declared.incident_id, now=NOW) is None


async def test_the_fold_refuses_a_self_mark_and_an_open_incident(store: EventStore) -> None:
    import pytest

    from warroom.data.fold import InvalidEvent

    declared = await store.declare(NOW, title="open one")
    iid = declared.incident_id
    with pytest.raises(InvalidEvent, match="resolved or closed"):
        await store.append(ev.RecurrenceMarked(incident_id=iid, at=NOW, related_incident="INC-2026-0099", role="recurred"))
    await store.append(ev.IncidentResolved(incident_id=iid, at=NOW))
    with pytest.raises(InvalidEvent, match="itself"):
        await store.append(ev.RecurrenceMarked(incident_id=iid, at=NOW, related_incident=iid, role="recurrence"))
