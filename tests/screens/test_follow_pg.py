"""The war room on PostgreSQL: an append elsewhere is on screen by notification; a server restart is survived."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.pg_server import PgServer
from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import T0
from warroom.data import events as ev
from warroom.data.pg import PgEventStore
from warroom.screens.war_room import FOLLOW_WAIT_SECONDS, WarRoomScreen


def note(incident_id: str, text: str) -> ev.NoteAdded:
    return ev.NoteAdded(incident_id=incident_id, at=T0, actor="bob", text=text)


async def declared_war_room(make_app: Any, tmp_path: Path, pg_url: str) -> tuple[Any, str]:
    """A war room app on ``pg_url`` (its file path only anchors local files) for a newly declared incident."""
    async with await PgEventStore.open(pg_url) as other:
        incident_id = (await other.declare(T0, title="Checkout 502s")).incident_id
    return make_app(tmp_path / "anchor.db", lambda: WarRoomScreen(incident_id, read_only=True), db_url=pg_url), incident_id


async def following(pilot: Any) -> WarRoomScreen:
    """The war room once it has read the incident and listens for notifications."""
    await war_room_loaded(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WarRoomScreen)
    await until(pilot, lambda: pilot.app.store.following_live)
    return screen


async def test_an_append_on_another_connection_is_on_screen_by_notification(make_app: Any, tmp_path: Path,
                                                                            pg_url: str) -> None:  # fmt: skip
    app, incident_id = await declared_war_room(make_app, tmp_path, pg_url)
    async with await PgEventStore.open(pg_url) as other:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await following(pilot)
            delays = []
            for n in range(1, 4):
                started = time.monotonic()
                await other.append(note(incident_id, f"from another host {n}"))
                await until(pilot, lambda: screen.state is not None and screen.state.notes == n, timeout=FOLLOW_WAIT_SECONDS)
                delays.append(time.monotonic() - started)
            # a poll would wait FOLLOW_WAIT_SECONDS: each note came by its notification
            assert max(delays) < FOLLOW_WAIT_SECONDS / 2, delays
    assert not (tmp_path / "anchor.db").exists()  # the store was PostgreSQL's, not a file


async def test_a_database_restart_shows_reconnecting_and_catches_up(make_app: Any, tmp_path: Path, pg_url: str,
                                                                    pg_server: PgServer) -> None:  # fmt: skip
    app, incident_id = await declared_war_room(make_app, tmp_path, pg_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await following(pilot)
        pane = screen.query_one("#timeline-pane")
        await asyncio.to_thread(pg_server.stop, "fast")
        try:
            await until(pilot, lambda: pane.border_subtitle == "reconnecting…", timeout=10)
            assert not app.store.following_live
        finally:
            await asyncio.to_thread(pg_server.start)
        async with await PgEventStore.open(pg_url) as other:
            await other.append(note(incident_id, "written while the war room reconnected"))
            await until(pilot, lambda: screen.state is not None and screen.state.notes == 1, timeout=15)
            await until(pilot, lambda: pane.border_subtitle == "", timeout=5)
            await until(pilot, lambda: app.store.following_live, timeout=10)
            started = time.monotonic()
            await other.append(note(incident_id, "after the restart"))
            await until(pilot, lambda: screen.state is not None and screen.state.notes == 2, timeout=FOLLOW_WAIT_SECONDS)
            assert time.monotonic() - started < FOLLOW_WAIT_SECONDS / 2  # notifications again, not polling
