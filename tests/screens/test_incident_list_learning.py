"""The incident list shows overdue preventive actions and opens the Metrics screen with M."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Static

from tests.screens.helpers import until
from tests.screens.seeding import NOW, fixed_now
from warroom.app.app import WarroomApp
from warroom.data import events as ev
from warroom.data.models import Horizon
from warroom.data.store import EventStore
from warroom.screens.incident_list import IncidentListScreen
from warroom.screens.metrics import MetricsScreen


async def _seed(db: Path) -> str:
    store = await EventStore.open(db)
    declared = await store.declare(NOW - timedelta(days=30), title="old outage", service="checkout")
    iid = declared.incident_id
    await store.append_many([
        ev.ActionItemAdded(incident_id=iid, at=NOW - timedelta(days=29), item_id="A1", title="alert on pool saturation",
                           owner="dana", due=NOW - timedelta(days=2), horizon=Horizon.IMMEDIATE),
        ev.ActionItemAdded(incident_id=iid, at=NOW - timedelta(days=29), item_id="A2", title="load test the pool",
                           owner="eve", due=NOW + timedelta(days=20)),
    ])  # fmt: skip
    await store.close()
    return iid


async def test_overdue_actions_shown_and_metrics_opened(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    iid = await _seed(db)
    app = WarroomApp(db, IncidentListScreen, actor="alice", now=fixed_now, export_dir=tmp_path / "out")
    async with app.run_test(size=(140, 30)) as pilot:
        await until(pilot, lambda: getattr(pilot.app.screen, "loaded", False) is True)
        line = str(pilot.app.screen.query_one("#overdue-actions", Static).render())
        assert f"{iid}:A1" in line and "dana" in line
        assert "A2" not in line  # not yet due
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, MetricsScreen))


async def test_no_overdue_line_when_nothing_is_overdue(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    store = await EventStore.open(db)
    await store.declare(NOW, title="fresh")
    await store.close()
    app = WarroomApp(db, IncidentListScreen, actor="alice", now=fixed_now, export_dir=tmp_path / "out")
    async with app.run_test(size=(140, 30)) as pilot:
        await until(pilot, lambda: getattr(pilot.app.screen, "loaded", False) is True)
        assert pilot.app.screen.query_one("#overdue-actions", Static).display is False
