"""The phase tracker: the playbook's phases and steps with their state.

It shows what it is given: a list of step rows (from the orchestrator's plan,
or derived from the incident's agent runs when no playbook is attached). The
current phase is highlighted.

One line per phase and per step, drawn with the Line API: a change rebuilds the
list of lines (no wrapping, no layout pass) and a frame renders only the lines
in view, so a thousand runs cost nothing per refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, Iterable, Iterator

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.data.models import Incident, RunState
from warroom.data.text import strip_control

__all__ = ["PhaseTracker", "StepRow", "steps_from_plan", "steps_from_runs"]

#: Icon and style for each step state.
STATE_MARKS: dict[str, tuple[str, str]] = {
    "waiting": ("·", "dim"),
    "running": ("▶", "bold cyan"),
    "done": ("✓", "green"),
    "failed": ("✗", "bold red"),
    "skipped": ("–", "dim"),
    "needs_decision": ("?", "bold yellow"),
    "interrupted": ("!", "bold red"),
}

_RUN_STATES = {
    RunState.RUNNING: "running", RunState.FINISHED: "done", RunState.FAILED: "failed",
    RunState.INTERRUPTED: "interrupted", RunState.CANCELLED: "skipped",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step as the tracker shows it."""

    phase: str
    phase_title: str
    title: str
    state: str


def steps_from_plan(plan: Iterable[Any]) -> list[StepRow]:
    """Rows from the orchestrator's ``plan()`` (objects with phase, phase_title, title, state)."""
    rows = []
    for step in plan:
        state = getattr(step.state, "value", step.state)
        rows.append(StepRow(str(step.phase), str(step.phase_title or step.phase), str(step.title), str(state)))
    return rows


def steps_from_runs(incident: Incident) -> list[StepRow]:
    """Rows from the agent runs alone (an incident without a playbook attached)."""
    latest: dict[str, Any] = {}
    for run in incident.runs.values():
        latest[run.step_id] = run
    return [
        StepRow(run.phase or "agents", (run.phase or "agents").replace("_", " ").title(),
                run.step_id.replace("_", " "), _RUN_STATES.get(run.state, "waiting"))
        for run in latest.values()
    ]  # fmt: skip


Line = tuple[tuple[str, str], ...]
"""One line of the tracker: (text, style) parts."""


class PhaseTracker(ScrollView, can_focus=False):
    """Phases, each with its steps and their state; the current phase is highlighted."""

    BINDINGS = []  # never focused: the pane scrolls with the mouse; no keys of its own in the help

    DEFAULT_CSS = """
    PhaseTracker { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._key: tuple[Any, ...] = ()
        self._lines: list[Line] = list(self.lines_of([], ""))
        self._cache: LRUCache[tuple[int, int, Style], Strip] = LRUCache(256)

    def show(self, steps: list[StepRow], current_phase: str) -> None:
        """Display ``steps``; repaints only when something changed."""
        key = (tuple(steps), current_phase)
        if key == self._key:
            return
        self._key = key
        self._lines = list(self.lines_of(steps, current_phase))
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))
        self.refresh()

    @property
    def text(self) -> str:
        """Every line as plain text (what the tracker says, scrolled or not)."""
        return "\n".join("".join(part for part, _ in line) for line in self._lines)

    @staticmethod
    def lines_of(steps: list[StepRow], current_phase: str) -> Iterator[Line]:
        """The tracker's lines for ``steps``: a line per phase (steps done / total), then one per step."""
        if not steps:
            yield (("No playbook steps yet.", "dim"),)
            return
        for phase, group in groupby(steps, key=lambda s: (s.phase, s.phase_title)):
            items = list(group)
            is_current = phase[0] == current_phase
            done = sum(1 for s in items if s.state in ("done", "skipped"))
            yield (("▸ " if is_current else "  ", "bold"), (strip_control(phase[1]), "bold reverse" if is_current else "bold"),
                   (f"  {done}/{len(items)}", "dim"))  # fmt: skip
            for step in items:
                mark, style = STATE_MARKS.get(step.state, ("·", ""))
                yield ((f"   {mark} ", style), (strip_control(step.title), ""), (f"  {step.state.replace('_', ' ')}", style or "dim"))

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        pad = Style.from_color(bgcolor=self.rich_style.bgcolor)  # blank cells carry no colour, as a Static's do
        if index >= len(self._lines):
            return Strip.blank(width, pad)
        key = (index, width, self.rich_style)
        strip = self._cache.get(key)
        if strip is None:
            text = Text(no_wrap=True, overflow="ellipsis", end="")
            for part, style in self._lines[index]:
                text.append(part, style)
            text.truncate(width, overflow="ellipsis")
            text.stylize_before(self.rich_style)
            strip = Strip(list(text.render(self.app.console))).adjust_cell_length(width, pad)
            self._cache[key] = strip
        return strip
