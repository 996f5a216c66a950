"""The outbox's sender: delivers every queued notification, records what happened, retries what can be.

One sender per database at a time (the ``outbox`` lease, the same pattern as the playbook's), in
the war room, in ``warroom run`` and in ``warroom outbox --send``. Each channel of an incident is
delivered in queue order: a message waiting to be retried holds the later ones of its channel back,
so a receiver that was down gets them in order. Delivery is at least once; a retry carries the same
idempotency key, so receivers that honour it (PagerDuty's dedup key, the email's Message-ID, the
webhook's ``Idempotency-Key``, the status page's incident found again) never show a message twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from warroom.agents.outbox.channels import deliver
from warroom.agents.outbox.transport import SendError
from warroom.data import events as ev
from warroom.data.fold import InvalidEvent
from warroom.data.fold_outbox import queued_event
from warroom.data.leases import LEASE_SECONDS, Lease, LeaseHolder
from warroom.data.models import Incident, Notification
from warroom.data.notify.config import NotifyConfig
from warroom.data.store import EventStore, StoreError

__all__ = ["LEASE", "Outbox", "SendReport"]

#: The lease row (``leases`` table) whose holder is the database's one sender.
LEASE = "outbox"
_KINDS = ("notification.queued", "notification.failed", "notification.retried")


@dataclass
class SendReport:
    delivered: int = 0
    failed: int = 0
    busy: str = ""  # another process holds the outbox lease: ``host:pid``
    errors: list[str] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Outbox:
    """Delivers the outbox of ``store`` through the channels of ``config``."""

    def __init__(self, store: EventStore, config: NotifyConfig, *, env: Mapping[str, str] | None = None,
                 now: Callable[[], datetime] = _utcnow, lease_clock: Callable[[], float] = time.time,
                 jitter: Callable[[], float] = random.random, lease_seconds: float = LEASE_SECONDS) -> None:  # fmt: skip
        self.store, self.config = store, config
        self.env = os.environ if env is None else env
        self.now, self.lease_clock, self.jitter, self.lease_seconds = now, lease_clock, jitter, lease_seconds
        self.holder = LeaseHolder.this_process()
        self._watch: set[str] = set()
        self._seen = 0
        self._lease: Lease | None = None

    # -- one pass ------------------------------------------------------------------------------
    async def send_due(self, incident_id: str | None = None, *, now_all: bool = False) -> SendReport:
        """Deliver what is due (``now_all``: also what waits for a retry, and what was given up)."""
        report = SendReport()
        if not self.config.channels:
            return report
        found, self._seen = await self.store.incidents_with(_KINDS, self._seen)
        self._watch |= found
        if not self._watch:
            return report  # nothing to send: no lease taken, nothing written
        busy = await self._hold_lease()
        if busy:
            report.busy = busy
            return report
        for iid in sorted(self._watch if incident_id is None else self._watch & {incident_id}):
            incident = await self.store.load(iid)
            queues = _queues(incident)
            if not queues:
                self._watch.discard(iid)
                continue
            await asyncio.gather(*(self._drain(incident, queue, report, now_all) for queue in queues))
        return report

    async def _hold_lease(self) -> str:
        """Take or renew the outbox lease (renewed every third of its duration); ``host:pid`` of another holder."""
        now = self.lease_clock()
        mine = self._lease
        if mine is not None and mine.held_by(self.holder) and now < mine.renewed_at + self.lease_seconds / 3:
            return ""
        current = await self.store.lease(LEASE)  # a read first: a follower takes no write lock
        if current is None or current.held_by(self.holder) or current.abandoned(now):
            current = await self.store.acquire_lease(LEASE, self.holder, now=now, seconds=self.lease_seconds)
        self._lease = current
        return "" if current.held_by(self.holder) else str(current.holder)

    async def release(self) -> None:
        self._lease = None
        try:
            await self.store.release_lease(LEASE, self.holder)
        except (StoreError, ValueError):
            pass  # the lease expires instead

    async def run(self, poll: float = 1.0, on_report: Callable[[SendReport], object] | None = None) -> None:
        """Send passes every ``poll`` seconds until cancelled; the lease is given up on the way out."""
        try:
            while True:
                try:
                    report = await self.send_due()
                except StoreError as exc:
                    report = SendReport(errors=[str(exc)])
                if on_report is not None and (report.delivered or report.failed or report.errors):
                    on_report(report)
                await asyncio.sleep(poll)
        finally:
            await asyncio.shield(self.release())

    # -- one channel of one incident -------------------------------------------------------------
    async def _drain(self, incident: Incident, queue: list[Notification], report: SendReport, now_all: bool) -> None:
        for n in queue:
            if n.state == "failed" and not now_all:
                continue  # given up: it no longer holds the channel back (retried by hand)
            if n.state == "retrying" and not now_all and n.next_attempt_at and n.next_attempt_at > self.now():
                return  # in order: the later ones wait for this one
            if await self._hold_lease():
                return  # the lease went to another sender (this pass took too long): it carries on
            if not await self._attempt(incident, n, report):
                return

    async def _attempt(self, incident: Incident, n: Notification, report: SendReport) -> bool:
        attempt = n.attempts + 1
        queued = queued_event(incident.incident_id, n)
        try:
            done = await deliver(queued, await self.store.load(incident.incident_id), self.config, self.env)
        except SendError as exc:
            exc.reason = self._scrub(exc.reason)  # a receiver echoing our request must not put a key in the record
            later = self._next_attempt(attempt, exc)
            await self._record(ev.NotificationFailed(incident_id=incident.incident_id, at=self.now(), notification_id=n.notification_id,
                                                     channel=n.channel, audience=n.audience, attempt=attempt, reason=exc.reason, status=exc.status, next_attempt_at=later))  # fmt: skip
            report.failed += 1
            report.errors.append(f"{n.channel}: {exc.reason}")
            return False
        await self._record(ev.NotificationDelivered(incident_id=incident.incident_id, at=self.now(), notification_id=n.notification_id,
                                                    channel=n.channel, audience=n.audience, attempt=attempt, receiver_id=done.receiver_id, target=done.target))  # fmt: skip
        report.delivered += 1
        return True

    def _scrub(self, text: str) -> str:
        """``text`` without the value of any secret a channel reads from the environment."""
        for channel in self.config.channels.values():
            for attr in ("routing_key_env", "api_key_env", "secret_env", "password_env"):
                name = getattr(channel, attr, None)
                value = self.env.get(name, "") if name else ""
                if len(value) >= 4:
                    text = text.replace(value, f"[redacted: ${name}]")
        return text

    def _next_attempt(self, attempt: int, exc: SendError) -> datetime | None:
        if not exc.retry or attempt >= self.config.max_attempts:
            return None
        delay = self.config.backoff(attempt).total_seconds() * (0.8 + 0.4 * self.jitter())
        if exc.retry_after is not None:  # the receiver said how long: never sooner, at most an hour
            delay = max(delay, min(exc.retry_after, 3600.0))
        return self.now() + timedelta(seconds=delay)

    async def _record(self, event: ev.BaseEvent) -> None:
        try:
            await self.store.append(event)
        except InvalidEvent:
            pass  # delivered meanwhile by the sender before us (its lease expired while it sent)


def _queues(incident: Incident) -> list[list[Notification]]:
    """The undelivered notifications of each channel, in queue order."""
    by_channel: dict[str, list[Notification]] = {}
    for n in incident.notifications.values():
        if n.delivered_at is None:
            by_channel.setdefault(n.channel, []).append(n)
    return list(by_channel.values())
