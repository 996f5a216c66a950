"""Shared fixtures: a real on-disk store, a fixed clock, and the shared data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data.store import EventStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` (skips where a clone has no shared folder beside it)."""
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is absent (it is present in CI and on developer machines)")
    return data


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warroom.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[EventStore]:
    s = await EventStore.open(db_path)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own database, config or API key."""
    monkeypatch.setenv("WARROOM_DB", str(tmp_path / "default.db"))
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.setenv("WARROOM_ACTOR", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
