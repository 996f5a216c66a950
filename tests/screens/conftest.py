"""Fixtures for the screen tests: a seeded database and an app factory on a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.screens.seeding import Seeded, fixed_now, seed
from warroom.app.app import WarroomApp


@pytest.fixture
async def seeded(tmp_path: Path) -> Seeded:
    return await seed(tmp_path / "seeded.db")


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., WarroomApp]:
    def build(db_path: Path, first_screen: Callable[[], Any], **extra: Any) -> WarroomApp:
        extra.setdefault("export_dir", tmp_path / "exports")
        return WarroomApp(db_path, first_screen, actor="alice", now=fixed_now, **extra)

    return build
