"""Live follow on PostgreSQL: ``LISTEN warroom_events`` on a connection of its own, with polling behind it.

Every commit notifies ``"<incident id> <last seq>"`` for each incident it wrote. The
follower keeps the highest seq heard per incident, so an announcement that arrives
between a read and the next wait is not missed: the wait returns at once. When the
listening connection drops, every waiter is woken (to read what it can) and waits
poll-style (:data:`POLL_WHILE_DOWN`) while the follower reconnects with backoff;
once it listens again every waiter is woken once more and reads ``seq > last``, so
nothing committed meanwhile is lost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from warroom.data.dbfile import StoreError
from warroom.data.pg.schema import CONNECTION_LOST, connect

__all__ = ["BACKOFF_FIRST", "BACKOFF_MOST", "CHANNEL", "Follower", "POLL_WHILE_DOWN"]

CHANNEL = "warroom_events"
POLL_WHILE_DOWN = 0.5  # seconds between reads while no notification can arrive
BACKOFF_FIRST = 0.1  # seconds before the first reconnect; doubled after each failure
BACKOFF_MOST = 5.0


class Follower:
    """Notifications of one database, shared by every follower of one store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.live = False  # listening: notifications arrive
        self.attempts = 0  # failed reconnects since it last listened
        self._conn: Any = None
        self._heard: dict[str, int] = {}
        self._changed: asyncio.Event | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False

    async def wait(self, incident_id: str, after: int, timeout: float) -> None:
        """Until a commit after ``after`` is heard for ``incident_id``, the connection changes, or ``timeout``."""
        self._start()
        deadline = time.monotonic() + timeout
        while self._heard.get(incident_id, 0) <= after:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if not self.live:
                await asyncio.sleep(min(left, POLL_WHILE_DOWN))
                return
            changed = self._event()
            try:
                await asyncio.wait_for(changed.wait(), left)
            except asyncio.TimeoutError:
                return
            if not self.live:
                return  # the connection dropped: read now, then wait poll-style

    async def close(self) -> None:
        self._closed = True
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            try:
                await self._connecting
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping: its failure changes nothing
                pass
        conn, self._conn, self.live = self._conn, None, False
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=2)
            except CONNECTION_LOST:
                conn.terminate()

    # -- internals ---------------------------------------------------------------------------
    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        """Wake every waiter (each checks what it heard); later waits use a new event."""
        changed, self._changed = self._changed, asyncio.Event()
        if changed is not None:
            changed.set()

    def _start(self) -> None:
        if self._closed or self.live or (self._connecting is not None and not self._connecting.done()):
            return
        self._connecting = asyncio.get_running_loop().create_task(self._listen(), name="warroom-pg-listen")

    async def _listen(self) -> None:
        delay = BACKOFF_FIRST
        while not self._closed:
            conn = None
            try:
                conn = await connect(self.url, timeout=5.0)
                await conn.add_listener(CHANNEL, self._notified)
            except (StoreError, *CONNECTION_LOST):
                if conn is not None:
                    conn.terminate()
                self.attempts += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MOST)
                continue
            conn.add_termination_listener(self._terminated)
            self._conn, self.live, self.attempts = conn, True, 0
            self._wake()  # anything committed before LISTEN took effect: every waiter reads once more
            return

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        incident_id, _, seq = payload.partition(" ")
        if seq.isdigit():
            self._heard[incident_id] = max(self._heard.get(incident_id, 0), int(seq))
            self._wake()

    def _terminated(self, conn: Any) -> None:
        if conn is not self._conn:
            return
        self._conn, self.live = None, False
        self._wake()
        if not self._closed:
            self._start()
