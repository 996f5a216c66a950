"""What every branch shares: the event builder that folds as it goes (ranking by business impact is in data.major)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.data import events as ev
from warroom.data.fold import InvalidEvent, apply
from warroom.data.major import business_impact_rank, severe
from warroom.data.models import Incident, Role
from warroom.data.roster import Roster

__all__ = ["Branching", "business_impact_rank", "severe"]


class Branching:
    """Collects the events a branch calls for, folding each so later checks see it.

    An event the fold refuses (the state moved on, e.g. a closed incident) is
    left out: evaluation proposes, the fold decides.
    """

    def __init__(self, incident: Incident, now: datetime, roster: Roster, actor: str) -> None:
        self.state, self.now, self.roster, self.actor = incident, now, roster, actor
        self.events: list[ev.BaseEvent] = []

    def add(self, cls: type[ev.BaseEvent], **fields: Any) -> bool:
        event = cls(incident_id=self.state.incident_id, at=self.now, actor=self.actor, **fields)
        try:
            self.state = apply(self.state, event)
        except InvalidEvent:
            return False
        self.events.append(event)
        return True

    def raised(self, branch: str) -> bool:
        return branch in self.state.branch_marks

    def who(self, handles: list[str]) -> list[str]:
        """Roster labels (name, handle, contact) for ``handles``."""
        return [self.roster.label(h) for h in handles]

    def commander(self) -> str:
        return self.state.roles.get(Role.INCIDENT_COMMANDER, "")

    def ensure_commander(self, why: str, busy: set[str] | None = None) -> None:
        """Assign an incident commander from the roster if there is none (the IC escalation).

        ``busy`` are people already commanding another incident (skipped while anyone else is free).
        """
        if self.commander():
            return
        unavailable = set(self.state.unavailable) | (busy or set())
        handle = self.roster.first_available(["incident_commander"], self.state.service, unavailable)
        handle = handle or self.roster.backup("incident_commander", unavailable=unavailable)
        if handle:
            self.add(ev.RoleAssigned, role=Role.INCIDENT_COMMANDER, person=handle)
        else:
            self.add(ev.NoteAdded, text=f"{why}: no incident commander on the roster; assign one now")
