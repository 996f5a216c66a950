"""The timeline's two sources answer alike: the SQLite file read in SQL, and rows held from handed-over events.

The war room on PostgreSQL shows its timeline from the replay's events (its driver
is asynchronous only); the same views must show the same rows as on a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import HOSTILE, T0, fixed_now
from warroom.app.app import WarroomApp
from warroom.data import events as ev
from warroom.data.models import Role
from warroom.data.store_api import open_store
from warroom.data.timeline_query import TimelineView
from warroom.screens.war_room import WarRoomScreen
from warroom.widgets.timeline import Timeline
from warroom.widgets.timeline_source import FileRows, HeldRows

VIEWS = [
    TimelineView(), TimelineView("decisions"), TimelineView("notes"), TimelineView("agents"), TimelineView("other"),
    TimelineView(needle="panic"), TimelineView(needle="l'échec"), TimelineView(needle="100% _"),
    TimelineView(needle="text"), TimelineView(needle="dora"), TimelineView(needle="tier"), TimelineView(needle="2"),
    TimelineView("notes", "déploiement"), TimelineView(needle="nothing matches this"),
]  # fmt: skip


async def _seed(location: Any) -> str:
    store = await open_store(location)
    try:
        iid = (await store.declare(T0, title="Disk full", actor="alertmanager")).incident_id
        await store.append_many([
            ev.NoteAdded(incident_id=iid, at=T0, actor="carol", text=HOSTILE),
            ev.TierEscalated(incident_id=iid, at=T0, actor="alice", tier=2, reason="db"),
            ev.RoleAssigned(incident_id=iid, at=T0, actor="alice", role=Role.SCRIBE, person="Dora"),
            ev.AgentStepStarted(incident_id=iid, at=T0, run_id="r", step_id="triage", role="analyst", backend="offline"),
            ev.AgentStepOutput(incident_id=iid, at=T0, run_id="r", text="chunk panic"),
            ev.NoteAdded(incident_id=iid, at=T0, actor="dora", text="L'ÉCHEC du déploiement 100% _ok_"),
        ])  # fmt: skip
        return iid
    finally:
        await store.close()


async def test_the_file_and_the_held_rows_show_the_same_rows_for_every_view(tmp_path: Path) -> None:
    db = tmp_path / "both.db"
    iid = await _seed(db)
    held = HeldRows(iid)
    store = await open_store(db)
    try:
        held.add(await store.events(iid))
    finally:
        await store.close()
    file = FileRows(db, iid)
    try:
        assert file.last_seq() == held.last_seq() > 0
        for view in VIEWS:
            assert list(file.seqs(view)) == list(held.seqs(view)), view
            assert list(file.tail(view, 2, file.last_seq())) == list(held.tail(view, 2, held.last_seq())), view
        every = file.seqs(TimelineView())
        assert len(every) == 6  # the stream chunk is the agent pane's
        assert file.rows(every) == held.rows(every)
        assert [len(file.seqs(v)) for v in VIEWS[5:8]] == [1, 1, 1]
    finally:
        file.close()


async def test_the_war_room_on_postgresql_shows_its_timeline_and_filters_it(pg_url: str, tmp_path: Path) -> None:
    iid = await _seed(pg_url)
    app = WarroomApp(tmp_path / "anchor.db", lambda: WarRoomScreen(iid), actor="alice", now=fixed_now, db_url=pg_url,
                     export_dir=tmp_path / "exports")  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        timeline = app.screen.query_one(Timeline)
        assert timeline.total == 6 and "Disk full" in timeline.rows()[0].text
        await pilot.press("f")
        assert [r.kind for r in timeline.rows()] == ["tier.escalated", "role.assigned"]
        store = await open_store(pg_url)
        try:
            await store.append(ev.NoteAdded(incident_id=iid, at=T0, actor="bob", text="from another host"))
        finally:
            await store.close()
        await until(pilot, lambda: timeline.total == 7)
        assert timeline.shown == 2  # a note is not a decision

