"""Incident ids: read incrementally between transactions, yet never given twice, by any writer (both engines)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data import events as ev
from warroom.data.store_api import open_store

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


async def test_ids_declared_by_another_connection_between_transactions_are_skipped(db_location: str | Path) -> None:
    async with await open_store(db_location) as mine, await open_store(db_location) as theirs:
        assert (await mine.declare(T0, title="a")).incident_id == "INC-2026-0001"
        assert (await theirs.declare(T0, title="b")).incident_id == "INC-2026-0002"
        await theirs.append(ev.NoteAdded(incident_id="INC-2026-0002", at=T0, actor="bob", text="busy"))
        assert (await mine.declare(T0, title="c")).incident_id == "INC-2026-0003"
        assert (await theirs.declare(T0, title="d")).incident_id == "INC-2026-0004"
        assert (await mine.declare(T0.replace(year=2027), title="e")).incident_id == "INC-2027-0001"
        assert (await mine.declare(T0, title="f")).incident_id == "INC-2026-0005"


async def test_an_id_taken_by_a_rolled_back_transaction_is_given_again(db_location: str | Path) -> None:
    async with await open_store(db_location) as store:
        await store.declare(T0, title="a")
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                taken = await tx.next_id(2026)
                await tx.append(ev.IncidentDeclared(incident_id=taken, at=T0, actor="x", title="gone"))
                raise RuntimeError("the caller gave up")
        assert taken == "INC-2026-0002"
        assert (await store.declare(T0, title="b")).incident_id == "INC-2026-0002"
        assert (await store.declare(T0, title="c")).incident_id == "INC-2026-0003"
