"""The timeline pane: every event of the incident, one line each, newest at the bottom.

A virtual view over the store (:mod:`warroom.data.timeline_query`): the pane
keeps the seqs of the rows it shows and reads a row from the database only when
it scrolls into view, so an incident of a million events costs eight bytes a
row and a screenful of rows per frame. On :meth:`Timeline.open` it reads the
last screenful at once and the whole list of seqs in a thread; a filter or a
search is one SQL query (in a thread when the incident is large). It follows
new events (:meth:`Timeline.catch_up`) unless the user has scrolled up.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from warroom.data import events as ev
from warroom.data.text import strip_control
from warroom.data.timeline_query import MAX_NEEDLE, TimelineView
from warroom.widgets.timeline_rows import TimelineRow, relative, render_row
from warroom.widgets.timeline_source import FileRows, HeldRows, open_rows

__all__ = ["FILTERS", "Timeline", "TimelineRow", "relative"]

#: Filter names in the order ``f`` cycles through them (``None`` shows everything).
FILTERS: tuple[str | None, ...] = (None, "decisions", "agents", "comms", "notes")
#: Rows read at once when the pane opens (more than any terminal is tall).
FIRST_ROWS = 300
#: Up to this many rows a filter or search is answered on the spot; beyond, in a thread.
SYNC_ROWS = 20_000
ROW_CACHE = 4_096


class Timeline(ScrollView, can_focus=True):
    """Every event on one line: UTC time, time since detection, actor, kind and text."""

    BINDINGS = [
        Binding("home", "scroll_home", "First event", show=False, tooltip="Jump to the first event", id="timeline-home"),
        Binding("end", "scroll_end", "Latest event", show=False, tooltip="Jump to the latest event and follow", id="timeline-end"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    Timeline { height: 1fr; overflow-x: hidden; overflow-y: scroll; }
    """

    class Filtered(Message, bubble=True):
        """The rows shown changed (filter, search, or the whole timeline read); ``shown`` of ``total``."""

        def __init__(self, shown: int, total: int) -> None:
            super().__init__()
            self.shown = shown
            self.total = total

    class ViewRead(Message, bubble=False):
        """A worker thread read the seqs of ``view`` up to ``upto``."""

        def __init__(self, view: TimelineView, seqs: array, upto: int) -> None:
            super().__init__()
            self.view, self.seqs, self.upto = view, seqs, upto

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: FileRows | HeldRows | None = None
        self._early: list[ev.BaseEvent] = []  # handed over before open(): the source takes them then
        self._all = array("q")  # seqs of every row
        self._all_upto = 0  # the store's last seq that _all accounts for
        self._all_complete = False
        self._view = TimelineView()
        self._view_seqs: array | None = None  # seqs of the filtered/searched rows; None: _all
        self._view_upto = 0
        self._view_complete = True
        self._origin: datetime | None = None
        self._follow = True
        self._rows: LRUCache[int, TimelineRow] = LRUCache(ROW_CACHE)
        self._strips: LRUCache[tuple[int, int, Style], Strip] = LRUCache(512)

    # -- what is shown -----------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Rows of the whole timeline (known once :attr:`complete`)."""
        return len(self._all)

    @property
    def shown(self) -> int:
        """Rows of the current filter and search."""
        return len(self._shown_seqs)

    @property
    def complete(self) -> bool:
        """Whether the whole timeline and the current filter's rows have been read."""
        return self._all_complete and self._view_complete

    @property
    def filter(self) -> str | None:
        return self._view.category

    @property
    def search(self) -> str:
        return self._view.needle

    @property
    def following(self) -> bool:
        """Whether new events scroll into view (the user has not scrolled up)."""
        return self._follow

    @property
    def _shown_seqs(self) -> array:
        return self._all if self._view_seqs is None else self._view_seqs

    def rows(self) -> list[TimelineRow]:
        """Every row of the current filter and search, read now (for tests and small views)."""
        if self._source is None:
            return []
        seqs = self._source.seqs(self._view)
        found = self._source.rows(seqs)
        return [found[s] for s in seqs if s in found]

    # -- reading the store -------------------------------------------------------------------
    def open(self, location: str | Path, incident_id: str) -> None:
        """Show ``incident_id`` of the store at ``location``: the last screenful now, the rest from a thread.

        An SQLite file is read directly; for another engine the pane shows the events
        handed to :meth:`add_events`.
        """
        self._source = source = open_rows(location, incident_id)
        source.add(self._early)
        self._early = []
        upto = source.last_seq()
        self._all = source.tail(TimelineView(), FIRST_ROWS, upto)
        self._all_upto = upto
        self._all_complete = len(self._all) < FIRST_ROWS  # a small incident: that was all of it
        if not self._all_complete and not source.threaded:
            self._all, self._all_complete = source.seqs(TimelineView(), upto=upto), True
        self._resize(True)
        if self._all_complete:
            self.post_message(self.Filtered(self.shown, self.total))
        else:
            self._read_view(TimelineView())

    def on_unmount(self) -> None:
        if self._source is not None:
            self._source.close()

    def add_events(self, events: Iterable[ev.BaseEvent]) -> None:
        """Events read by the war room: kept when the source holds its rows, then shown like any others."""
        if self._source is None:
            self._early.extend(events)
        else:
            self._source.add(events)
            self.catch_up()

    def catch_up(self) -> None:
        """Add the rows of events appended since the last look (by anyone writing to the store)."""
        query = self._source
        if query is None:
            return
        upto = query.last_seq()
        if upto <= self._all_upto and (self._view_seqs is None or upto <= self._view_upto):
            return
        before = self.shown
        if upto > self._all_upto:
            self._all.extend(query.seqs(TimelineView(), self._all_upto, upto))
            self._all_upto = upto
        if self._view_seqs is not None and upto > self._view_upto:
            self._view_seqs.extend(query.seqs(self._view, self._view_upto, upto))
            self._view_upto = upto
        if self.shown != before:
            self._resize(self._follow)

    @work(thread=True, group="timeline-read", exit_on_error=False)
    def _read_view(self, view: TimelineView) -> None:
        """The seqs of ``view`` over the whole incident, on a connection of the thread's own."""
        assert self._source is not None
        try:
            reader = self._source.reader()
        except sqlite3.Error:
            return  # the pane keeps what it shows; the store worker reports a broken database
        try:
            upto = reader.last_seq()
            seqs = reader.seqs(view, upto=upto)
        except sqlite3.Error:
            return
        finally:
            reader.close()
        self.post_message(self.ViewRead(view, seqs, upto))

    def on_timeline_view_read(self, message: ViewRead) -> None:
        message.stop()
        fresh = message.seqs
        if message.view.everything:
            fresh.extend(s for s in self._all if s > message.upto)  # caught up while the thread read
            grown = len(fresh) - len(self._all)
            self._all, self._all_complete = fresh, True
            self._all_upto = max(self._all_upto, message.upto)
            if self._view_seqs is None:
                self._resize(self._follow, shift=grown)
        elif message.view == self._view and self._view_seqs is not None:
            fresh.extend(s for s in self._view_seqs if s > message.upto)
            self._view_seqs, self._view_complete = fresh, True
            self._view_upto = max(self._view_upto, message.upto)
            self._resize(True)
        else:
            return  # a filter the user has already moved past
        self.post_message(self.Filtered(self.shown, self.total))

    # -- filter and search -------------------------------------------------------------------
    def set_filter(self, name: str | None) -> None:
        """Show only one category (decisions, agents, comms, notes) or everything."""
        self._set_view(TimelineView(name, self._view.needle))

    def cycle_filter(self) -> str | None:
        """Move to the next filter in :data:`FILTERS`; returns it."""
        index = FILTERS.index(self._view.category) if self._view.category in FILTERS else 0
        self.set_filter(FILTERS[(index + 1) % len(FILTERS)])
        return self._view.category

    def set_search(self, text: str) -> None:
        """Show only rows containing ``text`` (case-insensitive); empty clears the search."""
        self._set_view(TimelineView(self._view.category, strip_control(text).strip().lower()[:MAX_NEEDLE]))

    def _set_view(self, view: TimelineView) -> None:
        if view.needle != self._view.needle:
            self._strips.clear()  # a row's strip marks the search; a filter alone leaves rows as drawn
        self._view = view
        self._view_complete = True
        if view.everything or self._source is None:
            self._view_seqs = None
        elif (self._all_complete and len(self._all) <= SYNC_ROWS) or not self._source.threaded:
            self._view_seqs = self._source.seqs(view, upto=self._all_upto)
            self._view_upto = self._all_upto
        else:
            self._view_seqs, self._view_upto, self._view_complete = array("q"), self._all_upto, False
            self._read_view(view)
        self._resize(True)
        self.post_message(self.Filtered(self.shown, self.total))

    # -- scrolling ---------------------------------------------------------------------------
    def set_origin(self, origin: datetime) -> None:
        """The moment relative times count from (the incident's detection)."""
        if origin != self._origin:
            self._origin = origin
            self._strips.clear()
            self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y:
            self._follow = False
        elif new >= self.max_scroll_y:
            self._follow = True

    def _resize(self, follow: bool, shift: int = 0) -> None:
        # Rows are clipped to the visible width: a virtual width that counted the vertical
        # scrollbar's column would bring in a horizontal scrollbar over the newest row.
        size = Size(self.scrollable_content_region.width, self.shown)
        old, height = self.virtual_size, self.container_size.height
        bar_stays = self.styles.overflow_y != "auto" or (old.height > height) == (size.height > height)
        if self.is_mounted and old.width == size.width and bar_stays:
            # The scrollbar stays as it is: no layout of the whole screen, only this pane repaints.
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
        elif self.is_mounted and old.width == size.width and self.styles.overflow_y == "auto":
            # The vertical scrollbar comes or goes: one layout of the screen, not three. The width the
            # rows will have beside it, and the scrollbar itself, are set now, so the layout pass finds
            # nothing more to change (else it would lay out again for the scrollbar, then again for
            # the resize the scrollbar brings).
            bar = self.styles.scrollbar_size_vertical
            width = size.width + (bar if self.show_vertical_scrollbar else 0) - (bar if size.height > height else 0)
            self.virtual_size = Size(max(0, width), size.height)
            self._refresh_scrollbars()
        else:
            self.virtual_size = size
        if follow:
            self._follow = True
            self.call_after_refresh(self._to_end)
        elif shift:
            self.scroll_to(y=self.scroll_offset.y + shift, animate=False, immediate=True, force=True)
        self.refresh()

    def _to_end(self) -> None:
        if self._follow:
            self.scroll_to(y=max(0, self.shown - self.scrollable_content_region.height), animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self._strips.clear()
        self._resize(self._follow)

    def action_scroll_end(self) -> None:
        self._follow = True
        self.scroll_end(animate=False, immediate=True)

    def action_scroll_home(self) -> None:
        self._follow = False
        self.scroll_home(animate=False, immediate=True)

    # -- rendering ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width  # beside the scrollbar: a row's ellipsis stays in view
        seqs = self._shown_seqs
        if index >= len(seqs):
            return Strip([Segment(" " * width, self.rich_style)], width)
        seq = seqs[index]
        key = (seq, width, self.rich_style)
        strip = self._strips.get(key)
        if strip is None:
            row = self._rows.get(seq) or self._read_rows_around(seq)
            if row is None:
                return Strip([Segment(" " * width, self.rich_style)], width)
            strip = self._render_row(row, width)
            self._strips[key] = strip
        return strip

    def _read_rows_around(self, seq: int) -> TimelineRow | None:
        """Read the rows of the screenful above, the one in view and the one below, in one query."""
        if self._source is None:
            return None
        seqs, top, height = self._shown_seqs, self.scroll_offset.y, max(1, self.size.height)
        window = {s for s in seqs[max(0, top - height) : top + 2 * height] if s not in self._rows}
        window.add(seq)
        for found, row in self._source.rows(sorted(window)).items():
            self._rows[found] = row
        return self._rows.get(seq)

    def _render_row(self, row: TimelineRow, width: int) -> Strip:
        return render_row(row, width=width, origin=self._origin, search=self._view.needle, base=self.rich_style, console=self.app.console)
