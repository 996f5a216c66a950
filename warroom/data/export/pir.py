"""What the post-incident review says, worked out from the record: key events, summary, action items, stats.

The review is the one document people read, so it carries the few facts a
reader needs and links to the rest. Everything here is a pure function of the
:class:`~warroom.data.export.record.Record` (the events), returning plain text
for the template to escape.

* :func:`key_events` is the review's timeline: the change and the onset the
  evidence dates (the 5 Whys answer's moments), the first alert, declaration,
  the first acknowledgement, severity changes, escalations, the mitigation
  decided and applied, recovery and resolution. Everything else stays in
  ``timeline.md``.
* :func:`action_rows` numbers the action items ``AI-1``, ``AI-2``, ... in the
  order they were added (stable across re-exports: events are only appended)
  and gives each a horizon from its due date.
* :func:`stats` is the DFDS-style Stats block: category and the times to
  detect, acknowledge, mitigate and resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.data import events as ev
from warroom.data.answers import MomentKind
from warroom.data.describe import describe_event
from warroom.data.durations import format_duration
from warroom.data.export.figures import downtime, impact, metric
from warroom.data.export.record import Record
from warroom.data.models import ActionItem

#: Horizon by due date, counted from the day the item was added: (at most, label).
HORIZON_LIMITS = ((timedelta(weeks=2), "short"), (timedelta(days=92), "medium"))
MOMENT_LABELS = {MomentKind.CHANGE: "Change", MomentKind.ONSET: "Onset", MomentKind.ALERT: "First alert",
                 MomentKind.RECOVERY: "Recovery seen in the evidence"}  # fmt: skip
KEY_KINDS = frozenset({
    "incident.declared", "severity.set", "tier.escalated", "management.notified", "executive.notified",
    "mitigation.executed", "incident.resolved", "incident.reopened", "major_incident.declared", "security.declared",
})  # fmt: skip


@dataclass(frozen=True)
class KeyEvent:
    at: datetime
    what: str


def _is_mitigation_gate(gate: str) -> bool:
    return "mitigat" in gate.lower()


def key_events(rec: Record) -> list[KeyEvent]:
    """The review timeline, in time order (evidence moments before events at the same instant)."""
    out: list[tuple[datetime, int, str]] = []
    if rec.five_whys is not None:
        for moment in rec.five_whys.moments:
            out.append((moment.at, 0, f"{MOMENT_LABELS[moment.kind]}: {moment.what}"))
    first_alert = next((e for e in rec.events if isinstance(e, ev.AlertReceived)), None)
    if first_alert is not None:
        alert = first_alert.alert
        out.append((alert.started_at or first_alert.at, 1, f"First alert: {alert.title} ({alert.source})"))
    declared = rec.events[0]
    detected = rec.incident.detected_at
    if detected < declared.at and (first_alert is None or (first_alert.alert.started_at or first_alert.at) > detected):
        out.append((detected, 1, f"Detected ({rec.incident.detection_method or 'method not recorded'})"))
    acknowledged = False
    for event in rec.events:
        if event.kind in KEY_KINDS:
            out.append((event.at, 2, describe_event(event)))
        elif isinstance(event, ev.Acknowledged) and not acknowledged:
            acknowledged = True
            out.append((event.at, 2, describe_event(event)))
        elif isinstance(event, ev.DecisionTaken) and _is_mitigation_gate(event.gate):
            by = "auto-decided" if event.auto else f"by {event.actor}"
            out.append((event.at, 2, f"Mitigation decided: {event.choice.replace('_', ' ')} ({by})"))
    out.sort(key=lambda item: (item[0], item[1]))
    return [KeyEvent(at, what) for at, _, what in out]


def horizon(item: ActionItem) -> str:
    """short (due within 2 weeks of being added), medium (within a quarter), long; unknown without a due date."""
    if item.due is None:
        return "unknown"
    ahead = item.due - item.created_at
    return next((label for limit, label in HORIZON_LIMITS if ahead <= limit), "long")


@dataclass(frozen=True)
class ActionRow:
    ai_id: str
    item: ActionItem
    horizon: str

    @property
    def missing(self) -> list[str]:
        """What the row leaves blank."""
        item = self.item
        fields = (("owner", item.owner), ("due date", item.due), ("type", item.action_type), ("priority", item.priority),
                  ("linked finding", item.finding))  # fmt: skip
        return [name for name, value in fields if not value]


def action_rows(rec: Record) -> list[ActionRow]:
    """The action items as ``AI-n`` in the order they were added."""
    return [ActionRow(f"AI-{n}", item, horizon(item)) for n, item in enumerate(rec.incident.actions.values(), 1)]


def action_gaps(rows: list[ActionRow]) -> str:
    """One sentence naming what the action items leave blank, or ``""``."""
    by_field: dict[str, list[str]] = {}
    for row in rows:
        for name in row.missing:
            by_field.setdefault(name, []).append(row.ai_id)
    if not by_field:
        return ""
    parts = [f"{name} ({', '.join(ids) if len(ids) < len(rows) else 'all'})" for name, ids in by_field.items()]
    return "Not set when the items were added: " + "; ".join(parts) + "."


def authors(rec: Record) -> list[str]:
    """Who wrote the review sections, in the order they first wrote."""
    return list(dict.fromkeys(e.actor for e in rec.events if isinstance(e, ev.ReviewUpdated) and e.text.strip()))


def onset(rec: Record) -> datetime | None:
    if rec.five_whys is None:
        return None
    return next((m.at for m in rec.five_whys.moments if m.kind is MomentKind.ONSET), None)


def trigger(rec: Record) -> str:
    """The suspect change the evidence dates, or ``""``."""
    if rec.five_whys is None:
        return ""
    return next((m.what for m in rec.five_whys.moments if m.kind is MomentKind.CHANGE), "")


def detection(rec: Record) -> datetime:
    """When the incident was first known: the first alert or the logged detection, whichever is earlier."""
    alert = next((e for e in rec.events if isinstance(e, ev.AlertReceived)), None)
    times = [rec.incident.detected_at] + ([alert.alert.started_at or alert.at] if alert else [])
    return min(times)


@dataclass(frozen=True)
class Stat:
    label: str
    value: str


def stats(rec: Record) -> list[Stat]:
    """The Stats block: category and the response times, each with its SLA verdict where there is one."""
    i = rec.incident
    start = onset(rec)
    if start is None:
        detect = "unknown (the evidence dates no onset)"
    else:
        detect = format_duration(max(timedelta(0), detection(rec) - start)) + " (onset to detection)"
    out = [Stat("Category", i.category or "unknown (not classified)"), Stat("Time to detect", detect)]
    for name, label in (("acknowledge", "Time to acknowledge"), ("mitigate", "Time to mitigate"),
                        ("resolve", "Time to resolve")):  # fmt: skip
        row = metric(rec, name)
        if row is None:
            continue
        value = row.duration
        if row.met is not None:
            value += f", SLA {row.target}: {row.verdict}"
        out.append(Stat(label, value))
    return out


#: Impact figures only the reviewers can give: (label, review section).
REVIEWED_FIGURES = (
    ("Users affected", "impact_users"), ("Failed requests", "impact_failed_transactions"),
    ("Peak error rate", "impact_error_rate"), ("Revenue", "impact_revenue"), ("Support", "impact_support"),
    ("Compliance", "impact_compliance"),
)  # fmt: skip


def impact_rows(rec: Record) -> tuple[list[Stat], str]:
    """The Impact table's known figures, and one sentence naming the unknown ones with why (or ``""``)."""
    review, figures = rec.review, impact(rec)
    down = downtime(rec) is not None or bool(review.get("impact_downtime"))
    not_mitigated = "the incident is not mitigated yet"
    candidates = [(label, review.get(key) or f"unknown (not recorded in the review: section {key})")
                  for label, key in REVIEWED_FIGURES[:3]]  # fmt: skip
    candidates += [
        ("User symptoms", figures.symptoms),
        ("Duration", figures.downtime if down else f"unknown ({not_mitigated})"),
        ("SLA breached", figures.sla_breach),
        ("Availability (30 days)", figures.availability if down or review.get("slo_availability") else f"unknown ({not_mitigated})"),
        ("Error budget consumed", figures.error_budget if down or review.get("error_budget_consumed") else f"unknown ({not_mitigated})"),
    ]  # fmt: skip
    candidates += [(label, review.get(key) or f"unknown (not recorded in the review: section {key})")
                   for label, key in REVIEWED_FIGURES[3:]]  # fmt: skip
    rows, unknown = [], {}
    for label, value in candidates:
        if value.startswith("unknown (") and value.endswith(")"):
            reason = value[len("unknown ("):-1]
            grouped = reason.split(": section ", 1)
            key = grouped[0]
            unknown.setdefault(key, []).append((label, grouped[1] if len(grouped) > 1 else ""))
        else:
            rows.append(Stat(label, value))
    parts = []
    for reason, items in unknown.items():
        names = ", ".join(label[0].lower() + label[1:] if label[1:2].islower() else label for label, _ in items)
        sections = ", ".join(section for _, section in items if section)
        parts.append(f"{names} ({reason}{': sections ' + sections if sections else ''})")
    gaps = "Unknown: " + "; ".join(parts) + "." if parts else ""
    return rows, gaps


def summary(rec: Record) -> list[str]:
    """The Summary's sentences when the reviewers wrote none: what broke, who, how long, what fixed it."""
    i = rec.incident
    what = (i.summary or i.title).strip().rstrip(".")
    out = [f"{what}."]
    users = rec.review.get("impact_users")
    if users:
        out.append(f"Users affected: {users.strip().rstrip('.')}.")
    change = trigger(rec)
    if change:
        out.append(f"It followed {change}.")
    down = downtime(rec)
    fixed = next((m for m in i.mitigations if m.outcome == "succeeded"), None)
    if fixed is not None and down is not None:
        how = f" ({fixed.details.strip().rstrip('.')})" if fixed.details.strip() else ""
        out.append(f"A {fixed.strategy.title.lower()}{how} restored service {format_duration(down)} after detection.")
    if i.resolved_at is not None:
        out.append(f"It was resolved {format_duration(i.resolved_at - i.detected_at)} after detection.")
    return out


__all__ = ["ActionRow", "KeyEvent", "Stat", "action_gaps", "action_rows", "authors", "detection", "horizon",
           "impact_rows", "key_events", "onset", "stats", "summary", "trigger"]  # fmt: skip
