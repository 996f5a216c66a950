"""SVG snapshots of every screen and modal at 80×24 and 160×48, on a fixed clock and a seeded incident.

The seeded P1 has breached clocks (acknowledge, recorded once), a streaming
agent run and hostile text in a note and in agent output (shown literally).
Update deliberately: ``pytest tests/snapshots --snapshot-update``, then look at each SVG.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import Seeded, fixed_now, seed_sync
from warroom.app.app import WarroomApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def seeded_db(tmp_path: Path) -> Seeded:
    return seed_sync(tmp_path / "snap.db")


def _app(seeded: Seeded, screen: Any, tmp_path: Path) -> WarroomApp:
    return WarroomApp(seeded.db_path, screen, actor="alice", now=fixed_now, export_dir=Path("incidents"))


def _war_room(seeded: Seeded, tmp_path: Path, incident: str | None = None) -> WarroomApp:
    from warroom.screens.war_room import WarRoomScreen

    return _app(seeded, lambda: WarRoomScreen(incident or seeded.active), tmp_path)


async def steady(pilot: Any) -> None:
    """Stop cursor blinking so the screenshot does not depend on when it is taken."""
    await pilot.pause(0.2)
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
        widget.refresh()  # the cursor row may be cached from a blink's off phase
    for screen in pilot.app.screen_stack:  # repaint what lies under a modal, so the dimmed backdrop is settled
        screen.refresh(repaint=True)
    await pilot.pause(0.1)


def _then(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await war_room_loaded(pilot)
        if keys:
            await pilot.press(*keys)
        await steady(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_war_room(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_war_room(seeded_db, tmp_path), terminal_size=size, run_before=_then())


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("s",), id="severity"),
        pytest.param(("e",), id="escalation"),
        pytest.param(("m",), id="mitigation"),
        pytest.param(("u",), id="status-update"),
        pytest.param(("n",), id="note"),
        pytest.param(("R",), id="roles"),
        pytest.param(("x",), id="resolve"),
        pytest.param(("question_mark",), id="help"),
        pytest.param(("f",), id="filter-decisions"),
    ],
)
@pytest.mark.parametrize("size", SIZES)
def test_war_room_modal(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    assert snap_compare(_war_room(seeded_db, tmp_path), terminal_size=size, run_before=_then(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_confirm_close(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    app = _war_room(seeded_db, tmp_path, seeded_db.resolved)
    assert snap_compare(app, terminal_size=size, run_before=_then("c"))


@pytest.mark.parametrize("size", SIZES)
def test_gate_modal(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    from warroom.screens.modals import GateModal

    gate = SimpleNamespace(
        gate_id="triage-severity", step_id="classify", kind="choose", question="Accept the proposed severity P1?",
        options=["P0", "P1", "P2"], recommended="P1", recommendation_reason="14% of checkouts fail [bold]now[/]",
    )  # fmt: skip

    async def run_before(pilot: Any) -> None:
        await war_room_loaded(pilot)
        pilot.app.push_screen(GateModal(gate))
        await steady(pilot)

    assert snap_compare(_war_room(seeded_db, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_incident_list(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    from warroom.screens.incident_list import IncidentListScreen

    async def run_before(pilot: Any) -> None:
        await until(pilot, lambda: getattr(pilot.app.screen, "loaded", False) is True)
        await steady(pilot)

    assert snap_compare(_app(seeded_db, IncidentListScreen, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_intake_interactive(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    from warroom.screens.intake import IntakeScreen

    app = _app(seeded_db, lambda: IntakeScreen(interactive=True, title="Checkout 502s"), tmp_path)

    async def run_before(pilot: Any) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_review(snap_compare: Any, seeded_db: Seeded, tmp_path: Path, size: tuple[int, int]) -> None:
    from warroom.screens.review import ReviewScreen

    app = _app(seeded_db, lambda: ReviewScreen(seeded_db.resolved), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=_then())
