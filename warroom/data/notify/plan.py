"""Which messages an event puts in the outbox: one ``NotificationQueued`` per channel that wants it.

The store calls :meth:`OutboxPlan.queue` for every event it appends, inside the same transaction,
so a published update and its queued deliveries are committed together or not at all. Pure: no
network, no clock; the random part of each notification id comes from ``token``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from warroom.data import events as ev
from warroom.data.models import Audience, Incident
from warroom.data.notify.config import NotifyConfig
from warroom.data.policy import DEFAULT_POLICY, Policy

__all__ = ["OutboxPlan", "TRIGGER_KINDS"]

#: Event kinds that can queue a notification (the store's fast single-event path skips the others).
TRIGGER_KINDS = frozenset({
    "incident.declared", "incident.acknowledged", "severity.set", "tier.escalated", "management.notified",
    "executive.notified", "update.published", "incident.resolved", "incident.closed",
})  # fmt: skip
_WEBHOOK_EVENT = {
    "incident.declared": "declared", "incident.acknowledged": "acknowledged", "severity.set": "severity",
    "tier.escalated": "escalated", "management.notified": "escalated", "executive.notified": "escalated",
    "update.published": "status_update", "incident.resolved": "resolved", "incident.closed": "closed",
}  # fmt: skip
_AUDIENCE_LABEL = {"status_page": "Status page", "internal": "Internal", "management": "Management",
                   "executive": "Executive", "customer": "Customer", "legal": "Legal", "resolution": "Resolution"}  # fmt: skip


@dataclass(frozen=True)
class _Message:
    audience: str
    subject: str
    text: str


@dataclass
class OutboxPlan:
    """The configured channels, and the policy the customer-facing resolution notice is drafted with."""

    config: NotifyConfig
    policy: Policy = DEFAULT_POLICY
    token: Callable[[], str] = field(default=lambda: secrets.token_hex(4))

    @property
    def active(self) -> bool:
        return bool(self.config.channels)

    def queue(self, before: Incident | None, after: Incident, event: ev.BaseEvent) -> list[ev.NotificationQueued]:
        """The deliveries ``event`` calls for, given the incident before and after it."""
        if event.kind not in TRIGGER_KINDS or not self.active:
            return []
        out: list[ev.NotificationQueued] = []
        message = _message(after, event)
        channels = self.config.channels
        for name in ("slack", "teams", "email"):
            channel = channels.get(name)
            if channel is not None and message is not None and message.audience in channel.audiences:  # type: ignore[attr-defined]
                out.append(self._queued(after, event, name, message.audience, "", message.subject, message.text, len(out)))
        pd = self.config.pagerduty
        if pd is not None:
            summary = f"[{after.incident_id}] {after.severity.value} {after.title}"
            for action in _pagerduty_actions(after, event, pd.severities):
                out.append(self._queued(after, event, "pagerduty", "responders", action, summary, after.summary, len(out)))
        if self.config.statuspage is not None:
            item = self._statuspage(after, event, len(out))
            if item is not None:
                out.append(item)
        hook = self.config.webhook
        if hook is not None and _WEBHOOK_EVENT[event.kind] in hook.events:
            subject = message.subject if message is not None else f"[{after.incident_id}] {ev.describe(event)}"
            text = message.text if message is not None else ""
            out.append(self._queued(after, event, "webhook", message.audience if message else "integration",
                                    _WEBHOOK_EVENT[event.kind], subject, text, len(out)))  # fmt: skip
        return out

    def _statuspage(self, after: Incident, event: ev.BaseEvent, earlier: int) -> ev.NotificationQueued | None:
        opened = any(n.channel == "statuspage" for n in after.notifications.values())
        if isinstance(event, ev.StatusUpdatePublished) and event.audience is Audience.STATUS_PAGE:
            return self._queued(after, event, "statuspage", "status_page", "update" if opened else "create",
                                after.title, event.text, earlier)  # fmt: skip
        if isinstance(event, ev.IncidentResolved) and opened:
            from warroom.data.drafts import draft_update

            text = draft_update(after, Audience.STATUS_PAGE, event.at, self.policy)  # customer words, never the resolution notes
            return self._queued(after, event, "statuspage", "status_page", "resolve", after.title, text, earlier)
        return None

    def _queued(self, after: Incident, event: ev.BaseEvent, channel: str, audience: str, action: str, subject: str,
                text: str, earlier: int) -> ev.NotificationQueued:  # fmt: skip
        number = len(after.notifications) + earlier + 1
        token = "".join(c for c in self.token() if c.isalnum())[:16] or "0"
        return ev.NotificationQueued(
            incident_id=after.incident_id, at=event.at, actor="warroom", notification_id=f"{after.incident_id}.{channel}.{number}.{token}",
            channel=channel, audience=audience, action=action, subject=subject[:2000], text=text[: ev.MAX_TEXT],
            status=after.status.value, severity=after.severity.value, service=after.service[:2000], title=after.title[:2000],
            monitoring=after.mitigated_at is not None and after.is_open,
        )  # type: ignore[arg-type]  # fmt: skip


def _message(after: Incident, event: ev.BaseEvent) -> _Message | None:
    """What people are told by ``event``, and who: a publication, a hierarchical notification, the resolution."""
    head = f"[{after.incident_id}] {after.severity.value} {after.title}"
    if isinstance(event, ev.StatusUpdatePublished):
        audience = event.audience.value
        return _Message(audience, f"{head} — {_AUDIENCE_LABEL.get(audience, audience)} update", event.text)
    if isinstance(event, ev.ManagementNotified) and event.message.strip():
        return _Message("management", f"{head} — management notification", event.message)
    if isinstance(event, ev.ExecutiveNotified) and event.message.strip():
        return _Message("executive", f"{head} — executive notification", event.message)
    if isinstance(event, ev.IncidentResolved):
        return _Message("resolution", f"{head} — resolved", event.resolution)
    return None


def _pagerduty_actions(after: Incident, event: ev.BaseEvent, severities: list[str]) -> list[str]:
    """Trigger once the incident is at a paging severity; then acknowledge and resolve it, once each."""
    sent = {n.action for n in after.notifications.values() if n.channel == "pagerduty"}
    if "trigger" not in sent:
        paging = after.severity.value in severities and after.is_open and event.kind in ("incident.declared", "severity.set")
        if not paging:
            return []
        return ["trigger", "acknowledge"] if after.acknowledged_at is not None else ["trigger"]  # raised after the ack
    if event.kind == "incident.acknowledged" and "acknowledge" not in sent:
        return ["acknowledge"]
    if event.kind == "incident.resolved" and "resolve" not in sent:
        return ["resolve"]
    return []

