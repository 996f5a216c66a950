"""``u``: a status update, drafted from the incident's state, edited, then published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.widgets import Label, OptionList, TextArea
from textual.widgets.option_list import Option

from warroom.data.models import Audience, Incident, MitigationStrategy, Role
from warroom.data.text import strip_control
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


def _state_line(incident: Incident) -> str:
    if incident.mitigations:
        last = incident.mitigations[-1]
        return f"A {MitigationStrategy(last.strategy).title.lower()} has been applied ({last.outcome})."
    if incident.decisions:
        return f"The team has decided: {strip_control(incident.decisions[-1].choice)}; work is in progress."
    return "The team is investigating the cause."


def draft_update(incident: Incident, audience: Audience, now: datetime) -> str:
    """A first draft for ``audience``, written only from facts in the incident."""
    title = strip_control(incident.title)
    status = incident.status.value.lower()
    if audience is Audience.STATUS_PAGE:
        return (
            f"We are aware of an issue affecting {strip_control(incident.service) or 'some of our services'}: {title}. "
            f"Status: {status}. {_state_line(incident)} Next update within the hour."
        )
    lead = incident.roles.get(Role.COMMUNICATIONS_LEAD) or incident.roles.get(Role.INCIDENT_COMMANDER, "")
    lines = [
        f"{incident.incident_id} {incident.severity.value} ({incident.severity.label}) — {title}",
        f"Status: {status}; Tier {incident.tier}; as of {now:%H:%M} UTC.",
        _state_line(incident),
    ]
    if audience in (Audience.MANAGEMENT, Audience.EXECUTIVE):
        lines.append(f"Business impact: {strip_control(incident.summary) or 'being assessed'}.")
        lines.append("Decision needed from you: none at this time.")
    if lead:
        lines.append(f"Contact: {strip_control(lead)}.")
    return "\n".join(lines)


class StatusUpdateModal(FormModal[StatusUpdateDraft]):
    """Choose the audience (the draft follows it) and edit the text before publishing."""

    DEFAULT_CSS = """
    StatusUpdateModal #update-text { height: 8; }
    """

    TITLE_TEXT = "Status update"
    SUBMIT_LABEL = "Publish"

    def __init__(self, incident: Incident, now: datetime) -> None:
        super().__init__()
        self.incident = incident
        self.now = now
        self._drafts = {a: draft_update(incident, a, now) for a, _ in AUDIENCES}
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
