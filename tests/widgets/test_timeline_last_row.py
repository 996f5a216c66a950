"""The newest event is on screen when the timeline opens on more events than fit (no horizontal scrollbar over it)."""

from __future__ import annotations

from datetime import timedelta

from textual.app import App, ComposeResult

from tests.conftest import T0
from warroom.data import events as ev
from warroom.widgets.timeline import Timeline

ID = "INC-2026-0001"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Timeline()

    def on_mount(self) -> None:
        self.query_one(Timeline).add_events(
            [ev.NoteAdded(incident_id=ID, at=T0 + timedelta(seconds=i), text=f"note number {i}") for i in range(40)]
        )


async def test_the_newest_row_is_visible_after_opening() -> None:
    app = Host()
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause(0.2)
        timeline = app.query_one(Timeline)
        assert not timeline.show_horizontal_scrollbar
        bottom = timeline.scrollable_content_region.height - 1
        assert "note number 39" in "".join(segment.text for segment in timeline.render_line(bottom))
