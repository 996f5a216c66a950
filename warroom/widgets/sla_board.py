"""The SLA board: one row per clock, coloured ok / due soon / breached, counting up once breached.

Each row is a label and a narrow value cell. A tick only repaints the value
cells whose text changed, so an idle war room writes a few bytes per second to
the terminal. Nothing here reads the wall clock: the screen passes the clocks
it computed for its injected ``now``.

A row holds its own cells from construction and never queries for them: a
second ``show`` may come (the 1 Hz tick, then the "loaded" tick) before rows
mounted by the first have composed, and the update must land all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label

from warroom.data.clocks import Clock, ClockState
from warroom.data.durations import format_duration

__all__ = ["SlaBoard", "SlaClock", "clock_value"]

#: Below this, clocks count in seconds; above it, in minutes (a quiet screen while nothing is close).
SECONDS_SHOWN_UNDER = timedelta(minutes=10)

_CLASSES = {state: f"-{state.value.replace('_', '-')}" for state in ClockState}


def _coarse(value: timedelta) -> str:
    """Seconds only matter in the last ten minutes: beyond that the cell changes once a minute."""
    if abs(value) >= SECONDS_SHOWN_UNDER:
        value = timedelta(minutes=int(value.total_seconds() // 60))
    return format_duration(value)


def clock_value(clock: Clock) -> str:
    """What the value cell says: time left, time over, or met / missed and by how much."""
    if clock.state is ClockState.MET:
        return "met"
    if clock.state is ClockState.MISSED:
        return f"missed +{format_duration(-clock.remaining)}"
    if clock.state is ClockState.BREACHED:
        return f"+{_coarse(-clock.remaining)}"
    return _coarse(clock.remaining)


class ClockValue(Widget):
    """The value cell: a fixed-width widget repainted alone (no layout pass) when its text changes."""

    def __init__(self, text: str) -> None:
        super().__init__(classes="clock-value")
        self.text = text

    def render(self) -> str:
        return self.text

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.refresh()


class SlaClock(Horizontal):
    """One clock: its label and its value, coloured by state."""

    DEFAULT_CSS = """
    SlaClock { height: 1; }
    SlaClock > .clock-label { width: 1fr; }
    SlaClock > .clock-value { width: 14; text-align: right; }
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__(name=clock.name, classes=_CLASSES[clock.state])
        self.clock = clock
        self._label = Label(self._label_text(clock), classes="clock-label")
        self._value = ClockValue(clock_value(clock))

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._value

    @staticmethod
    def _label_text(clock: Clock) -> str:
        due = clock.deadline.strftime("%H:%M")
        return f"{clock.label} · {due}Z"

    def show(self, clock: Clock) -> None:
        """Update to ``clock``, touching only what changed."""
        old, self.clock = self.clock, clock
        if old.state is not clock.state:
            self.set_classes(_CLASSES[clock.state])
        if self._label_text(old) != self._label_text(clock):
            self._label.update(self._label_text(clock))
        self._value.show(clock_value(clock))


class SlaBoard(Vertical):
    """The clocks of one incident."""

    DEFAULT_CSS = """
    SlaBoard { height: auto; }
    SlaBoard > .sla-empty { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._names: tuple[str, ...] = ()
        self._rows: dict[str, SlaClock] = {}
        self.last_shown_at: datetime | None = None

    def show(self, clocks: Sequence[Clock], now: datetime) -> None:
        """Display ``clocks`` as of ``now``; rebuilds rows only when the set of clocks changes."""
        self.last_shown_at = now
        names = tuple(c.name for c in clocks)
        if names != self._names:
            self._names = names
            self.remove_children()
            self._rows = {c.name: SlaClock(c) for c in clocks}
            if clocks:
                self.mount_all(list(self._rows.values()))
            else:
                self.mount(Label("No clocks apply to this incident.", classes="sla-empty"))
            return
        for clock in clocks:
            self._rows[clock.name].show(clock)
