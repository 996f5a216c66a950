"""Leaving the review editor with edits that were not saved: keep editing, or leave without them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label

from warroom.screens.modals.base import FormModal

__all__ = ["DiscardEditsModal"]


class DiscardEditsModal(FormModal[bool]):
    """Dismisses with True to leave without saving; Escape (or Cancel) goes back to the editor."""

    TITLE_TEXT = "Unsaved review edits"
    SUBMIT_LABEL = "Leave without saving"
    AUTO_FOCUS = "#cancel"
    RECORDS = False  # leaving records nothing

    def __init__(self, unsaved: list[str]) -> None:
        super().__init__()
        self.unsaved = unsaved

    def compose_form(self) -> ComposeResult:
        yield Label(f"Not saved: {', '.join(self.unsaved)}.", classes="form-help")
        yield Label("Escape goes back to the editor (Ctrl+S there saves); leaving drops these edits.",
                    classes="form-help")  # fmt: skip

    def collect(self) -> bool:
        return True
