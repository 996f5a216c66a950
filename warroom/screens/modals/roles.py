"""``R``: assign an incident role to a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from warroom.data.models import Incident, Role
from warroom.data.text import strip_control
from warroom.screens.modals.base import FormError, FormModal

__all__ = ["RoleAssignment", "RolesModal"]


@dataclass(frozen=True)
class RoleAssignment:
    role: Role
    person: str


class RolesModal(FormModal[RoleAssignment]):
    """Pick a role (the list shows who holds each now) and type a name; the roster's candidates are offered."""

    TITLE_TEXT = "Assign a role"
    SUBMIT_LABEL = "Assign"

    def __init__(self, incident: Incident, actor: str, roster: Any = None) -> None:
        super().__init__()
        self.incident = incident
        self.actor = actor
        self.roster = roster

    def compose_form(self) -> ComposeResult:
        yield Label("Role (↑/↓), then the person (defaults to you):", classes="form-help")
        options = []
        for role in Role:
            if role is Role.SUBJECT_MATTER_EXPERT:
                holder = ", ".join(self.incident.experts) or "none"
            else:
                holder = self.incident.roles.get(role, "vacant")
            options.append(Option(f"{role.title:<24} {strip_control(holder)}", id=role.value))
        yield OptionList(*options, id="role-choice")
        yield Input(placeholder=self.actor, id="role-person", max_length=200)
        candidates = Label("", id="role-candidates", classes="form-help")
        candidates.display = False
        yield candidates

    def candidates(self, role: str) -> list[tuple[str, str]]:
        """Who the roster offers for ``role`` (available people only); empty without a roster."""
        if self.roster is None:
            return []
        unavailable = getattr(self.incident, "unavailable", {}) or {}
        return list(self.roster.candidates(role, self.incident.service, unavailable))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        found = self.candidates(str(event.option.id))
        person = self.query_one("#role-person", Input)
        person.suggester = SuggestFromList([handle for handle, _ in found], case_sensitive=False) if found else None
        text = "From the roster (type to complete): " + "; ".join(strip_control(label) for _, label in found[:4]) if found else ""
        label = self.query_one("#role-candidates", Label)
        label.update(Text(text))
        label.display = bool(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> RoleAssignment:
        role = self.chosen("role-choice")
        if role is None:
            raise FormError("Pick a role.")
        person = strip_control(self.query_one("#role-person", Input).value).strip() or self.actor
        if not person:
            raise FormError("Name the person taking the role.")
        return RoleAssignment(Role(role), person)
