"""``n``: a note to the timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label

from warroom.screens.modals.base import FormError, FormModal

__all__ = ["NoteModal"]


class NoteModal(FormModal[str]):
    """One line of text for the timeline; returns it."""

    TITLE_TEXT = "Note to the timeline"
    SUBMIT_LABEL = "Add note"

    def compose_form(self) -> ComposeResult:
        yield Label("What should everyone know? (Enter adds it)", classes="form-help")
        yield Input(placeholder="e.g. rolled back payments-api to v2.3.1", id="note-text", max_length=4000)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> str:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            raise FormError("Write the note first (or Escape to cancel).")
        return text
