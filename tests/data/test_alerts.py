"""Parsing Alertmanager and PagerDuty payloads, and refusing malformed ones with a clear reason."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data.alerts import AlertPayloadError, decode_json, parse_alertmanager, parse_pagerduty, read_payload_bytes
from warroom.data.alerts import severity as sev
from warroom.data.alerts.payload import MAX_PAYLOAD_BYTES
from warroom.data.models import Severity

PAYLOADS = Path(__file__).parent / "payloads"
SAMPLE = Path(__file__).resolve().parents[2] / "warroom" / "data" / "alerts" / "samples" / "alertmanager-checkout.json"


def load(name: str) -> object:
    return json.loads((PAYLOADS / name).read_text())


def test_alertmanager_bundled_sample() -> None:
    [alert] = parse_alertmanager(json.loads(SAMPLE.read_text()))
    assert alert.source == "alertmanager"
    assert alert.fingerprint == "alertmanager:4f9c2a1b7d3e8c05"
    assert alert.title == "CheckoutHighErrorRate: Checkout 5xx error rate above 5% for 5 minutes"
    assert alert.severity is Severity.P1 and alert.source_severity == "critical"
    assert alert.status == "firing" and alert.ended_at is None
    assert alert.started_at == datetime(2026, 11, 23, 14, 7, 31, 512000, tzinfo=timezone.utc)
    assert alert.service == "checkout"
    assert alert.labels["cluster"] == "prod-eu-west-1"
    assert "runbooks.example.com" in alert.links[1] and alert.links[0].startswith("https://prometheus.")
    assert alert.raw["alert"]["fingerprint"] == "4f9c2a1b7d3e8c05"
    assert alert.raw["group"]["groupKey"].startswith("{}/{team=")


def test_alertmanager_several_alerts_priority_label_and_nanoseconds() -> None:
    first, second = parse_alertmanager(load("alertmanager-two.json"))
    assert first.severity is Severity.P2  # warning
    assert second.severity is Severity.P1 and second.source_severity == "info"  # priority label wins
    assert first.started_at == datetime(2026, 11, 23, 7, 55, 0, 123456, tzinfo=timezone.utc)
    assert first.fingerprint != second.fingerprint


def test_alertmanager_resolved_keeps_end_time() -> None:
    [alert] = parse_alertmanager(load("alertmanager-resolved.json"))
    assert alert.status == "resolved"
    assert alert.ended_at == datetime(2026, 11, 23, 14, 41, 1, tzinfo=timezone.utc)


def test_alertmanager_without_fingerprint_gets_a_stable_one_from_labels() -> None:
    doc = load("alertmanager-two.json")
    for item in doc["alerts"]:  # type: ignore[index]
        del item["fingerprint"]
    a = parse_alertmanager(doc)
    b = parse_alertmanager(json.loads(json.dumps(doc)))
    assert a[0].fingerprint == b[0].fingerprint != a[1].fingerprint


def test_pagerduty_v2_trigger() -> None:
    [alert] = parse_pagerduty(load("pagerduty-v2-trigger.json"))
    assert alert.source == "pagerduty-events-v2"
    assert alert.fingerprint == "pagerduty:db-primary-replication-lag"
    assert alert.severity is Severity.P1 and alert.source_severity == "error"
    assert alert.status == "firing"
    assert alert.service == "orders"
    assert alert.annotations["lag_seconds"] == "342"
    assert alert.links == ["https://grafana.example.com/d/orders-db", "https://grafana.example.com/d/orders-db",
                           "https://grafana.example.com"]  # fmt: skip
    assert alert.raw["routing_key"] == "<redacted>"  # the integration key is a secret


def test_pagerduty_v2_resolve_needs_no_payload() -> None:
    [alert] = parse_pagerduty(load("pagerduty-v2-resolve.json"))
    assert alert.status == "resolved" and alert.fingerprint == "pagerduty:db-primary-replication-lag"


def test_pagerduty_v3_incident_shares_the_v2_key() -> None:
    [alert] = parse_pagerduty(load("pagerduty-v3-triggered.json"))
    assert alert.source == "pagerduty-webhook-v3"
    assert alert.fingerprint == "pagerduty:db-primary-replication-lag"
    assert alert.severity is Severity.P2 and alert.source_severity == "P2"
    assert alert.labels["pagerduty_incident"] == "Q2KN0D6NW2EVXY"
    assert alert.service == "orders"
    assert alert.links[0] == "https://acme.pagerduty.com/incidents/Q2KN0D6NW2EVXY"


def test_pagerduty_v3_annotation_names_the_incident() -> None:
    [alert] = parse_pagerduty(load("pagerduty-v3-annotated.json"))
    assert alert.status == "updated"
    assert alert.fingerprint == "pagerduty-incident:Q2KN0D6NW2EVXY"
    assert alert.annotations == {"content": "Failing over to replica 1."}


def test_pagerduty_list_of_events() -> None:
    alerts = parse_pagerduty([load("pagerduty-v2-trigger.json"), load("pagerduty-v2-resolve.json")])
    assert [a.status for a in alerts] == ["firing", "resolved"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("critical", "P1"), ("PAGE", "P1"), ("error", "P1"), ("warning", "P2"), ("info", "P3"), ("none", "P3"),
     ("", "P3"), ("bananas", "P2")],
)  # fmt: skip
def test_severity_table(word: str, expected: str) -> None:
    assert sev.from_word(word).value == expected


def test_priority_and_urgency() -> None:
    assert sev.from_priority("P0") is Severity.P0
    assert sev.from_priority("p5") is Severity.P3
    assert sev.from_priority("SEV1") is Severity.P1
    assert sev.from_priority("urgent") is None
    assert sev.from_urgency("high") is Severity.P1 and sev.from_urgency("low") is Severity.P3


def _am(**change: object) -> dict:
    doc = load("alertmanager-two.json")
    doc.update(change)  # type: ignore[union-attr]
    return doc  # type: ignore[return-value]


def _am_alert(index: int, **change: object) -> dict:
    doc = load("alertmanager-two.json")
    doc["alerts"][index].update(change)  # type: ignore[index]
    return doc  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "the payload must be an object, got a list"),
        (_am(version="3"), "version '3' is not supported"),
        (_am(version=4), "version must be text, got a number"),
        ({"alerts": []}, "version is missing"),
        (_am(alerts={}), "alerts must be a list, got an object"),
        (_am(alerts=[]), "alerts is empty"),
        (_am(alerts=None), "alerts is missing"),
        (_am_alert(1, labels={"severity": 3}), "alerts[1].labels.severity must be text, got a number"),
        (_am_alert(0, labels=None), "alerts[0].labels is missing"),
        (_am_alert(0, status="burning"), "alerts[0].status must be \"firing\" or \"resolved\""),
        (_am_alert(1, startsAt="yesterday"), "alerts[1].startsAt is not a timestamp"),
        (_am_alert(1, startsAt="2026-11-23T10:00:00"), "alerts[1].startsAt has no timezone"),
        (_am_alert(0, annotations=["x"]), "alerts[0].annotations must be an object, got a list"),
        (_am(commonLabels={"a": True}), "commonLabels.a must be text, got true/false"),
    ],
)
def test_alertmanager_malformed(document: object, message: str) -> None:
    with pytest.raises(AlertPayloadError) as info:
        parse_alertmanager(document)
    assert message in str(info.value)


def _v2(**change: object) -> dict:
    doc = load("pagerduty-v2-trigger.json")
    doc.update(change)  # type: ignore[union-attr]
    return doc  # type: ignore[return-value]


def _v2_payload(**change: object) -> dict:
    doc = load("pagerduty-v2-trigger.json")
    doc["payload"].update(change)  # type: ignore[index]
    return doc  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"hello": 1}, "neither a PagerDuty Events API v2 event"),
        (_v2(event_action="explode"), "event_action must be trigger, acknowledge or resolve"),
        (_v2(routing_key=None), "routing_key is missing"),
        (_v2(payload="x"), "payload must be an object, got text"),
        (_v2_payload(summary=None), "payload.summary is missing"),
        (_v2_payload(severity="fatal"), "payload.severity must be one of critical, error, warning, info"),
        (_v2_payload(timestamp=12), "payload.timestamp must be text, got a number"),
        (_v2(links=[{"href": 1}]), "links[0].href must be text, got a number"),
        (_v2(event_action="resolve", dedup_key=None), "dedup_key is missing"),
        (_v2(dedup_key="k" * 256), "dedup_key is longer than 255 characters"),
        ([], "empty list"),
        ([load("pagerduty-v2-trigger.json"), 7], "[1] must be an object, got a number"),
        ({"event": {"event_type": "pagey.ping", "data": {}}}, "is not an incident event"),
        ({"event": {"event_type": "incident.triggered"}}, "event.data is missing"),
        ({"event": {"event_type": "incident.triggered", "data": {"type": "incident"}}}, "event.data.id is missing"),
        ({"event": {"event_type": "incident.triggered", "data": {"id": "X", "priority": "P1"}}},
         "event.data.priority must be an object, got text"),
        ({"event": "incident.triggered"}, "event must be an object, got text"),
    ],
)  # fmt: skip
def test_pagerduty_malformed(document: object, message: str) -> None:
    with pytest.raises(AlertPayloadError) as info:
        parse_pagerduty(document)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b'{"version": "4", "alerts": [', "is not valid JSON"),
        (b"\xff\xfe\x00garbage", "is not UTF-8"),
        (b'{"a": "\x00"}', "NUL bytes"),
        (b'{"version": "4", "version": "4"}', "the key 'version' twice"),
        (b'{"x": NaN}', "NaN"),
        (b'{"x": [Infinity]}', "Infinity"),
        (b"[" * 100 + b"]" * 100, "nested too deeply"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_decode_refuses(data: bytes, message: str) -> None:
    with pytest.raises(AlertPayloadError) as info:
        decode_json(data, "alerts.json")
    assert message in str(info.value) and "alerts.json" in str(info.value)


def test_decode_accepts_a_byte_order_mark() -> None:
    assert decode_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_oversized_file_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_PAYLOAD_BYTES + 1)
    with pytest.raises(AlertPayloadError, match="larger than the 5 MiB limit"):
        read_payload_bytes(big)


def test_oversized_stdin_refused() -> None:
    stream = io.BytesIO(b" " * (MAX_PAYLOAD_BYTES + 10))
    with pytest.raises(AlertPayloadError, match="standard input is larger than"):
        read_payload_bytes("-", stdin=stream)


def test_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(AlertPayloadError, match="is a directory"):
        read_payload_bytes(tmp_path)
