"""The header line: id, severity, status, tier, escalation level and roles on one line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from warroom.data.models import HierarchicalLevel, Incident, Role, Severity
from warroom.data.text import strip_control

__all__ = ["IncidentHeader", "header_text"]

SEVERITY_STYLE = {
    Severity.P0: "bold white on red",
    Severity.P1: "bold black on dark_orange",
    Severity.P2: "bold black on yellow",
    Severity.P3: "bold black on grey70",
}

_ROLE_ABBREV = {
    Role.INCIDENT_COMMANDER: "IC",
    Role.TECHNICAL_LEAD: "TL",
    Role.COMMUNICATIONS_LEAD: "CL",
    Role.SCRIBE: "Scribe",
}


def header_text(incident: Incident, actor: str = "", read_only: bool = False) -> Text:
    """The one-line summary of ``incident`` (all user text stripped of control sequences)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {incident.severity.value} ", SEVERITY_STYLE[incident.severity])
    text.append(f" {incident.incident_id} ", "bold")
    text.append(incident.status.value, "bold reverse" if incident.is_open else "bold green")
    text.append(f"  Tier {incident.tier}")
    if incident.hierarchical is not HierarchicalLevel.NONE:
        text.append(f"  ↑{incident.hierarchical.value}", "bold magenta")
    for role, abbrev in _ROLE_ABBREV.items():
        person = incident.roles.get(role)
        text.append(f"  {abbrev} ", "dim")
        text.append(strip_control(person) if person else "—", "" if person else "red")
    if read_only:
        text.append("  [read-only]", "dim")
    if actor:
        text.append(f"  you: {strip_control(actor)}", "dim")
    text.append("  ")
    text.append(strip_control(incident.title).replace("\n", " "), "italic")
    return text


class IncidentHeader(Static):
    """One line across the top of the war room."""

    DEFAULT_CSS = """
    IncidentHeader { height: 1; }
    """

    def __init__(self, *, actor: str = "", read_only: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._actor = actor
        self._read_only = read_only
        self._last: str = ""

    def show(self, incident: Incident) -> None:
        """Display ``incident``; repaints only when the line changed."""
        text = header_text(incident, self._actor, self._read_only)
        if text.plain != self._last:
            self._last = text.plain
            self.update(text)
