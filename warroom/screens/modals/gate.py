"""``g``: answer a pending human gate of the playbook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.data.text import strip_control
from warroom.screens.modals.base import FormError, FormModal

__all__ = ["GateAnswer", "GateModal"]


@dataclass(frozen=True)
class GateAnswer:
    gate_id: str
    choice: str
    rationale: str


class GateModal(FormModal[GateAnswer]):
    """The gate's question, its options (recommendation marked) and a rationale."""

    TITLE_TEXT = "Decision needed"
    SUBMIT_LABEL = "Decide"

    def __init__(self, gate: Any) -> None:
        super().__init__()
        self.gate = gate

    def compose_form(self) -> ComposeResult:
        gate = self.gate
        yield Static(strip_control(str(gate.question)), id="gate-question")
        if getattr(gate, "recommended", ""):
            reason = strip_control(str(getattr(gate, "recommendation_reason", "") or ""))
            yield Label(f"Recommended: {strip_control(str(gate.recommended))}" + (f" — {reason}" if reason else ""),
                        classes="form-help")  # fmt: skip
        options = [Option(("★ " if o == gate.recommended else "  ") + strip_control(str(o)), id=str(o)) for o in gate.options]
        yield OptionList(*options, id="gate-choice")
        yield Input(placeholder="rationale (required when not taking the recommendation)", id="gate-rationale", max_length=2000)

    def on_mount(self) -> None:
        options = self.query_one("#gate-choice", OptionList)
        if self.gate.recommended in self.gate.options:
            options.highlighted = list(self.gate.options).index(self.gate.recommended)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on an option: the recommendation is recorded at once; another asks for the why first."""
        event.stop()
        rationale = self.query_one("#gate-rationale", Input)
        if event.option.id == self.gate.recommended or rationale.value.strip():
            self.action_submit()
        else:
            rationale.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> GateAnswer:
        choice = self.chosen("gate-choice")
        if choice is None:
            raise FormError("Pick an option.")
        rationale = self.query_one("#gate-rationale", Input).value.strip()
        if choice != self.gate.recommended and not rationale:
            raise FormError("You are not taking the recommendation: say why.")
        return GateAnswer(str(self.gate.gate_id), choice, rationale)
