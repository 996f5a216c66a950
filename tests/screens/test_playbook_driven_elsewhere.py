"""A war room opened while another session drives the playbook says so, runs nothing, and takes over when it stops."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.agents.conftest import ScriptedBackend
from tests.screens.helpers import kinds, until, war_room_loaded
from tests.screens.seeding import NOW, fixed_now
from warroom.agents.orchestrator import Orchestrator
from warroom.app.app import WarroomApp
from warroom.data.leases import HOST, LeaseHolder
from warroom.data.store import EventStore
from warroom.screens.war_room import WarRoomScreen


async def test_the_war_room_follows_another_session_then_takes_over(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    other = LeaseHolder(HOST, os.getpid(), "other-session")  # a live session: its lease holds until released
    async with await EventStore.open(db) as store:
        incident_id = (await store.declare(NOW, title="Checkout down", severity="P2", service="checkout")).incident_id
        await store.acquire_lease(incident_id, other, now=0.0, seconds=1e12)
    backend = ScriptedBackend()

    def factory(app_store: Any, incident: str) -> Orchestrator:
        return Orchestrator(app_store, incident, "sre", backend, now=fixed_now, poll_interval=0.02)

    app = WarroomApp(db, lambda: WarRoomScreen(incident_id), actor="alice", now=fixed_now,
                     export_dir=tmp_path / "out", orchestrator_factory=factory)  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        await war_room_loaded(pilot)
        pane = pilot.app.screen.query_one("#phase-pane")
        await until(pilot, lambda: pane.border_subtitle == f"driven by {HOST}:{os.getpid()}")
        assert any("Another session" in n.message for n in pilot.app._notifications)
        await pilot.pause(0.2)
        assert not backend.calls and not [k for k in await kinds(db, incident_id) if k.startswith("agent.")]

        async with await EventStore.open(db) as store:
            await store.release_lease(incident_id, other)
        await until(pilot, lambda: bool(backend.calls), timeout=10)
        assert not pane.border_subtitle and pilot.app.screen.orchestrator.drives
        assert any("now runs the playbook" in n.message for n in pilot.app._notifications)
