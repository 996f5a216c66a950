"""``R``: assign an incident role to a person, or mark someone unavailable and take the roster's backup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from warroom.agents.branches import record_unavailable
from warroom.data.fold import InvalidEvent
from warroom.data.models import Incident, Role
from warroom.data.store import EventStore, StoreError
from warroom.data.text import strip_control
from warroom.screens.modals.base import FormError, FormModal
from warroom.screens.view_only import VIEW_ONLY_NOTICE, view_only

__all__ = ["RoleAssignment", "RolesModal"]


@dataclass(frozen=True)
class RoleAssignment:
    role: Role
    person: str


class RolesModal(FormModal[RoleAssignment]):
    """Pick a role (the list shows who holds each now) and type a name; the roster's candidates are offered.

    ``Ctrl+N`` marks the typed person (or the highlighted role's holder) unavailable: it asks for the
    reason, records ``person.unavailable`` at once (the backup is the one the CLI's ``warroom
    unavailable`` proposes), shows the backup and puts them in the person field, ready to assign.
    """

    DEFAULT_CSS = """
    RolesModal #role-candidates, RolesModal #unavailable-outcome { width: 1fr; }
    RolesModal #unavailable-outcome { color: $text-success; }
    """

    TITLE_TEXT = "Assign a role"
    SUBMIT_LABEL = "Assign"
    RECORDING_ACTIONS = frozenset({"submit", "mark_unavailable"})
    BINDINGS = [
        Binding("ctrl+n", "mark_unavailable", "Unavailable",
                tooltip="Mark the typed person (or the role's holder) unavailable; the roster's backup is proposed",
                id="mark-unavailable"),
    ]  # fmt: skip

    def __init__(self, incident: Incident, actor: str, roster: Any = None,
                 store: Callable[[], Awaitable[EventStore]] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        super().__init__()
        self.incident = incident
        self.actor = actor
        self.roster = roster
        self._store = store
        self._now = now
        self.absent = ""  # the person whose unavailability the reason prompt is asking for

    def compose_form(self) -> ComposeResult:
        yield Label("Role (↑/↓), then the person (defaults to you):", classes="form-help")
        yield OptionList(*[Option(self._prompt(role), id=role.value) for role in Role], id="role-choice")
        yield Input(placeholder=self.actor, id="role-person", max_length=200)
        candidates = Label("", id="role-candidates", classes="form-help")
        candidates.display = False
        yield candidates
        yield Label("Ctrl+N: mark the person (or the role's holder) unavailable", id="unavailable-help", classes="form-help")
        reason = Input(placeholder="Why unavailable? (Enter records, Esc goes back)", id="unavailable-reason", max_length=500)
        reason.display = False
        yield reason
        outcome = Label("", id="unavailable-outcome")
        outcome.display = False
        yield outcome

    def _prompt(self, role: Role) -> str:
        if role is Role.SUBJECT_MATTER_EXPERT:
            holder = ", ".join(self.incident.experts) or "none"
        else:
            holder = self.incident.roles.get(role, "vacant")
        away = " (unavailable)" if holder in self.incident.unavailable else ""
        return f"{role.title:<24} {strip_control(holder)}{away}"

    def candidates(self, role: str) -> list[tuple[str, str]]:
        """Who the roster offers for ``role`` (available people only); empty without a roster."""
        if self.roster is None:
            return []
        unavailable = getattr(self.incident, "unavailable", {}) or {}
        return list(self.roster.candidates(role, self.incident.service, unavailable))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._offer(str(event.option.id))

    def _offer(self, role: str) -> None:
        found = self.candidates(role)
        person = self.query_one("#role-person", Input)
        person.suggester = SuggestFromList([handle for handle, _ in found], case_sensitive=False) if found else None
        text = "From the roster (type to complete): " + "; ".join(strip_control(label) for _, label in found[:4]) if found else ""
        label = self.query_one("#role-candidates", Label)
        label.update(Text(text))
        label.display = bool(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "unavailable-reason":
            self._confirm_unavailable()
        else:
            self.action_submit()

    def collect(self) -> RoleAssignment:
        role = self.chosen("role-choice")
        if role is None:
            raise FormError("Pick a role.")
        person = strip_control(self.query_one("#role-person", Input).value).strip() or self.actor
        if not person:
            raise FormError("Name the person taking the role.")
        return RoleAssignment(Role(role), person)

    # -- Ctrl+N: unavailable -------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.query_one("#form-error", Label).update(Text(text))

    def _holder(self) -> str:
        """The typed person, else whoever holds the highlighted role (the only expert, for experts)."""
        typed = strip_control(self.query_one("#role-person", Input).value).strip()
        role = self.chosen("role-choice")
        if typed or role is None:
            return typed
        if role == Role.SUBJECT_MATTER_EXPERT.value:
            return self.incident.experts[0] if len(self.incident.experts) == 1 else ""
        return self.incident.roles.get(Role(role), "")

    def action_mark_unavailable(self) -> None:
        person = self._holder()
        if not person:
            self._say("Type the person to mark unavailable (or highlight a role someone holds).")
            self.app.bell()
            return
        if person in self.incident.unavailable:
            self._say(f"{person} is already marked unavailable ({self.incident.unavailable[person]}).")
            self.app.bell()
            return
        self.absent = person
        self._say("")
        reason = self.query_one("#unavailable-reason", Input)
        reason.border_title = f"Why is {person} unavailable?"
        reason.display = True
        reason.focus()

    def action_cancel(self) -> None:
        """Escape closes the reason prompt first, then the modal."""
        reason = self.query_one("#unavailable-reason", Input)
        if reason.display:
            self._close_prompt()
            return
        super().action_cancel()

    def _close_prompt(self) -> None:
        reason = self.query_one("#unavailable-reason", Input)
        reason.value, reason.display = "", False
        self.query_one("#role-person", Input).focus()

    def _confirm_unavailable(self) -> None:
        reason = strip_control(self.query_one("#unavailable-reason", Input).value).strip()
        if not reason:
            self._say(f"Say why {self.absent} is unavailable (it goes on the timeline).")
            self.app.bell()
            return
        self._record_unavailable(self.absent, reason)

    @work(exclusive=True, group="mark-unavailable", exit_on_error=False)
    async def _record_unavailable(self, person: str, reason: str) -> None:
        """Append ``person.unavailable`` (the same path as ``warroom unavailable``), then offer the backup."""
        if view_only(self):
            self._say(VIEW_ONLY_NOTICE)
            return
        opener = self._store or getattr(self.app, "ready_store", None)
        if opener is None:
            self._say("Not recorded: there is no incident store to record it in.")
            return
        now = self._now or getattr(self.app, "now", None) or (lambda: datetime.now(timezone.utc))
        try:
            event, self.incident = await record_unavailable(await opener(), self.incident.incident_id, person, reason,
                                                            now(), self.roster, self.actor)  # fmt: skip
        except InvalidEvent as exc:
            self._say(f"Not recorded: {exc.reason}.")
            self.app.bell()
            return
        except (ValidationError, StoreError, ValueError) as exc:
            self._say(f"Not recorded: {str(exc).splitlines()[0]}.")
            self.app.bell()
            return
        self._close_prompt()
        self._offer_backup(event.person, event.role, event.backup)

    def _offer_backup(self, person: str, role: str, backup: str) -> None:
        choice = self.query_one("#role-choice", OptionList)
        for index, each in enumerate(Role):
            choice.replace_option_prompt_at_index(index, self._prompt(each))
        if role in {r.value for r in Role}:
            choice.highlighted = [r.value for r in Role].index(role)
        label = self.roster.label(backup) if backup and self.roster is not None else backup
        proposal = f"Backup proposed: {label} (Ctrl+S assigns)." if backup else "No backup on the roster: name someone."
        outcome = self.query_one("#unavailable-outcome", Label)
        outcome.update(Text(f"Recorded: {person} unavailable. {proposal}"))
        outcome.display = True
        self.query_one("#role-person", Input).value = backup
        self._offer(self.chosen("role-choice") or "")
