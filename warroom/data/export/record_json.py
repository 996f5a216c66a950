"""The incident record as one JSON document, for trackers and dashboards (``warroom export --format json``).

It carries what the markdown set carries, as data: the review's fields (summary,
impact, trigger and root cause, detection, response, stats), the key events and
the full timeline, the review sections and the action items (``AI-n``). Like
the markdown, it is a pure function of the events (keys sorted, same events,
same bytes) and every string is cleaned where it leaves the store: control
characters stripped and secrets redacted.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from warroom.data import events as ev
from warroom.data.export import markdown as md
from warroom.data.export.comms import communications
from warroom.data.export.pir_context import pir_context
from warroom.data.export.record import Record, build_record
from warroom.data.models import Incident
from warroom.data.policy import DEFAULT_POLICY, Policy

SCHEMA = "warroom.incident-record/1"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _clean(value: Any) -> Any:
    """Every string cleaned (controls out, secrets redacted), recursively."""
    if isinstance(value, str):
        return md.clean(value)
    if isinstance(value, dict):
        return {md.clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def record_document(rec: Record) -> dict[str, Any]:
    """The JSON-ready record of ``rec``."""
    i = rec.incident
    pir = pir_context(rec, communications(rec))
    fw = rec.five_whys
    root = rec.review.get("root_cause") or (fw.root_cause if fw and fw.root_cause.strip() else None)
    return {
        "schema": SCHEMA,
        "incident_id": i.incident_id, "title": i.title, "service": i.service or None,
        "severity": i.severity.value, "impact": i.impact.value, "urgency": i.urgency.value,
        "status": i.status.value, "category": i.category or None, "playbook": i.playbook or None,
        "times": {
            "detected": _time(i.detected_at), "declared": _time(i.declared_at), "acknowledged": _time(i.acknowledged_at),
            "mitigated": _time(i.mitigated_at), "resolved": _time(i.resolved_at), "closed": _time(i.closed_at),
            "review_completed": _time(i.review_completed_at),
        },
        "duration_seconds": _seconds(i.resolved_at - i.detected_at) if i.resolved_at else None,
        "authors": pir["authors"],
        "review": {
            "summary": rec.review.get("summary") or " ".join(pir["summary"]),
            "impact": {row.label: row.value for row in pir["impact"]},
            "impact_unknown": pir["impact_gaps"] or None,
            "trigger": pir["trigger"] or None,
            "root_cause": root,
            "root_cause_confidence": fw.confidence if fw and not rec.review.get("root_cause") else None,
            "evidence": [{"source": c.source, "detail": c.detail} for c in pir["evidence"]],
            "detection": " ".join(pir["detection"]),
            "response": pir["response"],
            "sections": dict(sorted(rec.review.items())),
        },
        "stats": {s.label: s.value for s in pir["stats"]},
        "metrics": [{"name": m.name, "seconds": _seconds(m.duration), "target_seconds": _seconds(m.target), "met": m.met}
                    for m in rec.metrics],  # fmt: skip
        "key_events": [{"at": _time(k.at), "what": k.what} for k in pir["key_events"]],
        "timeline": [{"at": _time(row.at), "kind": row.kind, "event": row.event, "actor": row.actor, "notes": row.notes}
                     for row in rec.timeline],  # fmt: skip
        "action_items": [
            {"id": r.ai_id, "item_id": r.item.item_id, "title": r.item.title, "owner": r.item.owner or None,
             "due": r.item.due.strftime("%Y-%m-%d") if r.item.due else None, "horizon": r.horizon,
             "type": r.item.action_type.value if r.item.action_type else None,
             "priority": r.item.priority.value if r.item.priority else None, "finding": r.item.finding or None,
             "status": r.item.status.value}
            for r in pir["actions"]
        ],  # fmt: skip
    }  # fmt: skip


def render_json(events: list[ev.BaseEvent], *, policy: Policy = DEFAULT_POLICY, state: Incident | None = None) -> str:
    """The record of the incident ``events`` describe as JSON text; same events, same bytes (``state``: see ``build_record``)."""
    with md.memo():
        document = _clean(record_document(build_record(list(events), policy, state)))
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = ["SCHEMA", "record_document", "render_json"]
