"""The timeline pane: a virtual view over a real store — rows read when scrolled to, search and filters in SQL."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.screens.helpers import until
from tests.screens.seeding import HOSTILE, T0
from tests.widgets.timeline_seeding import append_note, big_incident, kind_at
from warroom.data import events as ev
from warroom.data.store import EventStore
from warroom.widgets.timeline import Timeline, TimelineRow, relative

ID = "INC-2026-0001"
COUNT = 100_000
LAST = COUNT - 2  # COUNT - 1 is a stream chunk
SHOWN = 2 + sum(1 for i in range(COUNT) if kind_at(i) != "agent.output")  # + declared, agent.started


@pytest.fixture(scope="module")
def big_original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("timeline") / "big.db"
    return db, asyncio.run(big_incident(db, COUNT))


@pytest.fixture
def big(big_original: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """A copy of the 100,000-event incident (written once per module) for a test to append to."""
    shutil.copy(big_original[0], tmp_path / "big.db")
    return tmp_path / "big.db", big_original[1]


class TimelineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")


def _screen_text(app: App[None]) -> str:
    timeline = app.query_one(Timeline)
    return "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))


async def _small(db: Path, events: list[ev.BaseEvent]) -> str:
    store = await EventStore.open(db)
    try:
        iid = (await store.declare(T0, title="Disk full", actor="alertmanager")).incident_id
        await store.append_many([e.model_copy(update={"incident_id": iid}) for e in events])
        return iid
    finally:
        await store.close()


def test_row_is_stripped_of_control_sequences_and_keeps_markup_literal() -> None:
    row = TimelineRow.from_event(ev.NoteAdded(seq=1, incident_id=ID, at=T0, actor="eve\x1b[2J", text=HOSTILE))
    assert "\x1b" not in row.text and "\x07" not in row.text and "\x1b" not in row.actor
    assert "[bold red]PANIC[/]" in row.text


def test_relative_time_counts_from_detection() -> None:
    assert relative(T0 + timedelta(minutes=65, seconds=5), T0) == "T+1:05:05"
    assert relative(T0 - timedelta(seconds=30), T0) == "T-0:30"


async def test_hundred_thousand_events_open_at_the_newest_rows_and_scroll_to_the_oldest(big: tuple[Path, str]) -> None:
    db, iid = big
    app = TimelineApp()
    async with app.run_test(size=(100, 20)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_origin(T0)
        started = time.perf_counter()
        timeline.open(db, iid)
        await pilot.pause()
        assert f"note {LAST} of the load" in _screen_text(app)  # the last screenful, before the rest is read
        await until(pilot, lambda: timeline.complete)
        assert time.perf_counter() - started < 5  # a list of seqs, not 100,000 rows parsed
        assert timeline.total == timeline.shown == SHOWN
        assert len(timeline.children) == 0  # no widget per event
        assert f"note {LAST} of the load" in _screen_text(app)  # still at the newest row
        await pilot.press("home")
        text = _screen_text(app)
        assert "Incident declared: Checkout 502s" in text and "note 1 of the load" in text
        await append_note(db, iid, "written while scrolled up")
        timeline.catch_up()
        await pilot.pause()
        assert timeline.total == SHOWN + 1 and "written while scrolled up" not in _screen_text(app)  # stays put
        await pilot.press("end")
        await append_note(db, iid, "written while following")
        timeline.catch_up()
        await pilot.pause()
        assert "written while following" in _screen_text(app)


async def test_search_and_filter_over_a_hundred_thousand_rows_run_in_sql(big: tuple[Path, str]) -> None:
    db, iid = big
    app = TimelineApp()
    async with app.run_test(size=(100, 20)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.open(db, iid)
        await until(pilot, lambda: timeline.complete)
        timeline.set_search("NOTE 17 of")  # far back: the 18th row of 100,000
        await until(pilot, lambda: timeline.complete)
        assert timeline.shown == 1 and timeline.total == SHOWN
        assert "note 17 of the load" in _screen_text(app)
        timeline.set_search("")
        assert timeline.shown == SHOWN
        timeline.set_filter("decisions")
        await until(pilot, lambda: timeline.complete)
        decisions = sum(1 for i in range(COUNT) if kind_at(i) == "role.assigned")
        assert timeline.shown == decisions and f"scribe {COUNT - 2_500}" in _screen_text(app)
        await append_note(db, iid, "a note is no decision")
        timeline.catch_up()
        assert timeline.shown == decisions and timeline.total == SHOWN + 1
        timeline.set_filter("notes")
        timeline.set_search("no decision")
        await until(pilot, lambda: timeline.complete)
        assert [r.text for r in timeline.rows()] == ["Note: a note is no decision"]


async def test_filter_and_search_on_a_small_incident_answer_at_once_and_show_markup_literally(tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    iid = await _small(db, [
        ev.NoteAdded(incident_id=ID, at=T0, actor="carol", text=HOSTILE),
        ev.TierEscalated(incident_id=ID, at=T0, actor="alice", tier=2, reason="db"),
        ev.AgentStepStarted(incident_id=ID, at=T0, run_id="r", step_id="triage", role="analyst", backend="offline"),
        ev.AgentStepOutput(incident_id=ID, at=T0, run_id="r", text="chunk"),
        ev.NoteAdded(incident_id=ID, at=T0, actor="dora", text="L'ÉCHEC du déploiement 100% _ok_"),
    ])  # fmt: skip
    app = TimelineApp()
    async with app.run_test(size=(120, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.open(db, iid)
        await pilot.pause()
        assert timeline.complete and timeline.total == 5  # stream chunks live in the agent pane
        assert "[bold red]PANIC[/]" in _screen_text(app)
        timeline.set_filter("decisions")  # answered on the spot: no waiting
        assert [r.kind for r in timeline.rows()] == ["tier.escalated"] and timeline.shown == 1
        timeline.set_filter(None)
        timeline.set_search("panic")
        assert [r.kind for r in timeline.rows()] == ["note.added"] and timeline.shown == 1
        timeline.set_search("l'échec")  # case folded beyond ASCII
        assert timeline.shown == 1
        timeline.set_search("100% _")  # LIKE wildcards are plain text
        assert timeline.shown == 1
        timeline.set_search("text")  # a field's name is not its value
        assert timeline.shown == 0
        timeline.set_search("DORA")  # who did it
        assert timeline.shown == 1
        timeline.set_search("")
        assert timeline.shown == 5


async def test_a_damaged_row_is_shown_as_such(tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    iid = await _small(db, [ev.NoteAdded(incident_id=ID, at=T0, actor="carol", text="before")])
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)",
                     (iid, T0.isoformat(), "x", "note.added", b"\x00\xff binary"))  # fmt: skip
    conn.close()
    app = TimelineApp()
    async with app.run_test(size=(120, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.open(db, iid)
        await pilot.pause()
        text = _screen_text(app)
        assert "before" in text and "is not JSON" in text


async def test_a_filter_keeps_the_scrollbar_and_fits_the_rows_beside_it(tmp_path: Path) -> None:
    """The scrollbar is always there: a filter that leaves a few rows lays nothing out again."""
    db = tmp_path / "small.db"
    notes = [ev.NoteAdded(incident_id=ID, at=T0 + timedelta(seconds=i), actor="carol", text=f"note {i}") for i in range(30)]
    iid = await _small(db, [*notes, ev.TierEscalated(incident_id=ID, at=T0, actor="alice", tier=2, reason="db")])
    app = TimelineApp()
    async with app.run_test(size=(80, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.open(db, iid)
        await pilot.pause()
        steps = [("decisions", 1, "Escalated"), (None, 10, "Escalated"), ("decisions", 1, "Escalated"), ("notes", 10, "note 29")]
        for name, rows, last in steps:
            timeline.set_filter(name)
            await pilot.pause()
            assert timeline.show_vertical_scrollbar
            region = timeline.scrollable_content_region
            assert region.width == 80 - timeline.styles.scrollbar_size_vertical
            assert timeline.virtual_size.width == region.width  # rows drawn to the scrollbar, not under it
            lines = [timeline.render_line(y) for y in range(timeline.size.height)]
            assert {line.cell_length for line in lines} == {region.width}
            texts = [line.text for line in lines if line.text.strip()]
            assert len(texts) == rows and last in texts[-1]  # following the newest row
