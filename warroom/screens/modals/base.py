"""The shape every decision modal shares: a title, a form, one error line and two buttons.

``Escape`` cancels (dismisses with ``None``); ``Ctrl+S`` or the submit button
validates the form with :meth:`FormModal.collect` and dismisses with its
result, or shows the one-sentence reason the form is not complete.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static

from warroom.screens.view_only import VIEW_ONLY_NOTICE, view_only

__all__ = ["FormError", "FormModal"]

T = TypeVar("T")


class FormError(ValueError):
    """The form is incomplete or wrong; the message says what to fix."""


class FormModal(ModalScreen[T], Generic[T]):
    """Base for the war room's modals."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without recording anything", id="modal-cancel"),
        Binding("ctrl+s", "submit", "Record", tooltip="Validate and record the decision", id="modal-submit"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > VerticalScroll.form {
        width: 90%; max-width: 100; height: auto; max-height: 95%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    FormModal .form-help { color: $text-muted; }
    FormModal .form-error { color: $error; text-style: bold; height: auto; }
    FormModal .form-buttons { height: auto; align-horizontal: right; }
    FormModal .form-buttons Button { margin-left: 1; min-width: 10; }
    FormModal OptionList { height: auto; max-height: 8; }
    FormModal Input { margin-bottom: 0; }
    """

    AUTO_FOCUS = "PriorityMatrix, OptionList, Input, TextArea"
    TITLE_TEXT = ""
    SUBMIT_LABEL = "Record"

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form") as form:
            form.border_title = self.TITLE_TEXT
            form.can_focus = False
            yield from self.compose_form()
            yield Label("", classes="form-error", id="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"{self.SUBMIT_LABEL} (Ctrl+S)", variant="primary", id="submit")

    def compose_form(self) -> ComposeResult:
        """The fields of the form (subclasses)."""
        yield Static("")

    def collect(self) -> T:
        """The result if the form is complete; raises :class:`FormError` otherwise.

        Every modal defines its own; reaching this one is a programming error, not a form error.
        """
        raise TypeError(f"{type(self).__name__} must define collect() to read its form")

    def action_cancel(self) -> None:
        self.dismiss(None)

    #: Whether its answer is recorded (refused in a read-only view); a modal that only asks says False.
    RECORDS = True
    #: Its actions that record something (disabled in a read-only view).
    RECORDING_ACTIONS: frozenset[str] = frozenset({"submit"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.RECORDS and action in self.RECORDING_ACTIONS and view_only(self))

    def action_submit(self) -> None:
        if self.RECORDS and view_only(self):  # the button as well as Ctrl+S: a read-only view records nothing
            self.query_one("#form-error", Label).update(VIEW_ONLY_NOTICE)
            return
        try:
            result = self.collect()
        except FormError as exc:
            self.query_one("#form-error", Label).update(str(exc))
            self.app.bell()
            return
        self.dismiss(result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def chosen(self, option_list_id: str) -> str | None:
        """The id of the highlighted option of an :class:`OptionList` in the form."""
        options = self.query_one(f"#{option_list_id}", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id
