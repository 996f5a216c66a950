"""Coalescing a backend's streamed chunks into ``agent.output`` events.

A model streams many small chunks; the timeline wants a few events. Chunks are
buffered and written at most every ``interval`` seconds (a pending buffer is
written by a timer, so a pause in the stream does not hold text back), and at
the end of the step. Each event holds at most ``MAX_TEXT`` characters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from warroom.data import events as ev
from warroom.data.store import EventStore

__all__ = ["OutputCoalescer"]


class OutputCoalescer:
    """The ``emit`` a backend gets for one run."""

    def __init__(self, store: EventStore, incident_id: str, run_id: str, *, actor: str,
                 now: Callable[[], datetime], interval: float = 0.1) -> None:  # fmt: skip
        self._store, self._incident_id, self._run_id = store, incident_id, run_id
        self._actor, self._now, self._interval = actor, now, interval
        self._buffer: list[str] = []
        self._size = 0
        self._last = asyncio.get_running_loop().time()  # the first chunks are coalesced too
        self._timer: asyncio.TimerHandle | None = None
        self._pending: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.chunks = 0
        self.closed = False
        self._all: list[str] = []  # every chunk taken: the run's text, joined once at its end (``text``)

    async def emit(self, text: str) -> None:
        """Take one chunk of streamed text."""
        if self.closed or not isinstance(text, str) or not text:
            return
        self._buffer.append(text)
        self._all.append(text)
        self._size += len(text)
        loop = asyncio.get_running_loop()
        if self._size >= ev.MAX_TEXT or loop.time() - self._last >= self._interval:
            await self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._interval, self._flush_later)

    def _flush_later(self) -> None:
        self._timer = None
        if self._buffer and not self.closed:
            self._pending = asyncio.ensure_future(self.flush())

    def _take(self) -> list[ev.AgentStepOutput]:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return []
        text, self._buffer, self._size = "".join(self._buffer), [], 0
        self._last = asyncio.get_running_loop().time()
        parts = [text[i : i + ev.MAX_TEXT] for i in range(0, len(text), ev.MAX_TEXT)]
        self.chunks += len(parts)
        return [ev.AgentStepOutput(incident_id=self._incident_id, at=self._now(), actor=self._actor,
                                   run_id=self._run_id, text=part) for part in parts]  # fmt: skip

    @property
    def text(self) -> str:
        """Everything streamed so far, joined (at most ``MAX_TEXT`` characters, as an event holds)."""
        return "".join(self._all)[: ev.MAX_TEXT]

    async def flush(self) -> None:
        """Write what is buffered as one or more ``agent.output`` events."""
        async with self._lock:
            batch = self._take()
            if batch:
                await self._store.append_many(batch)

    async def drain(self) -> list[ev.AgentStepOutput]:
        """Close and return what is still buffered, for the caller to write with the step's end."""
        if self._pending is not None and not self._pending.done():
            await asyncio.gather(self._pending, return_exceptions=True)
        async with self._lock:
            self.closed = True
            return self._take()

    async def close(self) -> None:
        """Write the rest; later chunks are dropped (the run is over)."""
        if self._pending is not None and not self._pending.done():
            await asyncio.gather(self._pending, return_exceptions=True)
        await self.flush()
        self.closed = True
