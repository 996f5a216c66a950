"""Snapshots of the fold: a load from a snapshot plus the tail equals the full fold, on a real store on disk.

Random event streams (hypothesis, the fold's own property-test events at random times) are
appended to a store whose snapshot interval is tiny, so loads write snapshots mid-stream; a
fresh store then loads from the snapshot and the tail. It must give the same ``Incident`` as
replaying every event, also after the fold's version changes (the stale snapshot is ignored
and rebuilt) and when the stored row is damaged.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import T0
from tests.data.test_fold_properties import EVENTS, ID
from warroom.data import events as ev
from warroom.data import snapshots
from warroom.data.fold import apply, replay
from warroom.data.models import Incident
from warroom.data.store import EventStore

MORE = st.one_of(
    EVENTS,
    st.builds(ev.CadenceChanged, every_minutes=st.integers(1, 90), incident_id=st.just(ID), at=st.just(T0)),
    st.builds(ev.HoldPlaced, reason=st.just("assess first"), incident_id=st.just(ID), at=st.just(T0)),
    st.builds(ev.FreezeDeclared, freeze_id=st.sampled_from(["F1", "F2"]), reason=st.just("peak"), incident_id=st.just(ID), at=st.just(T0)),
    st.builds(ev.PersonUnavailable, person=st.sampled_from(["alice", "bob"]), reason=st.just("asleep"), incident_id=st.just(ID), at=st.just(T0)),
    st.builds(ev.SecurityDeclared, reason=st.just("exfiltration"), incident_id=st.just(ID), at=st.just(T0)),
    st.builds(ev.RegulatorNotified, regime=st.sampled_from(["GDPR", "SEC"]), incident_id=st.just(ID), at=st.just(T0)),
)  # fmt: skip
TIMED = st.tuples(MORE, st.integers(0, 10**10)).map(lambda p: p[0].model_copy(update={"at": T0 + timedelta(microseconds=p[1])}))
DECLARED = ev.IncidentDeclared(incident_id=ID, at=T0, title="Checkout down", detected_at=T0 - timedelta(minutes=3))


def _accepted(events: list[ev.BaseEvent]) -> list[ev.BaseEvent]:
    """The events of the stream the fold accepts, in order (what the store would have stored)."""
    state: Incident | None = None
    kept: list[ev.BaseEvent] = []
    for event in [DECLARED, *events]:
        try:
            state = apply(state, event)
        except ValueError:
            continue
        kept.append(event)
    return kept


async def _append_loading(path: Path, events: list[ev.BaseEvent], every: int) -> list[ev.BaseEvent]:
    """Append in small batches, each from a fresh store that loads first (and so may write a snapshot)."""
    stored: list[ev.BaseEvent] = []
    for start in range(0, len(events), every):
        async with await EventStore.open(path, synchronous="OFF") as store:
            if stored:
                await store.load(ID)
            stored += await store.append_many(events[start : start + every])
    return stored


async def _fresh_load(path: Path) -> Incident:
    async with await EventStore.open(path) as store:
        return await store.load(ID)


async def _fresh_summary(path: Path) -> Incident:
    async with await EventStore.open(path) as store:
        return await store.load_summary(ID)


def _snapshot_row(path: Path) -> tuple[int, str] | None:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT seq, fold_version FROM snapshots WHERE incident_id = ?", (ID,)).fetchone()
    finally:
        db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=st.lists(TIMED, min_size=1, max_size=40), every=st.integers(1, 7), bump=st.booleans())
def test_snapshot_then_tail_equals_the_full_fold(tmp_path_factory: pytest.TempPathFactory, stream: list[ev.BaseEvent],
                                                 every: int, bump: bool, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("snap") / "w.db"
    events = _accepted(stream)
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 2)
    stored = asyncio.run(_append_loading(path, events, every))
    full = replay(stored)
    if bump:  # a new fold version: the stored snapshot is stale, ignored, and rebuilt from the events
        monkeypatch.setattr(snapshots, "fold_version", lambda: "2-changed")
    summary = asyncio.run(_fresh_summary(path))  # the snapshot without its documents, and the tail
    assert summary == snapshots.summary_of(full) and all(not run.output for run in summary.runs.values())
    loaded = asyncio.run(_fresh_load(path))
    assert loaded == full
    assert loaded.model_dump_json() == full.model_dump_json()
    row = _snapshot_row(path)
    if len(stored) >= 2:
        assert row is not None and row[1] == snapshots.fold_version() and row[0] <= stored[-1].seq


def _stream(n: int) -> list[ev.BaseEvent]:
    out: list[ev.BaseEvent] = [DECLARED, ev.AgentStepStarted(incident_id=ID, at=T0, run_id="r1", step_id="triage")]
    for i in range(n):
        at = T0 + timedelta(milliseconds=333 * i)
        out.append(ev.AgentStepOutput(incident_id=ID, at=at, run_id="r1", text=f"chunk {i}") if i % 3 else
                   ev.NoteAdded(incident_id=ID, at=at, actor=f"p{i % 5}", text=f"note {i}"))  # fmt: skip
    return out


def test_a_load_writes_a_snapshot_and_the_next_replays_only_the_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.db"
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 100)
    stored = asyncio.run(_append_loading(path, _stream(450), 1_000))
    assert _snapshot_row(path) is None  # appends alone write none; the first load does
    assert asyncio.run(_fresh_load(path)) == replay(stored)
    assert _snapshot_row(path) == (stored[-1].seq, snapshots.fold_version())
    more = asyncio.run(_append_loading(path, _stream(460)[-10:], 1_000))  # ten more notes and chunks
    replayed: list[int] = []
    real = EventStore._events

    async def counting(self: EventStore, incident_id: str, since: int, limit: int | None = None) -> list[ev.BaseEvent]:
        batch = await real(self, incident_id, since, limit)
        replayed.extend(e.seq for e in batch)
        return batch

    monkeypatch.setattr(EventStore, "_events", counting)
    assert asyncio.run(_fresh_load(path)) == replay(stored + more)
    assert replayed == [e.seq for e in more]  # only the tail after the snapshot was read


@pytest.mark.parametrize("damage", ["not json", '{"incident_id": "INC-2026-0042"}', "x" * 10_000, b"\x00\xff binary"])
def test_a_damaged_snapshot_is_ignored_and_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object) -> None:
    path = tmp_path / "w.db"
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 50)
    stored = asyncio.run(_append_loading(path, _stream(120), 1_000))
    asyncio.run(_fresh_load(path))
    db = sqlite3.connect(path)
    db.execute("UPDATE snapshots SET state = ?", (damage,))
    db.commit()
    db.close()
    assert asyncio.run(_fresh_load(path)) == replay(stored)
    assert _snapshot_row(path) == (stored[-1].seq, snapshots.fold_version())  # written again from the events


def test_a_snapshot_of_another_seq_or_incident_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.db"
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 50)
    stored = asyncio.run(_append_loading(path, _stream(120), 1_000))
    asyncio.run(_fresh_load(path))
    db = sqlite3.connect(path)
    db.execute("UPDATE snapshots SET seq = seq - 7")  # says it folded less than its state did
    db.commit()
    db.close()
    assert asyncio.run(_fresh_load(path)) == replay(stored)


def test_a_snapshot_write_never_waits_for_another_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.db"
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 50)
    stored = asyncio.run(_append_loading(path, _stream(120), 1_000))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        loop_start = asyncio.run(asyncio.wait_for(_fresh_load(path), 5))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert loop_start == replay(stored)
    assert _snapshot_row(path) is None  # skipped this time; the next load writes it
    asyncio.run(_fresh_load(path))
    assert _snapshot_row(path) == (stored[-1].seq, snapshots.fold_version())


async def test_both_engines_load_from_their_snapshot(db_location: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.data.store_api import open_store

    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 40)
    async with await open_store(db_location) as store:
        stored = await store.append_many(_stream(100))
    async with await open_store(db_location) as store:
        assert await store.load(ID) == replay(stored)  # the cold load writes the snapshot
    async with await open_store(db_location) as store:
        more = await store.append_many(_stream(105)[-5:])
    async with await open_store(db_location) as store:
        assert store._snapshot_seqs == {}
        assert await store.load_summary(ID) == snapshots.summary_of(replay(stored + more))
        assert store._snapshot_seqs == {ID: stored[-1].seq}  # read from the snapshot, then the five after it
        assert await store.load(ID) == replay(stored + more)
