"""``s``: the Impact × Urgency matrix, moved with the arrow keys.

The modal shows the resulting priority and its SLAs from the policy, marks the
agents' proposal (or the current classification), and asks for a reason when
the choice overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from warroom.data.durations import format_duration
from warroom.data.models import Incident, Level, Severity
from warroom.data.policy import Policy, priority
from warroom.screens.modals.base import FormError, FormModal
from warroom.screens.proposals import severity_proposal

__all__ = ["PriorityMatrix", "SeverityChoice", "SeverityModal", "sla_summary"]

LEVELS = (Level.HIGH, Level.MEDIUM, Level.LOW)


@dataclass(frozen=True)
class SeverityChoice:
    severity: Severity
    impact: Level
    urgency: Level
    reason: str


def sla_summary(policy: Policy, severity: Severity) -> str:
    """The SLAs of ``severity`` in one line."""
    row = policy.for_severity(severity)
    parts = []
    if row.acknowledge_business_days:
        parts.append(f"acknowledge {row.acknowledge_business_days} business day(s)")
    for name, value in (("acknowledge", row.acknowledge), ("engage", row.engage), ("resolve", row.resolve),
                        ("updates every", row.update_every), ("Tier 2 after", row.tier2_after),
                        ("management after", row.management_after), ("executive after", row.executive_after)):
        if value is not None:
            parts.append(f"{name} {format_duration(value)}")
    return ", ".join(parts) or "no SLA"


class PriorityMatrix(Widget, can_focus=True):
    """A 3 × 3 grid: rows are impact, columns urgency; the arrows move the cursor."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Higher impact", show=False, tooltip="Move to a higher impact", id="matrix-up"),
        Binding("down", "move(1, 0)", "Lower impact", show=False, tooltip="Move to a lower impact", id="matrix-down"),
        Binding("left", "move(0, -1)", "Higher urgency", show=False, tooltip="Move to a higher urgency", id="matrix-left"),
        Binding("right", "move(0, 1)", "Lower urgency", show=False, tooltip="Move to a lower urgency", id="matrix-right"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    PriorityMatrix { height: 5; width: auto; }
    PriorityMatrix:focus { background: $boost; }
    """

    cursor: reactive[tuple[int, int]] = reactive((1, 1))

    def __init__(self, impact: Level, urgency: Level, proposed: tuple[Level, Level]) -> None:
        super().__init__(id="matrix")
        self.set_reactive(PriorityMatrix.cursor, (LEVELS.index(impact), LEVELS.index(urgency)))
        self.proposed = proposed

    @property
    def impact(self) -> Level:
        return LEVELS[self.cursor[0]]

    @property
    def urgency(self) -> Level:
        return LEVELS[self.cursor[1]]

    def action_move(self, rows: int, columns: int) -> None:
        row, column = self.cursor
        self.cursor = (max(0, min(2, row + rows)), max(0, min(2, column + columns)))

    def render(self) -> Text:
        text = Text(no_wrap=True)
        text.append("impact \\ urgency   HIGH     MEDIUM   LOW\n", "bold")
        for r, impact in enumerate(LEVELS):
            text.append(f"{impact.value:<18}", "bold")
            for c, urgency in enumerate(LEVELS):
                sev = priority(impact, urgency).value
                mark = "*" if (impact, urgency) == self.proposed else " "
                cell = f" {sev}{mark}   "
                text.append(f"{cell:<9}", "reverse bold" if (r, c) == self.cursor else "")
            text.append("\n")
        text.append("* proposed", "dim")
        return text

    def watch_cursor(self) -> None:
        if self.is_mounted and isinstance(self.screen, SeverityModal):
            self.screen.show_choice()


class SeverityModal(FormModal[SeverityChoice]):
    """Choose the priority from the matrix; a reason is required to override the proposal."""

    TITLE_TEXT = "Severity: Impact × Urgency"
    SUBMIT_LABEL = "Set severity"

    def __init__(self, incident: Incident, policy: Policy) -> None:
        super().__init__()
        self.incident = incident
        self.policy = policy
        proposal = severity_proposal(incident)
        if proposal is not None:
            self.proposed = (proposal.impact, proposal.urgency)
            self.proposal_text = f"Agents propose {proposal.severity.value} (impact {proposal.impact.value}, urgency {proposal.urgency.value})"
        else:
            self.proposed = (incident.impact, incident.urgency)
            self.proposal_text = f"Current: {incident.severity.value} (impact {incident.impact.value}, urgency {incident.urgency.value})"

    def compose_form(self) -> ComposeResult:
        yield Label(self.proposal_text, classes="form-help")
        yield PriorityMatrix(self.incident.impact, self.incident.urgency, self.proposed)
        yield Static("", id="choice")
        yield Input(placeholder="reason (required when overriding the proposal)", id="severity-reason", max_length=2000)

    def on_mount(self) -> None:
        self.show_choice()
        self.query_one(PriorityMatrix).focus()

    def show_choice(self) -> None:
        matrix = self.query_one(PriorityMatrix)
        severity = priority(matrix.impact, matrix.urgency)
        text = Text()
        text.append(f"→ {severity.value} {severity.label}", "bold")
        text.append(f"  SLAs: {sla_summary(self.policy, severity)}")
        self.query_one("#choice", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> SeverityChoice:
        matrix = self.query_one(PriorityMatrix)
        reason = self.query_one("#severity-reason", Input).value.strip()
        if (matrix.impact, matrix.urgency) != self.proposed and not reason:
            raise FormError("This overrides the proposal: give the reason.")
        return SeverityChoice(priority(matrix.impact, matrix.urgency), matrix.impact, matrix.urgency, reason)
