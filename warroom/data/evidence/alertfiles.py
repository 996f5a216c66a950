"""Alert payloads attached as evidence, read with the alert intake's own parsers.

Accepted shapes: an Alertmanager webhook (``version: "4"``), a PagerDuty
Events v2 event or webhook v3 payload (through :mod:`warroom.data.alerts`);
and, for recorded investigations, a single Alertmanager-style alert (labels,
annotations, startsAt) either bare, in a list (the Alertmanager API's
``/api/v2/alerts``), or under ``raw`` (Robusta's issue record), and a
Robusta/HolmesGPT investigate request (``title`` + ``subject``), and alert objects nested anywhere
inside another document (the Prometheus ``/api/v1/alerts`` response, a relay's wrapper).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from warroom.data.alerts import AlertPayloadError, decode_json, parse_alertmanager, parse_pagerduty, read_payload_bytes
from warroom.data.alerts import severity as sev
from warroom.data.models import NormalisedAlert

ALERT_STATES = {"active": "firing", "firing": "firing", "resolved": "resolved", "suppressed": "firing",
                "unprocessed": "firing", "inactive": "resolved", "pending": "firing"}


def read_alert_file(path: Path) -> list[NormalisedAlert]:
    """The alerts in an alert payload file; raises :class:`AlertPayloadError` saying why when there are none to read."""
    data, name = read_payload_bytes(path)
    return parse_alert_document(decode_json(data, name))


def looks_like_alerts(body: Any) -> bool:
    """Whether a decoded JSON document is one of the accepted alert shapes (or an empty object)."""
    if isinstance(body, list):
        return bool(body) and all(isinstance(item, dict) and "labels" in item for item in body)
    if not isinstance(body, dict):
        return False
    if not body:
        return True
    if _nested_alerts(body):
        return True
    return (("version" in body and "alerts" in body) or "event_action" in body or "routing_key" in body
            or ("event" in body and isinstance(body["event"], dict) and "event_type" in body["event"])
            or "messages" in body or ("labels" in body and ("startsAt" in body or "status" in body))
            or (isinstance(body.get("raw"), dict) and "labels" in body["raw"])
            or ("title" in body and isinstance(body.get("subject"), dict)))


def parse_alert_document(body: Any) -> list[NormalisedAlert]:
    """Alerts from a decoded document of one of the accepted shapes (an empty object holds none)."""
    if isinstance(body, list):
        return [alert for item in body for alert in _alertmanager_alert(item)]
    if not isinstance(body, dict):
        raise AlertPayloadError("an alert payload must be a JSON object or a list of alerts")
    if not body:
        return []
    if "version" in body and "alerts" in body:
        return parse_alertmanager(body)
    if "labels" not in body and not (isinstance(body.get("raw"), dict) and "labels" in body["raw"]) and \
            (nested := _nested_alerts(body)):
        return [alert for item in nested for alert in _alertmanager_alert(item)]
    if "labels" in body:
        return _alertmanager_alert(body)
    if isinstance(body.get("raw"), dict) and "labels" in body["raw"]:
        return _alertmanager_alert(body["raw"])
    if "title" in body and isinstance(body.get("subject"), dict):
        return [_investigate_request(body)]
    return parse_pagerduty(body)


def _is_alert(item: Any) -> bool:
    """A Prometheus or Alertmanager alert: both always carry the ``alertname`` label (an object that merely
    has ``labels`` and ``annotations``, like a Kubernetes subject, is not one)."""
    return isinstance(item, dict) and isinstance(item.get("labels"), dict) and "alertname" in item["labels"] and \
        any(k in item for k in ("annotations", "startsAt", "activeAt", "state", "status"))


def _nested_alerts(body: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Alert objects (``labels`` with ``annotations``/``startsAt``/``state``) anywhere inside ``body``: the
    Prometheus ``/api/v1/alerts`` response (``data.alerts``), a Robusta finding, a webhook wrapped by a relay."""
    if depth > 6:
        return []
    if _is_alert(body):
        return [body]
    items = body.values() if isinstance(body, dict) else body if isinstance(body, list) else []
    found: list[dict[str, Any]] = []
    for item in list(items)[:1000]:
        if isinstance(item, (dict, list)):
            found += _nested_alerts(item, depth + 1)
    return found


def _alertmanager_alert(item: Any) -> list[NormalisedAlert]:
    if not isinstance(item, dict):
        raise AlertPayloadError("an alert must be a JSON object")
    if "activeAt" in item and "startsAt" not in item:  # a Prometheus alert: activeAt is when it started
        item = {**item, "startsAt": item["activeAt"]}
    alert = {k: item[k] for k in ("labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint")
             if item.get(k) not in (None, "")}
    state = item.get("status") or item.get("state")
    if isinstance(state, dict):  # Alertmanager API v2: {"state": "active", ...}
        state = state.get("state")
    alert["status"] = ALERT_STATES.get(str(state or "firing").lower(), "firing")
    if alert["status"] == "firing":
        alert.pop("endsAt", None)
    for key in ("startsAt", "endsAt"):
        if isinstance(alert.get(key), str) and " " in alert[key].strip():
            alert[key] = alert[key].strip().replace(" ", "T", 1)
    return parse_alertmanager({"version": "4", "alerts": [alert]})


def _investigate_request(body: dict[str, Any]) -> NormalisedAlert:
    subject = body["subject"]
    context = body.get("context") if isinstance(body.get("context"), dict) else {}
    labels = {f"subject_{k}": str(v) for k, v in subject.items() if isinstance(v, (str, int, float)) and v != ""}
    labels.update({k: str(v) for k, v in (subject.get("labels") or {}).items()} if isinstance(subject.get("labels"), dict) else {})
    title = str(body.get("title") or "").strip() or "investigation request"
    issue = str(context.get("robusta_issue_id") or context.get("issue_type") or "")
    key = issue or hashlib.sha256(f"{title}|{sorted(labels.items())}".encode()).hexdigest()[:16]
    annotations = {"description": str(body.get("description") or "")} if body.get("description") else {}
    kind = str(subject.get("kind") or subject.get("subject_type") or "")
    return NormalisedAlert(
        source=str(body.get("source") or "investigation")[:100],
        fingerprint=f"request:{key}"[:300],
        title=title[:500],
        severity=sev.from_word(str(labels.get("severity", "warning"))),
        source_severity=str(labels.get("severity", "")),
        service=str(subject.get("name") or "") if kind in ("", "service", "deployment") else "",
        labels=labels,
        annotations=annotations,
        raw=body,
    )
