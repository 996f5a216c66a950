"""The newest event is on screen when the timeline opens on more events than fit (no horizontal scrollbar over it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.app import App, ComposeResult

from tests.conftest import T0
from tests.widgets.timeline_seeding import big_incident
from warroom.data import events as ev
from warroom.widgets.timeline import Timeline


class Host(App[None]):
    def __init__(self, db: Path, iid: str) -> None:
        super().__init__()
        self.db, self.iid = db, iid

    def compose(self) -> ComposeResult:
        yield Timeline()

    def on_mount(self) -> None:
        self.query_one(Timeline).open(self.db, self.iid)


def _note(iid: str, i: int) -> ev.BaseEvent:
    return ev.NoteAdded(incident_id=iid, at=T0 + timedelta(seconds=i), text=f"note number {i}")


async def test_the_newest_row_is_visible_after_opening(tmp_path: Path) -> None:
    iid = await big_incident(tmp_path / "forty.db", 40, _note)
    app = Host(tmp_path / "forty.db", iid)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause(0.2)
        timeline = app.query_one(Timeline)
        assert not timeline.show_horizontal_scrollbar
        bottom = timeline.scrollable_content_region.height - 1
        assert "note number 39" in "".join(segment.text for segment in timeline.render_line(bottom))
