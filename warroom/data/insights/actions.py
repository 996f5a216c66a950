"""Preventive-action follow-through across incidents: listing, overdue, and resolving an item reference."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from warroom.data.ids import ID_PATTERN
from warroom.data.models import ActionItem, ActionStatus, Incident

__all__ = ["ActionReferenceError", "ActionRow", "list_actions", "overdue_actions", "resolve_action"]

_FINISHED = (ActionStatus.DONE, ActionStatus.CANCELLED)


class ActionReferenceError(ValueError):
    """An action reference that names no item, or more than one."""


@dataclass(frozen=True)
class ActionRow:
    incident_id: str
    incident_title: str
    item: ActionItem
    overdue: bool

    @property
    def reference(self) -> str:
        return f"{self.incident_id}:{self.item.item_id}"


def is_overdue(item: ActionItem, now: datetime) -> bool:
    return item.status not in _FINISHED and item.due is not None and item.due < now


def list_actions(incidents: Iterable[Incident], now: datetime, *, overdue_only: bool = False,
                 owner: str | None = None) -> list[ActionRow]:  # fmt: skip
    """Every action item, soonest due first (undated last); filtered by overdue and owner (case-insensitive)."""
    rows = []
    wanted = owner.strip().lower() if owner else None
    for incident in incidents:
        for item in incident.actions.values():
            late = is_overdue(item, now)
            if overdue_only and not late:
                continue
            if wanted is not None and item.owner.strip().lower() != wanted:
                continue
            rows.append(ActionRow(incident.incident_id, incident.title, item, late))
    return sorted(rows, key=lambda r: (r.item.due is None, r.item.due or now, r.incident_id, r.item.item_id))


def overdue_actions(incidents: Iterable[Incident], now: datetime) -> list[ActionRow]:
    """Open actions past their due date, most overdue first (for the incident list)."""
    return list_actions(incidents, now, overdue_only=True)


def resolve_action(incidents: Iterable[Incident], reference: str) -> tuple[Incident, ActionItem]:
    """The incident and item named by ``INC-YYYY-NNNN:ITEM`` or by a unique item id."""
    reference = reference.strip()
    if not reference or len(reference) > 300 or any(ord(c) < 32 for c in reference):
        raise ActionReferenceError("give an action as INC-YYYY-NNNN:ITEM or a unique item id")
    incidents = list(incidents)
    head, sep, tail = reference.partition(":")
    if sep and ID_PATTERN.fullmatch(head):
        incident = next((i for i in incidents if i.incident_id == head), None)
        if incident is None:
            raise ActionReferenceError(f"no incident {head} in this database")
        item = incident.actions.get(tail)
        if item is None:
            raise ActionReferenceError(f"{head} has no action item {tail[:80]!r}")
        return incident, item
    found = [(i, i.actions[reference]) for i in incidents if reference in i.actions]
    if not found:
        raise ActionReferenceError(f"no action item {reference[:80]!r} in any incident")
    if len(found) > 1:
        where = ", ".join(f"{i.incident_id}:{reference}" for i, _ in found[:5])
        raise ActionReferenceError(f"action item {reference!r} is in {len(found)} incidents; name one: {where}")
    return found[0]
