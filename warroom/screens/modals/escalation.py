"""``e``: escalate functionally (Tier 2, Tier 3) or hierarchically (management, executive).

The modal lists what the policy calls for, when and why, marks what is due
now, and requires the reason for the escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.data.clocks import pending_escalations
from warroom.data.durations import format_duration
from warroom.data.models import Incident
from warroom.data.policy import Policy
from warroom.screens.modals.base import FormError, FormModal

__all__ = ["ESCALATION_TARGETS", "EscalationChoice", "EscalationModal", "available_targets"]

ESCALATION_TARGETS: tuple[tuple[str, str], ...] = (
    ("tier2", "Tier 2 — specialist engineers (functional)"),
    ("tier3", "Tier 3 — architects / vendor (functional)"),
    ("management", "Management (hierarchical)"),
    ("executive", "Executive (hierarchical)"),
)


@dataclass(frozen=True)
class EscalationChoice:
    target: str  # tier2 | tier3 | management | executive
    reason: str


def available_targets(incident: Incident) -> list[str]:
    """Escalations still possible: tiers only go up, each notification happens once."""
    targets = []
    if incident.tier < 2:
        targets.append("tier2")
    if incident.tier < 3:
        targets.append("tier3")
    if incident.management_notified_at is None:
        targets.append("management")
    if incident.executive_notified_at is None:
        targets.append("executive")
    return targets


class EscalationModal(FormModal[EscalationChoice]):
    """Pick the escalation; the policy's due escalations are shown with their reasons."""

    TITLE_TEXT = "Escalate"
    SUBMIT_LABEL = "Escalate"

    def __init__(self, incident: Incident, policy: Policy, now: datetime) -> None:
        super().__init__()
        self.incident = incident
        self.policy = policy
        self.now = now
        self.pending = {e.kind: e for e in pending_escalations(incident, policy)}

    def policy_text(self) -> Text:
        text = Text()
        text.append(f"Policy for {self.incident.severity.value}: ", "bold")
        if not self.pending:
            text.append("no escalation is called for.")
            return text
        for kind, due in self.pending.items():
            delta = due.due_at - self.now
            when = f"due now (+{format_duration(-delta)})" if delta.total_seconds() <= 0 else f"in {format_duration(delta)}"
            text.append(f"\n  {due.label}: {when} at {due.due_at:%H:%M}Z — {due.reason}",
                        "bold red" if delta.total_seconds() <= 0 else "")  # fmt: skip
        return text

    def compose_form(self) -> ComposeResult:
        yield Static(self.policy_text(), id="escalation-policy")
        yield Label(f"Now: Tier {self.incident.tier}, {self.incident.hierarchical.value}. Escalate to (↑/↓):", classes="form-help")
        available = available_targets(self.incident)
        options = []
        for kind, label in ESCALATION_TARGETS:
            if kind in available:
                suffix = "  ← due" if kind in self.pending and self.pending[kind].due_at <= self.now else ""
                options.append(Option(label + suffix, id=kind))
        yield OptionList(*options, id="escalation-target")
        due_now = next((k for k, e in self.pending.items() if e.due_at <= self.now and k in available), None)
        yield Input(value=self.pending[due_now].reason if due_now else "", placeholder="reason (required)",
                    id="escalation-reason", max_length=2000)  # fmt: skip

    def on_mount(self) -> None:
        options = self.query_one("#escalation-target", OptionList)
        due_now = [k for k, e in self.pending.items() if e.due_at <= self.now]
        for index in range(options.option_count):
            if options.get_option_at_index(index).id in due_now:
                options.highlighted = index
                break
        options.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> EscalationChoice:
        target = self.chosen("escalation-target")
        if target is None:
            raise FormError("There is nothing left to escalate to.")
        reason = self.query_one("#escalation-reason", Input).value.strip()
        if not reason:
            raise FormError("Give the reason for the escalation.")
        return EscalationChoice(target, reason)
