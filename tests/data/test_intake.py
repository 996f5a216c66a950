"""Alert intake against a real store (SQLite and PostgreSQL): dedup onto one incident, one transaction, nothing half-written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.alerts import AlertPayloadError, parse_alertmanager, parse_pagerduty
from warroom.data.alerts.intake import declare_with_alerts, parse_alerts, take_in
from warroom.data.models import Level, Severity, Status
from warroom.data.store import EventStore

PAYLOADS = Path(__file__).parent / "payloads"
SAMPLE = Path(__file__).resolve().parents[2] / "warroom" / "data" / "alerts" / "samples" / "alertmanager-checkout.json"


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    """The store of every test here: one run per engine (SQLite, PostgreSQL)."""
    return any_store


def load(name: str) -> object:
    return json.loads((PAYLOADS / name).read_text())


async def test_firing_alert_declares_an_incident(store: EventStore) -> None:
    alerts = parse_alertmanager(json.loads(SAMPLE.read_text()))
    [outcome] = await take_in(store, alerts, at=T0 + timedelta(hours=6), actor="oncall")
    assert outcome.action == "declared" and outcome.incident_id == "INC-2026-0001"
    incident = await store.load("INC-2026-0001")
    assert incident.title.startswith("CheckoutHighErrorRate")
    assert incident.severity is Severity.P1
    assert (incident.impact, incident.urgency) == (Level.HIGH, Level.MEDIUM)  # levels_for(P1)
    assert incident.detection_method == "alertmanager"
    assert incident.service == "checkout"
    assert incident.summary.startswith("checkout-api is returning 502/503")
    assert incident.detected_at == alerts[0].started_at  # when the alert started, not when we heard
    assert incident.reporter == "oncall"
    assert [a.fingerprint for a in incident.alerts] == ["alertmanager:4f9c2a1b7d3e8c05"]
    assert await store.incident_for_key("alertmanager:4f9c2a1b7d3e8c05") == "INC-2026-0001"


async def test_same_fingerprint_updates_the_same_incident_and_records_the_resolve(store: EventStore) -> None:
    await take_in(store, parse_alertmanager(json.loads(SAMPLE.read_text())), at=T0, actor="oncall")
    again = await take_in(store, parse_alertmanager(json.loads(SAMPLE.read_text())), at=T0 + timedelta(minutes=5), actor="oncall")
    resolved = await take_in(store, parse_alertmanager(load("alertmanager-resolved.json")), at=T0 + timedelta(minutes=30), actor="oncall")
    assert [o.action for o in again + resolved] == ["updated", "updated"]
    assert await store.incident_ids() == ["INC-2026-0001"]
    incident = await store.load("INC-2026-0001")
    assert [a.status for a in incident.alerts] == ["firing", "firing", "resolved"]
    assert incident.status is Status.DETECTED  # a human resolves the incident, not the alert
    kinds = [e.kind for e in await store.events("INC-2026-0001")]
    assert kinds == ["incident.declared", "alert.received", "alert.received", "alert.received"]


async def test_one_alertmanager_group_is_one_incident_at_the_severity_of_its_worst_alert(store: EventStore) -> None:
    outcomes = await take_in(store, parse_alertmanager(load("alertmanager-two.json")), at=T0, actor="oncall")
    assert [(o.action, o.incident_id) for o in outcomes] == [("declared", "INC-2026-0001"), ("updated", "INC-2026-0001")]
    (incident,) = await store.incidents()
    assert incident.severity is Severity.P1  # the second alert's priority label, not the first's warning
    assert len(incident.alerts) == 2


def _storm(group_key: str, count: int, status: str = "firing", start: int = 0) -> dict:
    return {"version": "4", "groupKey": group_key, "status": status, "receiver": "oncall", "alerts": [
        {"status": status, "labels": {"alertname": "PodNotReady", "severity": "critical", "pod": f"web-{i}"},
         "annotations": {"summary": f"web-{i} is not ready"}, "startsAt": "2026-11-20T09:00:00Z",
         "fingerprint": f"{i:016x}"} for i in range(start, start + count)]}  # fmt: skip


async def test_a_storm_of_one_rule_is_one_incident_and_other_groups_their_own(store: EventStore) -> None:
    rule = '{}/{team="web"}:{alertname="PodNotReady"}'
    outcomes = await take_in(store, parse_alertmanager(_storm(rule, 600)), at=T0, actor="alertmanager")
    assert {o.incident_id for o in outcomes} == {"INC-2026-0001"}
    assert [o.action for o in outcomes].count("declared") == 1
    later = await take_in(store, parse_alertmanager(_storm(rule, 5, start=600)), at=T0, actor="alertmanager")
    assert [(o.action, o.incident_id) for o in later] == [("updated", "INC-2026-0001")] * 5  # new pods, same group
    other = await take_in(store, parse_alertmanager(_storm('{}/{team="db"}:{alertname="PodNotReady"}', 3, start=5000)), at=T0,
                          actor="alertmanager")  # fmt: skip
    assert {o.incident_id for o in other} == {"INC-2026-0002"}
    assert len((await store.load("INC-2026-0001")).alerts) == 605


async def test_alerts_without_a_group_key_open_one_incident_per_fingerprint(store: EventStore) -> None:
    payload = _storm("", 3)
    outcomes = await take_in(store, parse_alertmanager(payload), at=T0, actor="alertmanager")
    assert [o.incident_id for o in outcomes] == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003"]


async def test_pagerduty_v2_then_v3_then_annotation_land_on_one_incident(store: EventStore) -> None:
    for name in ("pagerduty-v2-trigger.json", "pagerduty-v3-triggered.json", "pagerduty-v3-annotated.json",
                 "pagerduty-v2-resolve.json"):  # fmt: skip
        await take_in(store, parse_pagerduty(load(name)), at=T0, actor="oncall")
    assert await store.incident_ids() == ["INC-2026-0001"]
    incident = await store.load("INC-2026-0001")
    assert incident.detection_method == "pagerduty"
    assert [a.status for a in incident.alerts] == ["firing", "firing", "updated", "resolved"]


async def test_resolve_for_an_unknown_alert_is_skipped_not_declared(store: EventStore) -> None:
    [outcome] = await take_in(store, parse_pagerduty(load("pagerduty-v2-resolve.json")), at=T0, actor="oncall")
    assert outcome.action == "skipped" and "no incident holds this alert" in outcome.reason
    assert await store.incident_ids() == []


async def test_firing_alert_for_a_closed_incident_opens_a_new_one(store: EventStore) -> None:
    alerts = parse_alertmanager(json.loads(SAMPLE.read_text()))
    await take_in(store, alerts, at=T0, actor="oncall")
    await store.append(ev.IncidentResolved(incident_id="INC-2026-0001", at=T0 + timedelta(hours=1), resolution="rolled back"))
    await store.append(ev.IncidentClosed(incident_id="INC-2026-0001", at=T0 + timedelta(hours=2)))
    resolved = await take_in(store, parse_alertmanager(load("alertmanager-resolved.json")), at=T0 + timedelta(hours=3), actor="x")
    assert resolved[0].action == "skipped" and "INC-2026-0001 is closed" in resolved[0].reason
    [outcome] = await take_in(store, alerts, at=T0 + timedelta(hours=4), actor="oncall")
    assert outcome.action == "declared" and outcome.incident_id == "INC-2026-0002"
    assert await store.incident_for_key(alerts[0].fingerprint) == "INC-2026-0002"
    assert len((await store.load("INC-2026-0001")).alerts) == 1


async def test_resolved_incident_still_records_alerts(store: EventStore) -> None:
    await take_in(store, parse_alertmanager(json.loads(SAMPLE.read_text())), at=T0, actor="oncall")
    await store.append(ev.IncidentResolved(incident_id="INC-2026-0001", at=T0 + timedelta(hours=1)))
    [outcome] = await take_in(store, parse_alertmanager(load("alertmanager-resolved.json")), at=T0 + timedelta(hours=2), actor="x")
    assert outcome.action == "updated" and outcome.incident_id == "INC-2026-0001"


async def test_a_failing_alert_rolls_back_the_whole_payload(store: EventStore) -> None:
    alerts = parse_alertmanager(load("alertmanager-two.json"))
    # The second alert fails inside the transaction (a naive start time cannot be compared), after the
    # first one has already declared its incident and bound its key: all of it must roll back.
    broken = alerts[1].model_copy(update={"started_at": datetime(2026, 11, 23, 8, 0)})
    with pytest.raises(TypeError):
        await take_in(store, [alerts[0], broken], at=T0, actor="oncall")
    assert await store.incident_ids() == []
    assert await store.last_seq() == 0
    assert await store.incident_for_key(alerts[0].fingerprint) is None


async def test_declare_with_alerts_binds_the_keys(store: EventStore) -> None:
    alerts = parse_pagerduty(load("pagerduty-v2-trigger.json"))
    declared, outcomes = await declare_with_alerts(
        store, alerts, at=T0, actor="dana", title="Orders DB lagging", severity=Severity.P1,
        impact=Level.HIGH, urgency=Level.MEDIUM,
    )  # fmt: skip
    assert declared.incident_id == "INC-2026-0001" and outcomes[0].action == "updated"
    [later] = await take_in(store, parse_pagerduty(load("pagerduty-v2-resolve.json")), at=T0, actor="x")
    assert later.incident_id == "INC-2026-0001"


def test_parse_alerts_auto_detects_and_names_the_file() -> None:
    assert parse_alerts(SAMPLE.read_bytes(), "auto")[0].source == "alertmanager"
    assert parse_alerts((PAYLOADS / "pagerduty-v3-triggered.json").read_bytes(), "auto")[0].source == "pagerduty-webhook-v3"
    with pytest.raises(AlertPayloadError, match=r"^alerts\.json: alerts\[0\]\.labels is missing"):
        parse_alerts(b'{"version": "4", "alerts": [{"status": "firing"}]}', "alertmanager", "alerts.json")


async def test_huge_description_is_cut_to_fit_not_refused(store: EventStore) -> None:
    doc = json.loads(SAMPLE.read_text())
    doc["alerts"][0]["annotations"]["description"] = "x" * 1_000_000
    [outcome] = await take_in(store, parse_alertmanager(doc), at=T0, actor="oncall")
    assert len((await store.load(outcome.incident_id or "")).summary) == ev.MAX_TEXT
