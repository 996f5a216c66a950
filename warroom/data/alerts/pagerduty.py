"""PagerDuty Events API v2 events and webhook v3 payloads to normalised alerts.

* Events API v2 (``routing_key``, ``event_action`` trigger/acknowledge/resolve,
  ``dedup_key``, ``payload.summary/source/severity/...``): the dedup key is the
  alert's key (``pagerduty:<dedup_key>``). The routing key is an integration
  secret and is redacted from the kept raw payload.
* Webhook v3 (``{"event": {"event_type": "incident.triggered", "data": {...}}}``):
  the incident's ``incident_key`` (the v2 dedup key that opened it) is the key,
  so a v2 trigger and the v3 webhook of the same alert land on one incident;
  the PagerDuty incident id is kept as a second key for events (annotations,
  status updates) that only name the incident.

A file may hold one event or a JSON list of events; :func:`parse_pagerduty`
tells v2 from v3 by shape.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from warroom.data.alerts import payload as p
from warroom.data.alerts import severity as sev
from warroom.data.models import NormalisedAlert, Severity

EVENTS_V2 = "pagerduty-events-v2"
WEBHOOK_V3 = "pagerduty-webhook-v3"
KEY_PREFIX = "pagerduty:"
INCIDENT_PREFIX = "pagerduty-incident:"
V2_ACTIONS = {"trigger": "firing", "acknowledge": "acknowledged", "resolve": "resolved"}
V2_SEVERITIES = ("critical", "error", "warning", "info")
V3_STATUS = {
    "incident.triggered": "firing", "incident.reopened": "firing", "incident.unacknowledged": "firing",
    "incident.acknowledged": "acknowledged", "incident.resolved": "resolved",
}  # fmt: skip
INCIDENT_STATUS = {"triggered": "firing", "acknowledged": "acknowledged", "resolved": "resolved"}


def parse_pagerduty(document: Any) -> list[NormalisedAlert]:
    """Alerts from one v2 event, one v3 webhook payload, or a list of either."""
    if isinstance(document, list):
        if not document:
            raise p.AlertPayloadError("the payload is an empty list: it holds no event")
        return [alert for i, item in enumerate(document) for alert in _one(item, f"[{i}]")]
    return _one(document, "")


def _one(document: Any, path: str) -> list[NormalisedAlert]:
    body = p.obj(document, path)
    if "event" in body:
        return [parse_webhook_v3(body, path)]
    if "event_action" in body or "routing_key" in body:
        return [parse_event_v2(body, path)]
    raise p.AlertPayloadError(
        f"{path or 'the payload'} is neither a PagerDuty Events API v2 event (event_action) nor a webhook v3 payload (event)"
    )


def parse_event_v2(body: dict[str, Any], path: str = "") -> NormalisedAlert:
    """One Events API v2 event."""
    p.text(body, "routing_key", path, required=True)
    action = p.text(body, "event_action", path, required=True)
    if action not in V2_ACTIONS:
        raise p.AlertPayloadError(
            f"{p.where(path, 'event_action')} must be trigger, acknowledge or resolve, got {action[:40]!r}"
        )
    dedup_key = p.text(body, "dedup_key", path)
    if len(dedup_key) > 255:
        raise p.AlertPayloadError(f"{p.where(path, 'dedup_key')} is longer than 255 characters")
    event = p.field(body, "payload", path, dict, required=action == "trigger") or {}
    where = p.where(path, "payload")
    summary = p.text(event, "summary", where, required=action == "trigger")
    source = p.text(event, "source", where, required=action == "trigger")
    severity_word = p.text(event, "severity", where, required=action == "trigger")
    if severity_word and severity_word not in V2_SEVERITIES:
        raise p.AlertPayloadError(
            f"{where}.severity must be one of {', '.join(V2_SEVERITIES)}, got {severity_word[:40]!r}"
        )
    if not dedup_key:
        if action != "trigger":
            raise p.AlertPayloadError(f"{p.where(path, 'dedup_key')} is missing (an {action} must name the alert)")
        dedup_key = _derived_key(body["routing_key"], summary, source)
    component = p.text(event, "component", where)
    group = p.text(event, "group", where)
    klass = p.text(event, "class", where)
    details_value = event.get("custom_details")
    details = p.flat_map(details_value) if isinstance(details_value, dict) else {}
    if details_value is not None and not isinstance(details_value, dict):
        details = {"details": details_value if isinstance(details_value, str) else json.dumps(details_value)}
    labels = {k: v for k, v in {"source": source, "component": component, "group": group, "class": klass,
                                "severity": severity_word}.items() if v}  # fmt: skip
    links = _hrefs(body, "links", path) + _hrefs(body, "images", path, also="src")
    client_url = p.text(body, "client_url", path)
    if client_url:
        links.append(client_url)
    service = details.get("service", "") if isinstance(details.get("service"), str) else ""
    raw = dict(body)
    raw["routing_key"] = "<redacted>"
    return NormalisedAlert(
        source=EVENTS_V2,
        fingerprint=KEY_PREFIX + dedup_key,
        title=(summary or f"PagerDuty alert {dedup_key}")[:500],
        severity=sev.from_word(severity_word) if severity_word else sev.UNKNOWN_SEVERITY,
        source_severity=severity_word,
        status=V2_ACTIONS[action],
        started_at=p.timestamp(event, "timestamp", where),
        service=service or group or component or source,
        labels=labels,
        annotations=details,
        links=links,
        raw=raw,
    )


def _derived_key(routing_key: str, summary: str, source: str) -> str:
    """PagerDuty makes up a dedup key when a trigger has none; ours is stable for the same alert."""
    digest = hashlib.sha256("\x1f".join((routing_key, source, summary)).encode("utf-8")).hexdigest()
    return f"derived-{digest[:24]}"


def _hrefs(body: dict[str, Any], key: str, path: str, also: str = "") -> list[str]:
    items = p.field(body, key, path, list, required=False) or []
    found: list[str] = []
    for index, item in enumerate(items):
        at = f"{p.where(path, key)}[{index}]"
        entry = p.obj(item, at)
        href = p.text(entry, "href", at) or (p.text(entry, also, at) if also else "")
        if href:
            found.append(href)
    return found


def parse_webhook_v3(body: dict[str, Any], path: str = "") -> NormalisedAlert:
    """One webhook v3 payload (``{"event": {...}}``) about an incident."""
    where = p.where(path, "event")
    event = p.obj(p.field(body, "event", path, dict, required=True), where)
    event_type = p.text(event, "event_type", where, required=True)
    if not event_type.startswith("incident."):
        raise p.AlertPayloadError(
            f"{where}.event_type {event_type[:60]!r} is not an incident event; only incident.* webhooks are taken in"
        )
    occurred = p.timestamp(event, "occurred_at", where)
    data_at = f"{where}.data"
    data = p.obj(p.field(event, "data", where, dict, required=True), data_at)
    if data.get("type", "incident") == "incident":
        return _v3_incident(body, event_type, occurred, data, data_at)
    incident = p.obj(p.field(data, "incident", data_at, dict, required=True), f"{data_at}.incident")
    incident_id = p.text(incident, "id", f"{data_at}.incident", required=True)
    title = p.text(incident, "summary", f"{data_at}.incident") or f"PagerDuty incident {incident_id}"
    content = p.text(data, "content", data_at) or p.text(data, "message", data_at)
    return NormalisedAlert(
        source=WEBHOOK_V3, fingerprint=INCIDENT_PREFIX + incident_id, title=title[:500],
        severity=sev.UNKNOWN_SEVERITY, status="updated", started_at=occurred,
        labels={"event_type": event_type, "pagerduty_incident": incident_id},
        annotations={"content": content} if content else {},
        links=[u for u in (p.text(incident, "html_url", f"{data_at}.incident"),) if u], raw=body,
    )  # fmt: skip


def _v3_incident(body: dict[str, Any], event_type: str, occurred: Any, data: dict[str, Any], at: str) -> NormalisedAlert:
    incident_id = p.text(data, "id", at, required=True)
    key = p.text(data, "incident_key", at) or incident_id
    status_word = p.text(data, "status", at)
    status = V3_STATUS.get(event_type) or INCIDENT_STATUS.get(status_word, "updated")
    priority = p.field(data, "priority", at, dict, required=False) or {}
    priority_word = p.text(priority, "summary", f"{at}.priority")
    urgency = p.text(data, "urgency", at)
    severity: Severity = (
        sev.from_priority(priority_word) or sev.from_urgency(urgency) or sev.UNKNOWN_SEVERITY
    )
    service = p.field(data, "service", at, dict, required=False) or {}
    service_name = p.text(service, "summary", f"{at}.service")
    number = data.get("number")
    title = p.text(data, "title", at) or p.text(data, "summary", at) or f"PagerDuty incident {number or incident_id}"
    labels = {"event_type": event_type, "pagerduty_incident": incident_id, "status": status_word,
              "urgency": urgency, "priority": priority_word, "service": service_name}  # fmt: skip
    return NormalisedAlert(
        source=WEBHOOK_V3,
        fingerprint=KEY_PREFIX + key,
        title=title[:500],
        severity=severity,
        source_severity=priority_word or urgency,
        status=status,
        started_at=p.timestamp(data, "created_at", at) or occurred,
        ended_at=occurred if status == "resolved" else None,
        service=service_name,
        labels={k: v for k, v in labels.items() if v},
        annotations={},
        links=[u for u in (p.text(data, "html_url", at), p.text(service, "html_url", f"{at}.service")) if u],
        raw=body,
    )
