"""A store of one's own on a fresh event loop: for work a UI runs in a thread, off its own loop.

Replaying other incidents (banners, similar incidents) is CPU work; on the UI's
event loop it would stall every keystroke and frame. A worker thread calls
:func:`with_private_store`, which opens its own connection to the same file
(SQLite in WAL mode serves both; PostgreSQL serves any number), runs the coroutine and closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from warroom.data.store import EventStore
from warroom.data.store_api import open_store

__all__ = ["with_private_store"]

T = TypeVar("T")


def with_private_store(path: str | Path, work: Callable[[EventStore], Awaitable[T]]) -> T:
    """``work(store)`` on a new event loop with its own connection to ``path``; blocks until it returns."""

    async def main() -> T:
        store = await open_store(path)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())
