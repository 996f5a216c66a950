"""The timeline pane: every event of the incident, one line each, newest at the bottom.

Virtualised with the Line API: the widget keeps one small :class:`TimelineRow`
per event and renders only the rows in view, so 100,000 events cost memory for
their text and nothing per frame. It follows new events unless the user has
scrolled up, and can be filtered by category and searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.data import events as ev
from warroom.data.describe import category, describe_event
from warroom.data.text import strip_control

__all__ = ["FILTERS", "Timeline", "TimelineRow"]

#: Filter names in the order ``f`` cycles through them (``None`` shows everything).
FILTERS: tuple[str | None, ...] = (None, "decisions", "agents", "comms", "notes")

_CATEGORY_STYLE = {
    "decisions": Style(color="yellow", bold=True),
    "agents": Style(color="cyan"),
    "comms": Style(color="magenta"),
    "notes": Style(color="green"),
    "other": Style(),
}
_BREACH_STYLE = Style(color="red", bold=True)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """What the timeline keeps of one event: its display text, already made safe."""

    seq: int
    at: datetime
    actor: str
    kind: str
    category: str
    text: str

    @classmethod
    def from_event(cls, event: ev.BaseEvent) -> "TimelineRow":
        """The row for ``event``; actor and text are stripped of control sequences."""
        return cls(
            seq=event.seq,
            at=event.at,
            actor=strip_control(event.actor)[:24],
            kind=event.kind,
            category=category(event),
            text=strip_control(describe_event(event)).replace("\n", " "),
        )

    def matches(self, needle: str) -> bool:
        """Whether the (lower-case) search text occurs in the row."""
        return needle in self.text.lower() or needle in self.actor.lower() or needle in self.kind


def relative(at: datetime, origin: datetime | None) -> str:
    """``T+1h05m``-style offset of ``at`` from the incident's detection."""
    if origin is None:
        return ""
    seconds = int((at - origin).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 100:
        return f"T{sign}{hours // 24}d"
    return f"T{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"T{sign}{minutes}:{secs:02d}"


class Timeline(ScrollView, can_focus=True):
    """Every event on one line: UTC time, time since detection, actor, kind and text."""

    BINDINGS = [
        Binding("home", "scroll_home", "First event", show=False, tooltip="Jump to the first event", id="timeline-home"),
        Binding("end", "scroll_end", "Latest event", show=False, tooltip="Jump to the latest event and follow", id="timeline-end"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    Timeline { height: 1fr; overflow-x: hidden; }
    """

    class Filtered(Message, bubble=True):
        """The filter or search changed; ``shown`` rows of ``total`` are visible."""

        def __init__(self, shown: int, total: int) -> None:
            super().__init__()
            self.shown = shown
            self.total = total

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[TimelineRow] = []
        self._shown: list[int] | None = None  # indices into _rows, or None for "all"
        self._filter: str | None = None
        self._search = ""
        self._origin: datetime | None = None
        self._follow = True
        self._cache: LRUCache[tuple[int, int, Style], Strip] = LRUCache(512)

    # -- data ------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self._rows)

    @property
    def shown(self) -> int:
        return len(self._rows) if self._shown is None else len(self._shown)

    @property
    def filter(self) -> str | None:
        return self._filter

    @property
    def search(self) -> str:
        return self._search

    def set_origin(self, origin: datetime) -> None:
        """The moment relative times count from (the incident's detection)."""
        if origin != self._origin:
            self._origin = origin
            self._cache.clear()
            self.refresh()

    def add_events(self, events: list[ev.BaseEvent]) -> None:
        """Append events (agent stream chunks are left to the agent pane)."""
        rows = [TimelineRow.from_event(e) for e in events if e.kind != "agent.output"]
        if not rows:
            return
        following = self._follow
        start = len(self._rows)
        self._rows.extend(rows)
        if self._shown is not None:
            self._shown.extend(i for i in range(start, len(self._rows)) if self._keeps(self._rows[i]))
        self._resize(following)

    def rows(self) -> list[TimelineRow]:
        """The rows currently shown (for tests and exports of the view)."""
        if self._shown is None:
            return list(self._rows)
        return [self._rows[i] for i in self._shown]

    def set_filter(self, name: str | None) -> None:
        """Show only one category (decisions, agents, comms, notes) or everything."""
        self._filter = name
        self._rebuild()

    def cycle_filter(self) -> str | None:
        """Move to the next filter in :data:`FILTERS`; returns it."""
        index = FILTERS.index(self._filter) if self._filter in FILTERS else 0
        self.set_filter(FILTERS[(index + 1) % len(FILTERS)])
        return self._filter

    def set_search(self, text: str) -> None:
        """Show only rows containing ``text`` (case-insensitive); empty clears the search."""
        self._search = strip_control(text).strip().lower()[:200]
        self._rebuild()

    def _keeps(self, row: TimelineRow) -> bool:
        if self._filter is not None and row.category != self._filter:
            return False
        return not self._search or row.matches(self._search)

    def _rebuild(self) -> None:
        if self._filter is None and not self._search:
            self._shown = None
        else:
            self._shown = [i for i, row in enumerate(self._rows) if self._keeps(row)]
        self._cache.clear()
        self._resize(True)
        self.post_message(self.Filtered(self.shown, self.total))

    @property
    def following(self) -> bool:
        """Whether new events scroll into view (the user has not scrolled up)."""
        return self._follow

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y:
            self._follow = False
        elif new >= self.max_scroll_y:
            self._follow = True

    def _resize(self, follow: bool) -> None:
        # Rows are clipped to the visible width: a virtual width that counted the vertical
        # scrollbar's column would bring in a horizontal scrollbar over the newest row.
        self.virtual_size = Size(self.scrollable_content_region.width, self.shown)
        if follow:
            self._follow = True
            self.call_after_refresh(self._to_end)
        self.refresh()

    def _to_end(self) -> None:
        if self._follow:
            self.scroll_to(y=max(0, self.shown - self.scrollable_content_region.height), animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self._cache.clear()
        self._resize(self._follow)

    def action_scroll_end(self) -> None:
        self._follow = True
        self.scroll_end(animate=False, immediate=True)

    def action_scroll_home(self) -> None:
        self._follow = False
        self.scroll_home(animate=False, immediate=True)

    # -- rendering -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= self.shown:
            return Strip([Segment(" " * width, self.rich_style)], width)
        key = (index, width, self.rich_style)
        strip = self._cache.get(key)
        if strip is None:
            row = self._rows[index if self._shown is None else self._shown[index]]
            strip = self._render_row(row, width)
            self._cache[key] = strip
        return strip

    def _render_row(self, row: TimelineRow, width: int) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(row.at.strftime("%H:%M:%S"), Style(dim=True))
        text.append(f" {relative(row.at, self._origin):>8} ", Style(dim=True))
        text.append(f"{row.actor:<8.8} ", Style(bold=True))
        style = _BREACH_STYLE if row.kind == "sla.breached" else _CATEGORY_STYLE.get(row.category, Style())
        text.append(row.text, style)
        if self._search:
            text.highlight_words([self._search], Style(reverse=True), case_sensitive=False)
        text.truncate(width, overflow="ellipsis", pad=True)
        text.stylize_before(self.rich_style)
        segments = list(text.render(self.app.console))
        return Strip(segments).adjust_cell_length(width, self.rich_style)

