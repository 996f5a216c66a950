"""Which communications happened, and what each said as published.

A communication file exists only when something was published (an
``update.published`` for its audience, or the management / executive
notification message) or an agent drafted it; a draft that was never
published is marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from warroom.data import events as ev
from warroom.data.export.branches import DRAFT_FILES
from warroom.data.export.record import AgentDoc, Record
from warroom.data.models import Audience


@dataclass(frozen=True)
class Published:
    at: datetime
    actor: str
    audience: str
    text: str
    reason: str = ""
    drafted: bool = False  # recorded as a draft (``notification.drafted``), not as published
    #: What the outbox did with it, one line per channel ("Slack: delivered at …"); empty with no channel.
    deliveries: tuple[str, ...] = ()


@dataclass
class Communication:
    title: str
    published: list[Published] = field(default_factory=list)
    drafts: list[AgentDoc] = field(default_factory=list)


def _updates(rec: Record, audience: Audience) -> list[Published]:
    return [Published(u.at, u.actor, audience.value.replace("_", " "), u.text) for u in rec.updates_for(audience)]


def communications(rec: Record) -> dict[str, Communication]:
    """Every communications file by path, with what was published (possibly nothing)."""
    resolved = rec.incident.resolved_at
    internal = _updates(rec, Audience.INTERNAL)
    first_internal = [p for p in internal[:1] if resolved is None or p.at < resolved]
    out = {
        "communications/initial-alert.md": Communication("Incident Alert", first_internal),
        "communications/management-notification.md": Communication("Management Notification"),
        "communications/executive-notification.md": Communication("Executive Notification"),
        "communications/status-page-update.md": Communication("Status Page Updates", _updates(rec, Audience.STATUS_PAGE)),
        "communications/internal-updates.md": Communication("Internal Updates", internal[len(first_internal):]),
        "communications/customer-updates.md": Communication("Customer Updates", _updates(rec, Audience.CUSTOMER)),
        "communications/legal-updates.md": Communication("Legal and Regulatory Updates", _updates(rec, Audience.LEGAL)),
        "communications/resolution-notification.md": Communication("Resolution Notification"),
        "communications/call-outs.md": Communication("War Room Call-outs and Cover Requests"),
    }
    if rec.management is not None:
        m = rec.management
        out["communications/management-notification.md"].published.append(
            Published(m.at, m.actor, "management", m.message, m.reason))
    out["communications/management-notification.md"].published.extend(_updates(rec, Audience.MANAGEMENT))
    if rec.executive is not None:
        x = rec.executive
        out["communications/executive-notification.md"].published.append(
            Published(x.at, x.actor, "executive", x.message, x.reason))
    out["communications/executive-notification.md"].published.extend(_updates(rec, Audience.EXECUTIVE))
    if resolved is not None:
        after = [u for audience in Audience for u in rec.updates_for(audience) if u.at >= resolved]
        out["communications/resolution-notification.md"].published.extend(
            Published(u.at, u.actor, u.audience.value.replace("_", " "), u.text) for u in sorted(after, key=lambda u: (u.at, u.seq)))
    for e in rec.events:
        if isinstance(e, ev.NotificationDrafted):
            who = f" to {', '.join(e.recipients)}" if e.recipients else ""
            out[DRAFT_FILES[e.audience]].published.append(
                Published(e.at, e.actor, f"{e.audience.replace('_', ' ')}{who}", e.text, e.subject, drafted=True))
    sent = _deliveries(rec)
    for path, comm in out.items():
        comm.published = [replace(p, deliveries=sent.get((p.at, p.audience.replace(" ", "_")), ())) for p in comm.published]
        comm.published.sort(key=lambda p: p.at)
        comm.drafts = rec.docs_for(path)
    return out


def _deliveries(rec: Record) -> dict[tuple[datetime, str], tuple[str, ...]]:
    """Per publication (its time and audience): where the outbox delivered it, or why it did not."""
    out: dict[tuple[datetime, str], list[str]] = {}
    for n in rec.incident.notifications.values():
        if n.state == "delivered":
            assert n.delivered_at is not None
            line = f"{n.channel}: delivered {n.delivered_at:%Y-%m-%d %H:%M:%S} UTC ({n.target})"
        elif n.state == "queued":
            line = f"{n.channel}: queued, never delivered"
        else:
            line = f"{n.channel}: not delivered after {n.attempts} attempt(s): {n.last_error[:200]}" + (
                "" if n.state == "failed" else " (it was still being retried)")
        out.setdefault((n.queued_at, n.audience), []).append(line)
    return {key: tuple(lines) for key, lines in out.items()}
