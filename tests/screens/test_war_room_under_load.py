"""Opening the war room on a loaded incident, again and again, while an agent streams: never a traceback.

The clocks, the timeline and the agent pane all update while the replay is still
arriving in batches and the 1 Hz clock timer fires in between; any pane that
queried a child it had not mounted yet would end the app with an exception,
which ``run_test`` re-raises here. The 50-open soak in a real terminal is
``bench/tui.py``; this is its bounded version.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import NOW, T0
from warroom.data import events as ev
from warroom.data.clocks import clocks
from warroom.data.models import Level, Severity
from warroom.data.store import EventStore
from warroom.screens.war_room import WarRoomScreen
from warroom.widgets.sla_board import SlaBoard
from warroom.widgets.timeline import Timeline

EVENTS = 3_000
OPENS = 3


async def _seed(db: Path) -> str:
    """A P1 whose clock set changes late in its history (acknowledged, then resolved near the end)."""
    store = await EventStore.open(db, synchronous="OFF")
    try:
        declared = await store.declare(T0, title="Checkout 502s", severity=Severity.P1, impact=Level.HIGH,
                                       urgency=Level.MEDIUM, actor="alertmanager")  # fmt: skip
        iid = declared.incident_id
        batch: list[ev.BaseEvent] = []
        for i in range(EVENTS):
            at = T0 + timedelta(milliseconds=i)
            if i % 100 == 0:
                batch.append(ev.AgentStepStarted(incident_id=iid, at=at, run_id=f"r{i}", step_id=f"step{i}", role="analyst", backend="offline"))
            elif i % 100 == 99:
                batch.append(ev.AgentStepFinished(incident_id=iid, at=at, run_id=f"r{i - 99}", output=f"finding {i}"))
            elif i % 2:
                batch.append(ev.AgentStepOutput(incident_id=iid, at=at, run_id=f"r{i - i % 100}", text=f"chunk {i} "))
            else:
                batch.append(ev.NoteAdded(incident_id=iid, at=at, actor="bench", text=f"note {i}"))
        batch.append(ev.Acknowledged(incident_id=iid, at=T0 + timedelta(minutes=2), actor="carol"))
        await store.append_many(batch)
        return iid
    finally:
        await store.close()


async def _stream(db: Path, iid: str, stop: asyncio.Event) -> None:
    """Another writer on the same database: an agent run streaming a chunk every 20 ms."""
    store = await EventStore.open(db)
    try:
        run = "streaming"
        await store.append(ev.AgentStepStarted(incident_id=iid, at=NOW, run_id=run, step_id="stream", role="analyst", backend="offline"))
        n = 0
        while not stop.is_set():
            n += 1
            await store.append(ev.AgentStepOutput(incident_id=iid, at=NOW, run_id=run, text=f"token {n} "))
            await asyncio.sleep(0.02)
    finally:
        await store.close()


async def test_opening_a_loaded_incident_repeatedly_while_an_agent_streams(make_app: Any, tmp_path: Path) -> None:
    db = tmp_path / "loaded.db"
    iid = await _seed(db)
    stop = asyncio.Event()
    streamer = asyncio.create_task(_stream(db, iid, stop))
    try:
        for _ in range(OPENS):
            app = make_app(db, lambda: WarRoomScreen(iid, read_only=True))
            async with app.run_test(size=(120, 40)) as pilot:  # re-raises any exception of the app
                await war_room_loaded(pilot)
                screen = app.screen
                assert isinstance(screen, WarRoomScreen) and screen.state is not None
                expected = [c.name for c in clocks(screen.state, NOW, app.policy)]
                await until(pilot, lambda: [r.name for r in screen.query_one(SlaBoard).query("SlaClock")] == expected)
                assert screen.query_one(Timeline).total >= EVENTS // 2
                await pilot.pause(0.3)
    finally:
        stop.set()
        await streamer
