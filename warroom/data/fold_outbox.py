"""The outbox part of the fold: ``notification.*`` events (see :mod:`warroom.data.notify`).

``Incident.notifications`` keeps queue order (a dict's insertion order): each channel delivers in it.
"""

from __future__ import annotations

from typing import Any

from warroom.data import events as ev
from warroom.data.fold import InvalidEvent, _on
from warroom.data.models import Incident, Notification

__all__ = ["QUEUED_FIELDS", "queued_event"]

#: What a ``Notification`` keeps of its ``NotificationQueued`` (besides the time): the message, and the incident as it was.
QUEUED_FIELDS = frozenset({"notification_id", "channel", "audience", "action", "subject", "text", "status", "severity",
                           "service", "title", "monitoring"})  # fmt: skip


def queued_event(incident_id: str, n: Notification) -> ev.NotificationQueued:
    """The ``NotificationQueued`` that ``n`` was folded from (what the sender delivers)."""
    return ev.NotificationQueued(incident_id=incident_id, at=n.queued_at, **n.model_dump(include=QUEUED_FIELDS))


def _known(s: Incident, e: Any) -> Notification:
    found = s.notifications.get(e.notification_id)
    if found is None:
        raise InvalidEvent(e, f"no notification {e.notification_id} in the outbox")
    if found.delivered_at is not None:
        raise InvalidEvent(e, f"notification {e.notification_id} was already delivered")
    return found


def _with(s: Incident, n: Notification) -> dict[str, Any]:
    return {"notifications": {**s.notifications, n.notification_id: n}}


@_on("notification.queued")
def _queued(s: Incident, e: ev.NotificationQueued) -> dict[str, Any]:
    if e.notification_id in s.notifications:
        raise InvalidEvent(e, f"notification {e.notification_id} is already queued")
    return _with(s, Notification(**e.model_dump(include=QUEUED_FIELDS), queued_at=e.at))


@_on("notification.delivered")
def _delivered(s: Incident, e: ev.NotificationDelivered) -> dict[str, Any]:
    n = _known(s, e)
    return _with(s, n.model_copy(update={"delivered_at": e.at, "attempts": max(n.attempts, e.attempt), "receiver_id": e.receiver_id,
                                         "target": e.target, "next_attempt_at": None}))  # fmt: skip


@_on("notification.failed")
def _failed(s: Incident, e: ev.NotificationFailed) -> dict[str, Any]:
    n = _known(s, e)
    return _with(s, n.model_copy(update={"attempts": max(n.attempts, e.attempt), "last_error": e.reason,
                                         "last_status": e.status, "next_attempt_at": e.next_attempt_at}))  # fmt: skip


@_on("notification.retried")
def _retried(s: Incident, e: ev.NotificationRetried) -> dict[str, Any]:
    n = _known(s, e)
    return _with(s, n.model_copy(update={"next_attempt_at": e.at}))
