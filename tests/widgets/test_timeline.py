"""The timeline pane: virtualised rows, follow mode, filters, search and hostile text shown literally."""

from __future__ import annotations

import time
from datetime import timedelta

from textual.app import App, ComposeResult

from tests.screens.seeding import HOSTILE, T0
from warroom.data import events as ev
from warroom.widgets.timeline import Timeline, TimelineRow, relative

ID = "INC-2026-0001"


def _notes(n: int, start: int = 1) -> list[ev.BaseEvent]:
    return [ev.NoteAdded(seq=start + i, incident_id=ID, at=T0 + timedelta(seconds=i), actor="carol", text=f"note {start + i}")
            for i in range(n)]  # fmt: skip


class TimelineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")


def _screen_text(app: App[None]) -> str:
    timeline = app.query_one(Timeline)
    return "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))


def test_row_is_stripped_of_control_sequences_and_keeps_markup_literal() -> None:
    row = TimelineRow.from_event(ev.NoteAdded(seq=1, incident_id=ID, at=T0, actor="eve\x1b[2J", text=HOSTILE))
    assert "\x1b" not in row.text and "\x07" not in row.text and "\x1b" not in row.actor
    assert "[bold red]PANIC[/]" in row.text


def test_relative_time_counts_from_detection() -> None:
    assert relative(T0 + timedelta(minutes=65, seconds=5), T0) == "T+1:05:05"
    assert relative(T0 - timedelta(seconds=30), T0) == "T-0:30"


async def test_hundred_thousand_events_render_only_visible_rows_and_follow() -> None:
    app = TimelineApp()
    async with app.run_test(size=(100, 20)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_origin(T0)
        started = time.perf_counter()
        timeline.add_events(_notes(100_000))
        await pilot.pause()
        assert time.perf_counter() - started < 5  # generous: it is a list append, not 100k widgets
        assert len(timeline.children) == 0  # no per-event widget
        assert "note 100000" in _screen_text(app)  # follows: newest at the bottom
        await pilot.press("home")
        timeline.add_events(_notes(1, start=100_001))
        await pilot.pause()
        text = _screen_text(app)
        assert "note 1 " in text + " " and "note 100001" not in text  # scrolled up: stays put
        await pilot.press("end")
        timeline.add_events(_notes(1, start=100_002))
        await pilot.pause()
        assert "note 100002" in _screen_text(app)


async def test_filter_and_search_and_markup_shown_literally() -> None:
    app = TimelineApp()
    async with app.run_test(size=(120, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.add_events([
            ev.NoteAdded(seq=1, incident_id=ID, at=T0, actor="carol", text=HOSTILE),
            ev.TierEscalated(seq=2, incident_id=ID, at=T0, actor="alice", tier=2, reason="db"),
            ev.AgentStepOutput(seq=3, incident_id=ID, at=T0, run_id="r", text="chunk"),
        ])  # fmt: skip
        await pilot.pause()
        assert timeline.total == 2  # stream chunks live in the agent pane
        assert "[bold red]PANIC[/]" in _screen_text(app)
        timeline.set_filter("decisions")
        assert [r.kind for r in timeline.rows()] == ["tier.escalated"]
        timeline.set_filter(None)
        timeline.set_search("panic")
        assert [r.kind for r in timeline.rows()] == ["note.added"]
        timeline.set_search("")
        assert timeline.shown == 2
