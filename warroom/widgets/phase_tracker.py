"""The phase tracker: the playbook's phases and steps with their state.

It shows what it is given: a list of step rows (from the orchestrator's plan,
or derived from the incident's agent runs when no playbook is attached). The
current phase is highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, Iterable

from rich.text import Text
from textual.widgets import Static

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


class PhaseTracker(Static):
    """Phases, each with its steps and their state; the current phase is highlighted."""

    DEFAULT_CSS = """
    PhaseTracker { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._key: tuple[Any, ...] = ()

    def show(self, steps: list[StepRow], current_phase: str) -> None:
        """Display ``steps``; repaints only when something changed."""
        key = (tuple(steps), current_phase)
        if key == self._key:
            return
        self._key = key
        self.update(self.render_steps(steps, current_phase))

    @staticmethod
    def render_steps(steps: list[StepRow], current_phase: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if not steps:
            text.append("No playbook steps yet.", "dim")
            return text
        for phase, group in groupby(steps, key=lambda s: (s.phase, s.phase_title)):
            items = list(group)
            is_current = phase[0] == current_phase
            text.append("▸ " if is_current else "  ", "bold")
            text.append(strip_control(phase[1]), "bold reverse" if is_current else "bold")
            done = sum(1 for s in items if s.state in ("done", "skipped"))
            text.append(f"  {done}/{len(items)}\n", "dim")
            for step in items:
                mark, style = STATE_MARKS.get(step.state, ("·", ""))
                text.append(f"   {mark} ", style)
                text.append(strip_control(step.title))
                text.append(f"  {step.state.replace('_', ' ')}\n", style or "dim")
        text.rstrip()
        return text
