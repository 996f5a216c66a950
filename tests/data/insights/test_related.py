"""Related incidents are recorded once per change and reach the knowledge-base article."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.export import render_incident
from warroom.data.insights.related import SECTION, record_related
from warroom.data.models import Severity
from warroom.data.store import EventStore


async def _incident(store: EventStore, at, title: str, service: str, resolution: str = "") -> str:
    declared = await store.declare(at, title=title, service=service, severity=Severity.P1)
    if resolution:
        await store.append(ev.IncidentResolved(incident_id=declared.incident_id, at=at + timedelta(hours=1), resolution=resolution))
        await store.append(ev.IncidentClosed(incident_id=declared.incident_id, at=at + timedelta(hours=2)))
    return declared.incident_id


async def test_similar_past_incident_is_recorded_once_and_exported(store: EventStore, tmp_path: Path) -> None:
    old = await _incident(store, T0 - timedelta(days=20), "checkout-api 5xx: db connection pool exhausted", "checkout-api",
                          "rolled back the pool size change")  # fmt: skip
    await _incident(store, T0 - timedelta(days=10), "search latency high", "search", "scaled the cluster")
    new = await _incident(store, T0, "checkout-api 5xx: connection pool timeouts", "checkout-api")

    matches = await record_related(store, new, now=T0)
    assert matches and matches[0].incident_id == old
    state = await store.load(new)
    assert old in state.review[SECTION]
    count = state.event_count
    await record_related(store, new, now=T0 + timedelta(minutes=5))  # unchanged: nothing new recorded
    assert (await store.load(new)).event_count == count

    kb = render_incident(await store.events(new))["knowledge-base-article.md"]
    assert old in kb


async def test_nothing_recorded_without_history(store: EventStore) -> None:
    only = await _incident(store, T0, "first ever incident", "svc")
    assert await record_related(store, only, now=T0) == []
    assert SECTION not in (await store.load(only)).review
