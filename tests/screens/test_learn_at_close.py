"""At close the war room compares the incident with the history once: related incidents and recurrence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.data.insights.conftest import NOW
from tests.data.insights.test_recurrence import CAUSE, closed_incident
from warroom.data import events as ev
from warroom.data.insights import history as history_module
from warroom.data.insights.recurrence import check_recurrence
from warroom.data.insights.related import SECTION, record_related
from warroom.data.models import ActionStatus
from warroom.data.store import EventStore
from warroom.screens.decisions import learn_at_close

AGAIN = "The cart worker retry storm exhausted the connection pool, holding database connections"


@pytest.fixture
def history_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The database paths the incident history was read from, one entry per real read."""
    reads: list[str] = []
    real = history_module._rows_without_chunks

    def counted(path: str) -> list[tuple]:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(history_module, "_rows_without_chunks", counted)
    return reads


async def _seed(db: Path) -> tuple[EventStore, str, str]:
    """An incident closed 40 days ago and one just closed with the same root cause (open action A2)."""
    store = await EventStore.open(db)
    first = await closed_incident(store, NOW - timedelta(days=40), service="checkout", cause=CAUSE, where="five_whys",
                                  actions={"A1": ActionStatus.DONE, "A2": ActionStatus.OPEN})  # fmt: skip
    again = await closed_incident(store, NOW - timedelta(hours=5), service="checkout", cause=AGAIN, where="resolution")
    return store, first, again


class _ClosingScreen:
    """What ``learn_at_close`` reads of the war room screen: its incident, the app's store and clock, notify."""

    def __init__(self, store: EventStore, incident_id: str, now: Callable[[], object]) -> None:
        async def ready_store() -> EventStore:
            return store

        self.incident_id = incident_id
        self.app = SimpleNamespace(ready_store=ready_store, now=now, actor="alice")
        self.notes: list[str] = []

    def notify(self, message: str, **_: object) -> None:
        self.notes.append(message)


def _recorded(events: list[ev.BaseEvent]) -> list[dict]:
    return [e.model_dump(mode="json") for e in events if isinstance(e, ev.ReviewUpdated | ev.RecurrenceMarked)]


async def test_close_reads_the_history_once_and_learns_what_the_separate_calls_learn(
    tmp_path: Path, history_reads: list[str]
) -> None:
    separate, first, again = await _seed(tmp_path / "separate.db")
    together, *_ = await _seed(tmp_path / "together.db")
    try:
        await record_related(separate, again, now=NOW, actor="alice")
        found = await check_recurrence(separate, again, now=NOW)
        assert found is not None and found.earlier_id == first and found.open_actions == ["A2"]
        assert history_reads == [str(separate.path)] * 2  # each call on its own reads the whole history

        history_reads.clear()
        screen = _ClosingScreen(together, again, lambda: NOW)
        await learn_at_close(screen)
        assert history_reads == [str(together.path)]
        assert screen.notes == [f"Recurrence of {first} (same root cause); 1 of its preventive actions not done."]

        for iid in (first, again):
            assert _recorded(await together.events(iid)) == _recorded(await separate.events(iid))
        assert first in (await together.load(again)).review[SECTION]
    finally:
        await separate.close()
        await together.close()
