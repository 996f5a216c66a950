"""When the response itself goes wrong: the five branches of the ITIL flow as events.

:func:`evaluate_branches` is pure: given an incident, the time, the policy, the
roster and every open incident of the database, it returns the events to
append (each already checked against the fold, in order). It is idempotent:
each branch records a ``branch.raised`` and keyed drafts, so a second call on
the state after appending returns nothing new. :func:`apply_branches` runs it
inside one store transaction (the orchestrator's tick calls it); the operator
actions (unavailable, freeze, hold) build their events here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from warroom.agents.branches.common import Branching, business_impact_rank
from warroom.agents.branches.major import active_freezes, follow_freezes, major_incident, major_incidents
from warroom.agents.branches.overrun import blocked_escalation, sla_overrun
from warroom.agents.branches.rollback import rollback_failed
from warroom.agents.branches.security import security_branch, security_trigger
from warroom.data import events as ev
from warroom.data.events import utc
from warroom.data.fold import InvalidEvent, apply
from warroom.data.models import Incident
from warroom.data.policy import DEFAULT_POLICY, Policy
from warroom.data.roster import Roster
from warroom.data.store import EventStore

__all__ = [
    "UnknownPerson", "active_freezes", "apply_branches", "business_impact_rank", "declare_freeze", "evaluate_branches",
    "lift_freeze", "lift_hold", "major_incidents", "mark_unavailable", "record_unavailable", "security_trigger",
]  # fmt: skip


def evaluate_branches(incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY, roster: Roster | None = None,
                      *, open_incidents: list[Incident], actor: str = "warroom") -> list[ev.BaseEvent]:  # fmt: skip
    """The events the branches call for on ``incident`` at ``now`` (none if nothing new)."""
    b = Branching(incident, utc(now), roster or Roster(), actor)
    others = [i for i in open_incidents if i.incident_id != incident.incident_id and i.is_open]
    rollback_failed(b)  # first: it raises the severity the others read
    security_branch(b, policy)
    sla_overrun(b, policy)
    blocked_escalation(b, policy)
    follow_freezes(b, others)
    major_incident(b, [*others, b.state] if b.state.is_open else others)
    return b.events


async def apply_branches(store: EventStore, incident_id: str, now: datetime, policy: Policy = DEFAULT_POLICY,
                         roster: Roster | None = None, actor: str = "warroom") -> list[ev.BaseEvent]:  # fmt: skip
    """Evaluate and append in one transaction (another process's writes are seen first)."""
    ids = await store.incident_ids()
    async with store.transaction() as tx:
        incident = await tx.state(incident_id)
        if incident is None:
            return []
        open_incidents = [s for s in [await tx.state(x) for x in ids if x != incident_id] if s is not None and s.is_open]
        events = evaluate_branches(incident, now, policy, roster, open_incidents=open_incidents, actor=actor)
        return await tx.append_many(events) if events else []


def mark_unavailable(incident: Incident, person: str, reason: str, at: datetime, roster: Roster | None = None,
                     actor: str = "warroom") -> ev.PersonUnavailable:  # fmt: skip
    """The ``person.unavailable`` event, with the backup the roster proposes for the role they hold."""
    roster = roster or Roster()
    role = next((r.value for r, p in incident.roles.items() if p == person), "")
    role = role or next((s.step for s in roster.chain(incident.service) if s.person == person), "")
    backup = roster.backup(role, unavailable=[*incident.unavailable, person]) if role else None
    if role and backup is None:
        backup = roster.first_available(["secondary", "engineering_manager"], incident.service, [*incident.unavailable, person])
    return ev.PersonUnavailable(incident_id=incident.incident_id, at=at, actor=actor, person=person, reason=reason,
                                role=role, backup=backup or "")  # fmt: skip


class UnknownPerson(ValueError):
    """Nobody by that name is on the roster or has any part in the incident."""


async def record_unavailable(store: EventStore, incident_id: str, person: str, reason: str, at: datetime,
                             roster: Roster | None = None, actor: str = "warroom") -> tuple[ev.PersonUnavailable, Incident]:  # fmt: skip
    """Append :func:`mark_unavailable`'s event in one transaction; the stored event and the state after it.

    Refuses (writing nothing) someone unknown to the roster and to the incident (:class:`UnknownPerson`)
    and someone already unavailable (:class:`InvalidEvent`).
    """
    async with store.transaction() as tx:
        incident = await tx.state(incident_id)
        if incident is None:
            raise ValueError(f"no incident {incident_id}")
        known = (roster is not None and roster.person(person) is not None) or person in incident.roles.values()
        if not (known or person in incident.experts or person in incident.last_seen):
            raise UnknownPerson(f"{person} is not on the roster and has no part in {incident_id}")
        stored = cast(ev.PersonUnavailable, await tx.append(mark_unavailable(incident, person, reason, at, roster, actor)))
    return stored, apply(incident, stored)


def declare_freeze(open_incidents: list[Incident], freeze_id: str, reason: str, at: datetime,
                   actor: str = "warroom") -> list[ev.FreezeDeclared]:  # fmt: skip
    """A change freeze recorded on every open incident (append them in one transaction)."""
    if freeze_id in active_freezes(open_incidents):
        raise InvalidEvent(ev.FreezeDeclared(incident_id=open_incidents[0].incident_id, at=at, freeze_id=freeze_id,
                                             reason=reason or "-"), f"change freeze {freeze_id} is already in force")  # fmt: skip
    events = [ev.FreezeDeclared(incident_id=i.incident_id, at=at, actor=actor, freeze_id=freeze_id, reason=reason)
              for i in open_incidents if i.is_open]  # fmt: skip
    for incident, event in zip([i for i in open_incidents if i.is_open], events):
        apply(incident, event)  # raises InvalidEvent naming the reason
    return events


def lift_freeze(incidents: list[Incident], freeze_id: str, reason: str, at: datetime,
                actor: str = "warroom") -> list[ev.FreezeLifted]:  # fmt: skip
    """The ``freeze.lifted`` for every incident carrying ``freeze_id`` (open or not)."""
    events = [ev.FreezeLifted(incident_id=i.incident_id, at=at, actor=actor, freeze_id=freeze_id, reason=reason)
              for i in incidents if freeze_id in i.freezes]  # fmt: skip
    for incident, event in zip([i for i in incidents if freeze_id in i.freezes], events):
        apply(incident, event)
    return events


def lift_hold(incident: Incident, reason: str, at: datetime, actor: str) -> ev.HoldLifted:
    """The ``hold.lifted`` event, checked against the fold (commander only, with a reason)."""
    event = ev.HoldLifted(incident_id=incident.incident_id, at=at, actor=actor, reason=reason)
    apply(incident, event)
    return event
