"""``warroom open`` / ``warroom review`` refuse bad input in one line; the palette offers the keys that apply."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.screens.helpers import war_room_loaded
from tests.screens.seeding import fixed_now, seed
from warroom.app.app import WarroomApp
from warroom.app.cli import main
from warroom.app.palette import WarRoomCommands
from warroom.screens.review import ReviewScreen
from warroom.screens.war_room import WarRoomScreen

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["open", "review"])
@pytest.mark.parametrize("incident", ["not-an-id", "INC-2026-9999", "../../etc/passwd", "INC-2026-0001\x1b]0;x\x07"])
def test_bad_or_unknown_incident_is_one_line_exit_2(command: str, incident: str, tmp_path: Path, capsys: Any) -> None:
    assert main([command, incident, "--db", str(tmp_path / "w.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("warroom: ") and err.count("\n") == 1 and "\x1b" not in err


def test_no_command_without_a_terminal_prints_the_list(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WARROOM_DB": str(tmp_path / "w.db")}
    subprocess.run([sys.executable, "-m", "warroom", "new", "Disk full on db-1", "--no-tui"], env=env, check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    listed = subprocess.run([sys.executable, "-m", "warroom"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "Disk full on db-1" in listed.stdout


async def test_palette_offers_enabled_keys_only(tmp_path: Path) -> None:
    seeded = await seed(tmp_path / "p.db")
    for screen, expect, refuse in ((lambda: WarRoomScreen(seeded.active), "Escalate", None),
                                   (lambda: ReviewScreen(seeded.resolved), "Save review", "Escalate")):  # fmt: skip
        app = WarroomApp(seeded.db_path, screen, actor="alice", now=fixed_now, export_dir=tmp_path / "out")
        async with app.run_test(size=(120, 40)) as pilot:
            await war_room_loaded(pilot)
            provider = WarRoomCommands(pilot.app.screen)
            labels = [hit.text async for hit in provider.discover()]
            assert any(label.startswith(expect) for label in labels)
            if refuse:
                assert not any(label.startswith(refuse) for label in labels)
            hits = [hit async for hit in provider.search("escal")]
            assert bool(hits) is (refuse is None)


async def test_review_of_an_incident_still_being_worked_is_refused(tmp_path: Path, capsys: Any) -> None:
    seeded = await seed(tmp_path / "w.db")
    assert await asyncio.to_thread(main, ["review", seeded.active, "--db", str(seeded.db_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"warroom: {seeded.active} is MITIGATING") or "once the incident is resolved" in err, err
    assert err.count("\n") == 1 and f"warroom resolve {seeded.active}" in err


@pytest.mark.parametrize("command", ["open", "review"])
async def test_screens_without_a_terminal_say_what_to_use_instead(command: str, tmp_path: Path) -> None:
    seeded = await seed(tmp_path / "w.db")
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "warroom", command, seeded.resolved, "--db", str(seeded.db_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stdout == "" and "\x1b" not in done.stderr
    assert done.stderr.startswith(f"warroom: warroom {command} needs a terminal") and f"warroom show {seeded.resolved}" in done.stderr


@pytest.mark.parametrize("command", [["list"], ["new", "Disk full", "--no-tui"], ["show", "INC-2026-0001"]])
def test_db_in_a_folder_that_does_not_exist_is_refused_not_created(command: list[str], tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "typo" / "deeper" / "w.db"
    assert main([*command, "--db", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err and "typo" in err
    assert not (tmp_path / "typo").exists()
    (tmp_path / "file").write_text("x")
    assert main([*command, "--db", str(tmp_path / "file" / "w.db")]) == 2
    assert "is not a folder" in capsys.readouterr().err
