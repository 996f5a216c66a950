"""``u``: a status update, drafted from the incident's state, edited, then published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.widgets import Label, OptionList, TextArea
from textual.widgets.option_list import Option

from warroom.data.drafts import draft_update
from warroom.data.models import Audience, Incident
from warroom.data.policy import DEFAULT_POLICY, Policy
from warroom.screens.modals.base import FormError, FormModal

__all__ = ["AUDIENCES", "StatusUpdateDraft", "StatusUpdateModal", "draft_update"]

AUDIENCES: tuple[tuple[Audience, str], ...] = (
    (Audience.STATUS_PAGE, "Status page (customers)"),
    (Audience.INTERNAL, "Internal (engineering channel)"),
    (Audience.MANAGEMENT, "Management"),
    (Audience.EXECUTIVE, "Executive"),
)


@dataclass(frozen=True)
class StatusUpdateDraft:
    audience: Audience
    text: str


class StatusUpdateModal(FormModal[StatusUpdateDraft]):
    """Choose the audience (the draft follows it) and edit the text before publishing."""

    DEFAULT_CSS = """
    StatusUpdateModal #update-text { height: 8; }
    """

    TITLE_TEXT = "Status update"
    SUBMIT_LABEL = "Publish"

    def __init__(self, incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY,
                 playbook_drafts: dict[Audience, str] | None = None) -> None:  # fmt: skip
        """``playbook_drafts``: what the playbook drafted and waits to publish, by audience (shown instead)."""
        super().__init__()
        self.incident = incident
        self.now = now
        self._drafts = {a: draft_update(incident, a, now, policy) for a, _ in AUDIENCES} | dict(playbook_drafts or {})
        self._edited = False

    def compose_form(self) -> ComposeResult:
        yield Label("Audience (↑/↓), then edit the draft (Tab):", classes="form-help")
        yield OptionList(*[Option(label, id=a.value) for a, label in AUDIENCES], id="audience")
        yield TextArea(self._drafts[Audience.STATUS_PAGE], id="update-text", soft_wrap=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id and not self._edited:
            area = self.query_one("#update-text", TextArea)
            area.load_text(self._drafts[Audience(event.option.id)])

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._edited = event.text_area.text not in self._drafts.values()

    def collect(self) -> StatusUpdateDraft:
        audience = self.chosen("audience")
        text = self.query_one("#update-text", TextArea).text.strip()
        if audience is None:
            raise FormError("Pick who the update is for.")
        if not text:
            raise FormError("The update is empty.")
        return StatusUpdateDraft(Audience(audience), text)
