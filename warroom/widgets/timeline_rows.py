"""One timeline row: what the pane keeps of an event, and how it is drawn on one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow
from warroom.data.describe import category, describe_event
from warroom.data.text import strip_control

__all__ = ["TimelineRow", "relative", "render_row"]

_CATEGORY_STYLE = {
    "decisions": Style(color="yellow", bold=True),
    "agents": Style(color="cyan"),
    "comms": Style(color="magenta"),
    "notes": Style(color="green"),
    "other": Style(),
}
_BREACH_STYLE = Style(color="red", bold=True)
_DIM = Style(dim=True)
_BOLD = Style(bold=True)
_HIGHLIGHT = Style(reverse=True)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """What the timeline keeps of one event: its display text, already made safe."""

    seq: int
    at: datetime | None
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

    @classmethod
    def damaged(cls, error: DamagedRow) -> "TimelineRow":
        """A row of the file that does not decode: shown as such, not hidden."""
        seq = error.seq if isinstance(error.seq, int) else 0
        return cls(seq=seq, at=None, actor="?", kind="damaged", category="other", text=f"Row {seq} {error.problem}")


def relative(at: datetime | None, origin: datetime | None) -> str:
    """``T+1h05m``-style offset of ``at`` from the incident's detection."""
    if origin is None or at is None:
        return ""
    seconds = int((at - origin).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 100:
        return f"T{sign}{hours // 24}d"
    return f"T{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"T{sign}{minutes}:{secs:02d}"


def render_row(row: TimelineRow, *, width: int, origin: datetime | None, search: str, base: Style, console: Console) -> Strip:
    """``row`` as one line of ``width`` cells: UTC time, time since detection, actor, text (search highlighted)."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(row.at.strftime("%H:%M:%S") if row.at else "--:--:--", _DIM)
    text.append(f" {relative(row.at, origin):>8} ", _DIM)
    text.append(f"{row.actor:<8.8} ", _BOLD)
    style = _BREACH_STYLE if row.kind in ("sla.breached", "damaged") else _CATEGORY_STYLE.get(row.category, Style())
    text.append(row.text, style)
    if search:
        text.highlight_words([search], _HIGHLIGHT, case_sensitive=False)
    text.truncate(width, overflow="ellipsis", pad=True)
    text.stylize_before(base)
    return Strip(list(text.render(console))).adjust_cell_length(width, base)
