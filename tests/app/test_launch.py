"""The entry point pauses the garbage collector for start-up; a command (or the war room's first frame) resumes it."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from warroom.app import launch
from warroom.app.app import WarroomApp
from warroom.app.cli import main
from warroom.screens.war_room import WarRoomScreen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    yield
    launch.resume_gc()
    gc.enable()


def test_a_command_runs_with_the_collector_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    launch.pause_gc()
    assert not gc.isenabled()
    assert main(["list", "--db", str(tmp_path / "w.db")]) == 0
    assert gc.isenabled()


def test_open_leaves_it_to_the_war_room_and_an_error_is_still_reported(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    launch.pause_gc()
    assert main(["open", "INC-2026-0042", "--db", str(tmp_path / "w.db")]) == 2
    assert "no incident INC-2026-0042" in capsys.readouterr().err
    assert not gc.isenabled()  # the program's main() resumes it on the way out
    launch.resume_gc()
    assert gc.isenabled()


async def test_the_war_room_resumes_it_after_its_first_frame(tmp_path: Path) -> None:
    from tests.screens.seeding import seed

    seeded = await seed(tmp_path / "w.db")
    launch.pause_gc()
    app = WarroomApp(seeded.db_path, lambda: WarRoomScreen(seeded.active), actor="tester")
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            if gc.isenabled():
                break
            await pilot.pause(0.02)
        assert gc.isenabled()


def test_python_dash_m_warroom_goes_through_the_entry_point(tmp_path: Path) -> None:
    code = ("import gc, runpy, sys\n"
            "import warroom.app.cli as cli\n"
            "seen = []\n"
            "real = cli.main\n"
            "def spy(argv=None):\n"
            "    seen.append(gc.isenabled())\n"
            "    return real(argv)\n"
            "cli.main = spy\n"
            "sys.argv = ['warroom', 'list', '--db', sys.argv[1]]\n"
            "try:\n"
            "    runpy.run_module('warroom', run_name='__main__')\n"
            "except SystemExit as exit:\n"
            "    assert exit.code == 0, exit.code\n"
            "assert seen == [False] and gc.isenabled(), seen\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.db")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
