"""``warroom stats`` reads summaries: incidents with a snapshot from it (no documents, no chunks), the rest in one pass.

The figures must be the same as from the full history (every event of every incident replayed).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.data.insights.conftest import NOW, detected, seed_history
from warroom.data import events as ev
from warroom.data import snapshots
from warroom.data.insights import compute_figures, load_history
from warroom.data.insights.summaries import load_summaries
from warroom.data.store import EventStore


async def test_figures_from_summaries_equal_the_full_history(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 40)
    async with await EventStore.open(db_path) as store:
        await seed_history(store, 60)
        for i, related in ((40, 30), (41, 12)):  # two closed incidents grow long: notes, and a marked recurrence
            iid = f"INC-2026-{i + 1:04d}"
            at = detected(i) + timedelta(days=3)
            await store.append_many([ev.NoteAdded(incident_id=iid, at=at + timedelta(seconds=k), text=f"late note {k}")
                                     for k in range(60)])  # fmt: skip
            await store.append(ev.RecurrenceMarked(incident_id=iid, at=at + timedelta(minutes=5), related_incident=f"INC-2026-{related + 1:04d}",
                                                   role="recurrence"))  # fmt: skip
    async with await EventStore.open(db_path) as store:
        for i in (40, 41):
            await store.load(f"INC-2026-{i + 1:04d}")  # writes their snapshots
    db = sqlite3.connect(db_path)
    assert {r[0] for r in db.execute("SELECT incident_id FROM snapshots")} == {"INC-2026-0041", "INC-2026-0042"}
    db.close()
    async with await EventStore.open(db_path) as store:
        summaries = await load_summaries(store)
        full = await load_history(store)
    assert [s.incident_id for s, _ in summaries] == [s.incident_id for s, _ in full]
    by_id = {s.incident_id: (s, marks) for s, marks in summaries}
    assert [m.kind for m in by_id["INC-2026-0042"][1]] == ["recurrence.marked"]  # the snapshotted one: its marks only
    assert by_id["INC-2026-0042"][0].notes == dict((s.incident_id, s) for s, _ in full)["INC-2026-0042"].notes
    ours, theirs = compute_figures(summaries, NOW).to_json(), compute_figures(full, NOW).to_json()
    assert ours == theirs
    recurrence = next(f for f in ours["figures"] if f["key"] == "recurrence")
    assert recurrence["overall"]["value"] > 0  # the marks were read (incident 41's is its only recurrence)
