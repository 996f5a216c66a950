"""Waiting for the app in pilot tests (the store is followed by a worker)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from warroom.data.store import EventStore


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app did not reach the expected state in time")
        await pilot.pause(0.05)


async def war_room_loaded(pilot: Pilot[Any]) -> None:
    """Wait for the war room (or review) screen to have read the incident."""
    from warroom.screens.war_room import WarRoomScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, WarRoomScreen) and pilot.app.screen.loaded.is_set())
    await pilot.pause()


async def kinds(db_path: Any, incident_id: str) -> list[str]:
    store = await EventStore.open(db_path)
    try:
        return [e.kind for e in await store.events(incident_id)]
    finally:
        await store.close()


async def events_of(db_path: Any, incident_id: str, kind: str) -> list[Any]:
    store = await EventStore.open(db_path)
    try:
        return [e for e in await store.events(incident_id) if e.kind == kind]
    finally:
        await store.close()
