"""The PostgreSQL rows of ``bench/store.py``: the same measures as for the SQLite file, and the follow delay.

The server is ``--pg URL`` when given (each measure makes and drops its own database there,
so the user needs CREATEDB), else a temporary durable one (``fsync`` on, like production)
started with the tests' launcher in the benchmark's folder, on the disk measured.

The follow delay is the time from the start of an append (its commit included) on one connection to a follower on
another connection having read it (``wait_for_append`` then ``events(since=last)``), and to the
frame of a war room (Textual's headless driver) whose timeline shows it. SQLite's followers poll
every 0.25 s; PostgreSQL's are woken by ``LISTEN/NOTIFY``.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warroom.data import events as ev
from warroom.data.pg import PgEventStore
from warroom.data.store_api import open_store

__all__ = ["Databases", "delay_row", "follow_delays", "pg_rows", "repaint_delays"]

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
Row = tuple[str, str, str, str]


class Databases:
    """Fresh PostgreSQL databases on one server: ``--pg URL``'s, or a temporary durable one."""

    def __init__(self, url: str | None, folder: Path) -> None:
        self._url, self._folder, self._server, self._admin = url, folder, None, None
        self._names = itertools.count(1)

    async def __aenter__(self) -> "Databases":
        import asyncpg

        if self._url is None:
            from tests.pg_server import PgServer

            self._server = await asyncio.to_thread(PgServer, durable=True, parent=self._folder)
            self._url = self._server.url()
        self._admin = await asyncpg.connect(self._url)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._admin.close()
        if self._server is not None:
            await asyncio.to_thread(self._server.close)

    @property
    def where(self) -> str:
        return "a temporary durable server (fsync on) in the same folder" if self._server else "the server of --pg"

    async def fresh(self) -> str:
        """A new database's URL (same server, same user)."""
        from urllib.parse import urlsplit, urlunsplit

        name = f"warroom_bench_{next(self._names)}"
        await self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await self._admin.execute(f"CREATE DATABASE {name}")
        parts = urlsplit(self._url)
        return urlunsplit(parts._replace(path="/" + name))


async def pg_rows(dbs: Databases, measures: dict[str, Callable[..., Awaitable[Any]]], sizes: dict[str, int],
                  rounds: int) -> list[Row]:  # fmt: skip
    """The PostgreSQL figures of the measures ``bench/store.py`` runs on SQLite (the same functions)."""
    rows: list[Row] = []
    single = max([await measures["single"](await dbs.fresh(), sizes["single"]) for _ in range(rounds)])
    rows.append(("single appends, PostgreSQL", f"{single:,.0f} events/s", "", ""))
    for batch in (10, 100):
        ours = max([await measures["batches"](await dbs.fresh(), sizes["batch"], batch) for _ in range(rounds)])
        rows.append((f"batch appends ({batch} per transaction), PostgreSQL", f"{ours:,.0f} events/s", "", ""))
    url = await dbs.fresh()
    incident_id = await measures["build"](url, sizes["replay"])
    timings = [await measures["replay"](url, incident_id) for _ in range(rounds)]
    return rows + measures["replay_rows"](", PostgreSQL", timings)


async def follow_delays(location: str | Path, appends: int) -> list[float]:
    """Seconds from the start of each append on one connection to a follower on another having read it."""
    writer, follower = await open_store(location), await open_store(location)
    try:
        incident_id = (await writer.declare(T0, title="followed")).incident_id
        last = (await follower.events(incident_id))[-1].seq
        if isinstance(follower, PgEventStore):
            await follower.wait_for_append(incident_id, last, 0.01)  # starts listening
            while not follower.following_live:
                await asyncio.sleep(0.01)
        delays: list[float] = []
        for i in range(appends):
            read = asyncio.Event()
            stamps: list[float] = []

            async def follow() -> None:
                nonlocal last
                while True:
                    batch = await follower.events(incident_id, since=last)
                    if batch:
                        last = batch[-1].seq
                        stamps.append(time.perf_counter())
                        read.set()
                        return
                    await follower.wait_for_append(incident_id, last, 5.0)

            task = asyncio.create_task(follow())
            await asyncio.sleep(0.005 + (i % 7) * 0.01)  # the follower is waiting, at a random point of its poll
            note = ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(seconds=i), actor="bench", text=f"note {i}")
            started = time.perf_counter()
            await writer.append(note)
            await read.wait()
            await task
            delays.append(stamps[0] - started)
        return delays
    finally:
        await writer.close()
        await follower.close()


async def repaint_delays(location: str | Path, appends: int, anchor: Path) -> list[float]:
    """Seconds from the start of each append on one connection to the frame of a war room (headless) showing it.

    The war room follows the store as in a terminal (Textual's headless driver: every frame is
    composed, nothing is written to a terminal); ``anchor`` is the local path of a PostgreSQL war room.
    """
    from warroom.app.app import WarroomApp
    from warroom.screens.war_room import WarRoomScreen
    from warroom.widgets.timeline import Timeline

    writer = await open_store(location)
    try:
        incident_id = (await writer.declare(T0, title="watched")).incident_id
        url = str(location) if isinstance(location, str) else None
        app = WarroomApp(anchor if url else Path(location), lambda: WarRoomScreen(incident_id, read_only=True),
                         actor="bench", db_url=url)  # fmt: skip
        delays: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, WarRoomScreen) and app.screen.loaded.is_set()):
                await pilot.pause(0.01)
            while url and not app.store.following_live:
                await pilot.pause(0.01)
            timeline = app.screen.query_one(Timeline)
            for i in range(appends):
                await pilot.pause(0.005 + (i % 7) * 0.01)
                before = timeline.total
                note = ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(seconds=i), actor="bench", text=f"note {i}")
                started = time.perf_counter()
                await writer.append(note)
                while timeline.total == before:
                    await pilot.pause(0.001)
                await pilot.pause()  # the frame that shows it
                delays.append(time.perf_counter() - started)
        return delays
    finally:
        await writer.close()


def delay_row(name: str, delays: list[float]) -> Row:
    ordered = sorted(delays)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"follow delay, {name} ({len(delays)} appends)", f"{statistics.median(delays) * 1000:.1f} ms median",
            f"p99 {p99 * 1000:.1f} ms", "")  # fmt: skip
