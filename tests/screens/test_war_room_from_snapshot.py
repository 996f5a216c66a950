"""The war room starts from the store's snapshot: clocks at once, and a running agent's earlier chunks still shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import NOW
from tests.widgets.timeline_seeding import big_incident, kind_at
from warroom.data import events as ev
from warroom.data.store import EventStore
from warroom.screens.war_room import WarRoomScreen
from warroom.widgets.sla_board import SlaBoard
from warroom.widgets.timeline import Timeline

COUNT = 12_000  # past the store's snapshot interval


async def test_a_reopened_incident_shows_its_state_rows_and_the_running_agents_text(make_app: Any, tmp_path: Path) -> None:
    db = tmp_path / "snap.db"
    iid = await big_incident(db, COUNT)
    store = await EventStore.open(db)
    try:
        folded = await store.load(iid)  # a load past 10,000 events stores a snapshot
    finally:
        await store.close()
    chunks = [f"chunk {i}" for i in range(COUNT) if kind_at(i) == "agent.output"]
    assert len(chunks) == 12 and folded.runs["r"].chunks == 12
    app = make_app(db, lambda: WarRoomScreen(iid, read_only=True))  # records nothing (no breaches) of its own
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        screen = app.screen
        assert screen.state.runs == folded.runs and screen.state.last_seq == folded.last_seq
        assert "".join(screen.agent_texts["r"]) == "".join(chunks)  # read back for the run still streaming
        assert screen.query_one(SlaBoard).children  # the clocks are up
        timeline = screen.query_one(Timeline)
        assert timeline.total == 2 + COUNT - len(chunks)
        writer = await EventStore.open(db)
        try:
            await writer.append(ev.AgentStepOutput(incident_id=iid, at=NOW, run_id="r", text=" and one more"))
            await writer.append(ev.NoteAdded(incident_id=iid, at=NOW, actor="bob", text="after the snapshot"))
        finally:
            await writer.close()
        await until(pilot, lambda: "".join(screen.agent_texts["r"]).endswith(" and one more"))
        await until(pilot, lambda: timeline.total == 3 + COUNT - len(chunks))
        assert screen.state.runs["r"].chunks == 13
