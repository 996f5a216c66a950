"""Two engineers on one database: what one app records appears in the other (how fast: bench/store.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import Seeded
from warroom.screens.war_room import WarRoomScreen

ROOT = Path(__file__).resolve().parents[2]

# A second war room in its own process: bob opens the incident and adds a note with the keyboard.
SECOND_APP = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime, timezone
    from warroom.app.app import WarroomApp
    from warroom.screens.war_room import WarRoomScreen

    async def main(db, incident):
        app = WarroomApp(db, lambda: WarRoomScreen(incident), actor="bob")
        async with app.run_test(size=(100, 30)) as pilot:
            while not (isinstance(app.screen, WarRoomScreen) and app.screen.loaded.is_set()):
                await pilot.pause(0.05)
            await pilot.press("n", *"bob here, looking at the db", "enter")
            while "bob here, looking at the db" not in [r.text[6:] for r in app.screen.query_one("#timeline").rows()]:
                await pilot.pause(0.05)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_events_from_another_process_appear(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active))
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", SECOND_APP, str(seeded.db_path), seeded.active, env=env)
        assert await asyncio.wait_for(proc.wait(), timeout=60) == 0
        timeline = pilot.app.screen.query_one("#timeline")
        await until(pilot, lambda: any(r.actor == "bob" and "bob here" in r.text for r in timeline.rows()), timeout=10)

        # and alice's own note reaches the store for bob's next look (a plain CLI read here)
        await pilot.press("n", *"alice: rolling back", "enter")
        await until(pilot, lambda: any("alice: rolling back" in r.text for r in timeline.rows()))
    shown = subprocess.run(
        [sys.executable, "-m", "warroom", "show", seeded.active, "--db", str(seeded.db_path)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert "alice: rolling back" in shown.stdout and "bob here" in shown.stdout
