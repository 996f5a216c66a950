"""Prometheus Alertmanager webhook payloads (``version: "4"``) to normalised alerts.

One payload carries a group of alerts (``groupKey``); each alert has its own
``fingerprint``, which is its dedup key here (``alertmanager:<fingerprint>``).
Severity comes from a ``priority`` label (P0–P3) if there is one, else from the
``severity`` label through :mod:`warroom.data.alerts.severity`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from warroom.data.alerts import payload as p
from warroom.data.alerts import severity as sev
from warroom.data.models import NormalisedAlert

SOURCE = "alertmanager"
SUPPORTED_VERSION = "4"
SERVICE_LABELS = ("service", "app", "app_kubernetes_io_name", "application", "component", "job")
TITLE_LIMIT = 500


def parse_alertmanager(document: Any) -> list[NormalisedAlert]:
    """Every alert of one webhook payload, in payload order."""
    body = p.obj(document, "")
    version = field_version(body)
    if version != SUPPORTED_VERSION:
        raise p.AlertPayloadError(
            f"version {version!r} is not supported (this reads Alertmanager webhook version {SUPPORTED_VERSION!r})"
        )
    alerts = p.field(body, "alerts", "", list, required=True)
    if not alerts:
        raise p.AlertPayloadError("alerts is empty: the payload holds no alert")
    group = {
        "groupKey": p.text(body, "groupKey", ""),
        "receiver": p.text(body, "receiver", ""),
        "externalURL": p.text(body, "externalURL", ""),
        "status": p.text(body, "status", ""),
    }
    p.text_map(body, "commonLabels", "")
    p.text_map(body, "groupLabels", "")
    p.text_map(body, "commonAnnotations", "")
    return [_alert(item, f"alerts[{index}]", group) for index, item in enumerate(alerts)]


def field_version(body: Any) -> str:
    value = body.get("version")
    if value is None:
        raise p.AlertPayloadError("version is missing (an Alertmanager webhook payload says version \"4\")")
    if not isinstance(value, str):
        raise p.AlertPayloadError(f"version must be text, got {p.kind_of(value)}")
    return value


def _alert(item: Any, path: str, group: dict[str, str]) -> NormalisedAlert:
    alert = p.obj(item, path)
    status = p.text(alert, "status", path, required=True)
    if status not in ("firing", "resolved"):
        raise p.AlertPayloadError(f"{path}.status must be \"firing\" or \"resolved\", got {status[:40]!r}")
    labels = p.text_map(alert, "labels", path, required=True)
    annotations = p.text_map(alert, "annotations", path)
    started = p.timestamp(alert, "startsAt", path)
    ended = p.timestamp(alert, "endsAt", path)
    generator = p.text(alert, "generatorURL", path)
    fingerprint = p.text(alert, "fingerprint", path) or _label_fingerprint(labels)

    source_severity = labels.get("severity", "")
    severity = sev.from_priority(labels.get("priority", "")) or sev.from_word(source_severity)
    name = labels.get("alertname", "")
    summary = annotations.get("summary", "")
    title = f"{name}: {summary}" if name and summary else (summary or name or f"Alertmanager alert {fingerprint}")
    links = [url for url in (generator, annotations.get("runbook_url", ""), annotations.get("dashboard_url", "")) if url]
    if group["externalURL"]:
        links.append(group["externalURL"])
    service = next((labels[k] for k in SERVICE_LABELS if labels.get(k)), "")
    return NormalisedAlert(
        source=SOURCE,
        fingerprint=f"{SOURCE}:{fingerprint}",
        title=title[:TITLE_LIMIT],
        severity=severity,
        source_severity=source_severity,
        status=status,
        started_at=started,
        ended_at=ended if status == "resolved" else None,
        service=service,
        labels=labels,
        annotations=annotations,
        links=links,
        raw={"group": group, "alert": alert},
    )


def _label_fingerprint(labels: dict[str, str]) -> str:
    """A stable key from the label set, for payloads without ``fingerprint`` (older senders)."""
    canonical = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
