"""Shared fixtures: a real on-disk store, a fixed clock, and the shared data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.pg_server import PgServer, unavailable_reason
from warroom.data.store import EventStore
from warroom.data.store_api import open_store

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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server of this test process (each xdist worker starts its own), stopped at the end."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    url = pg_server.database()
    try:
        yield url
    finally:
        pg_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_location(request: pytest.FixtureRequest, db_path: Path) -> str | Path:
    """Where a store lives, once per engine: an SQLite file path, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return db_path
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def any_store(db_location: str | Path) -> AsyncIterator[Any]:
    """An open store of either engine (the tests that take it run once per engine)."""
    s = await open_store(db_location)
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
