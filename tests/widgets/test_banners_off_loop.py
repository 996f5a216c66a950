"""Banners given a database path poll it in a thread, on a connection of their own, skipping the war room's incident."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from textual.app import App, ComposeResult

from tests.screens.seeding import T0
from warroom.data.models import Severity
from warroom.data.store import EventStore
from warroom.widgets import banners as banners_module
from warroom.widgets.banners import BranchBanners


async def test_a_path_is_polled_off_the_ui_loop_and_the_own_incident_is_not_replayed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "banners.db"
    async with await EventStore.open(db) as store:
        first = (await store.declare(T0, title="Checkout down", severity=Severity.P1)).incident_id
        own_state = await store.load(first)

    loaded_on: list[tuple[str, ...]] = []
    threads: set[int] = set()
    original = BranchBanners._open_incidents

    async def recording(self: BranchBanners, store: EventStore):  # type: ignore[no-untyped-def]
        threads.add(threading.get_ident())
        found = await original(self, store)
        loaded_on.append(tuple(i.incident_id for i in found))
        return found

    monkeypatch.setattr(BranchBanners, "_open_incidents", recording)

    class WarRoomLike(App[None]):
        def compose(self) -> ComposeResult:
            yield BranchBanners(db, interval=0.1, exclude=first)

    app = WarRoomLike()
    async with app.run_test() as pilot:
        banners = app.query_one(BranchBanners)
        banners.show_incident(own_state)
        async with await EventStore.open(db) as writer:
            second = (await writer.declare(T0, title="Payments down", severity=Severity.P0)).incident_id
        for _ in range(60):
            await pilot.pause(0.05)
            if app.query_one("#banner-major").has_class("-shown"):
                break
        assert "MAJOR INCIDENT: 2 P0/P1 open" in str(app.query_one("#banner-major").render())
        assert threading.get_ident() not in threads  # never on the UI's thread
        assert all(first not in ids for ids in loaded_on) and any(second in ids for ids in loaded_on)
        started = time.perf_counter()
    assert time.perf_counter() - started < 1 + banners_module.CANCEL_CHECK_SECONDS * 5  # the thread stops at exit
