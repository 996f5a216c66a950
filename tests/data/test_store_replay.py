"""Loading replays in batches (bounded memory) and gives exactly the fold of every event, on both engines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data import store as store_module
from warroom.data.fold import replay
from warroom.data.store_api import open_store


@pytest.mark.parametrize("batch", [1, 7, 50, 5_000])
async def test_a_cold_load_in_batches_equals_the_fold_of_all_events(db_location: str | Path, batch: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    writer = await open_store(db_location)
    try:
        incident_id = (await writer.declare(T0, title="Checkout down")).incident_id
        events: list[ev.BaseEvent] = [ev.AgentStepStarted(incident_id=incident_id, at=T0, run_id="r1", step_id="s")]
        for i in range(120):
            at = T0 + timedelta(seconds=i + 1)
            events.append(ev.AgentStepOutput(incident_id=incident_id, at=at, run_id="r1", text=f"chunk {i}")
                          if i % 3 else ev.NoteAdded(incident_id=incident_id, at=at, actor=f"eng{i % 4}", text=f"n{i}"))  # fmt: skip
        await writer.append_many(events)
    finally:
        await writer.close()
    monkeypatch.setattr(store_module, "REPLAY_BATCH", batch)
    reader = await open_store(db_location)
    try:
        loaded = await reader.load(incident_id)
        everything = await reader.events(incident_id)
        assert loaded == replay(everything)
        assert loaded.runs["r1"].chunks == 80 and loaded.event_count == 122 and loaded.last_seq == everything[-1].seq
        assert set(loaded.last_seen) == {e.actor for e in everything} >= {"eng0", "eng1", "eng2", "eng3"}
    finally:
        await reader.close()
