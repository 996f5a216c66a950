"""The orchestrator's lease: one session per incident drives the playbook (see ``warroom.data.leases``).

Followers read the lease without taking the write lock and take it over when its
holder releases it, lets it expire, or is a dead process on this host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom.data.leases import Lease, LeaseHolder
from warroom.data.store import EventStore, StoreError

__all__ = ["LeaseKeeping"]


class LeaseKeeping:
    """The lease part of :class:`warroom.agents.orchestrator.Orchestrator` (a mixin)."""

    store: EventStore
    incident_id: str
    poll_interval: float
    holder: LeaseHolder
    lease: Lease | None
    lease_clock: Callable[[], float]
    lease_seconds: float
    on_lease: Callable[[str], Any] | None
    _driver: str | None
    _wake: asyncio.Event

    if TYPE_CHECKING:  # the orchestrator's own

        async def _notify(self) -> None: ...

        @staticmethod
        async def _call(callback: Callable[..., Any] | None, *args: Any) -> None: ...

    @property
    def drives(self) -> bool:
        """True while this orchestrator holds the incident's lease (it runs the steps)."""
        return self.lease is not None and self.lease.held_by(self.holder)

    @property
    def driven_by(self) -> str:
        """``host:pid`` of the other session driving the playbook, or ``""``."""
        return "" if self.lease is None or self.drives else str(self.lease.holder)

    async def _take_lease(self, follow: bool) -> bool:
        """Acquire the lease; with ``follow``, watch (handing on events) until it can be taken."""
        while True:
            now = self.lease_clock()
            lease = await self.store.lease(self.incident_id)  # a read first: followers take no write lock
            if lease is None or lease.held_by(self.holder) or lease.abandoned(now):
                lease = await self.store.acquire_lease(self.incident_id, self.holder, now=now, seconds=self.lease_seconds)
            await self._seen_lease(lease)
            if self.drives or not follow:
                return self.drives
            await self._notify()
            await asyncio.sleep(self.poll_interval * 5)

    async def _keep_lease(self) -> None:
        """Renew the lease every third of its duration (from the ticker); note when it was lost."""
        now = self.lease_clock()
        if self.lease is None or now < self.lease.renewed_at + self.lease_seconds / 3:
            return
        if await self.store.renew_lease(self.incident_id, self.holder, now=now, seconds=self.lease_seconds):
            self.lease = Lease(self.incident_id, self.holder, self.lease.acquired_at, now, now + self.lease_seconds)
        else:
            await self._seen_lease(await self.store.lease(self.incident_id))
            self._wake.set()

    async def _release_lease(self) -> None:
        try:
            await self.store.release_lease(self.incident_id, self.holder)
        except (StoreError, ValueError):
            pass  # the store failed or closed: the lease expires (or its dead pid is seen) instead
        if self.drives:
            self.lease = None

    async def _seen_lease(self, lease: Lease | None) -> None:
        self.lease = lease
        driver = self.driven_by
        if driver != self._driver:
            self._driver = driver
            await self._call(self.on_lease, driver)
