"""The fold: an incident's state is ``apply`` over its events, in order.

``apply`` is pure: it never mutates the state it is given and returns a new one
(sharing unchanged parts). An event that is not valid in the current state is
refused with :class:`InvalidEvent` naming the reason; nothing is half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from warroom.data import events as ev
from warroom.data.models import (
    ActionItem,
    AgentRun,
    Breach,
    Decision,
    Evidence,
    Freeze,
    HierarchicalLevel,
    Hold,
    Incident,
    Mitigation,
    Offer,
    Role,
    RunState,
    Status,
    StatusUpdate,
)

M = TypeVar("M", bound=BaseModel)

#: Raise when a rule changes what the fold makes of the same events: stored snapshots of the
#: state (``warroom.data.snapshots``) from another version are then rebuilt from the events.
FOLD_VERSION = 2  # 2: a failed or cancelled run keeps its joined text (``output``)


class InvalidEvent(ValueError):
    """An event that cannot be applied to the incident in its current state."""

    def __init__(self, event: ev.BaseEvent, reason: str) -> None:
        super().__init__(f"{event.kind} refused for {event.incident_id}: {reason}")
        self.event = event
        self.reason = reason


# Events still accepted once an incident is closed: the review and its records.
AFTER_CLOSE = {"note.added", "action.added", "action.updated", "review.updated", "review.completed", "incident.reopened",
               "recurrence.marked", "freeze.lifted", "regulator.notified", "notification.drafted",
               "notification.queued", "notification.delivered", "notification.failed", "notification.retried"}
# Events accepted once resolved (but not closed): the post-incident work.
AFTER_RESOLVE = AFTER_CLOSE | {
    "agent.started", "agent.output", "agent.finished", "agent.failed", "agent.cancelled",
    "update.published", "decision.taken", "phase.changed", "incident.closed", "sla.breached",
    "evidence.attached", "alert.received", "role.assigned", "management.notified", "executive.notified", "playbook.started",
    "person.unavailable", "evidence.preserved", "hold.lifted", "branch.raised", "security.declared",
}  # fmt: skip

#: The gate label of the mitigation decision (see ``warroom.agents.gates.gate_label``).
MITIGATION_GATE = "mitigation strategy"
#: The playbook's forensics gate (``warroom.agents.guidance``): answering it opens the evidence gate.
FORENSICS_GATE = "forensics preservation"

Handler = Callable[[Incident, Any], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def _on(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def apply(state: Incident | None, event: ev.BaseEvent) -> Incident:
    """The incident after ``event``; raises :class:`InvalidEvent` if it does not apply."""
    if state is None:
        return _first(event)
    changes = changes_for(state, event)
    changes["last_seen"] = {**state.last_seen, event.actor: event.at}
    return evolve(state, changes)


def _first(event: ev.BaseEvent) -> Incident:
    if not isinstance(event, ev.IncidentDeclared):
        raise InvalidEvent(event, "the incident has not been declared")
    return _declare(event)


def changes_for(state: Incident, event: ev.BaseEvent, **private: Any) -> dict[str, Any]:
    """The fields ``event`` changes on ``state``; raises :class:`InvalidEvent` if it does not apply.

    ``private`` hands a rule the state's own copy of a collection it may extend in place (``alerts``:
    only :func:`fold`, which owns its state, does)."""
    _admit(state, event)
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        raise InvalidEvent(event, "no rule for this kind of event")
    changes = handler(state, event, **private) if private else handler(state, event)
    changes["event_count"] = state.event_count + 1
    changes["last_seq"] = max(state.last_seq, event.seq)
    changes["updated_at"] = event.at
    return changes


def _admit(state: Incident, event: ev.BaseEvent) -> None:
    """The checks every event passes before its own rule (same incident, not closed or resolved)."""
    if isinstance(event, ev.IncidentDeclared):
        raise InvalidEvent(event, "the incident is already declared")
    if event.incident_id != state.incident_id:
        raise InvalidEvent(event, f"event belongs to {event.incident_id}, not {state.incident_id}")
    if state.status is Status.CLOSED and event.kind not in AFTER_CLOSE:
        raise InvalidEvent(event, "the incident is closed (reopen it first)")
    if state.status is Status.RESOLVED and event.kind not in AFTER_RESOLVE:
        raise InvalidEvent(event, "the incident is resolved (reopen it first)")


def fold(state: Incident | None, events: Iterable[ev.BaseEvent]) -> Incident | None:
    """``apply`` over ``events`` from ``state``, without copying the state once per event.

    The same rules and result as repeated ``apply`` (the property tests check it),
    but the state is copied once and updated in place while it is private to this
    call: replaying 100,000 events would otherwise copy the whole state 100,000
    times. ``state`` itself is never mutated; a refused event raises
    :class:`InvalidEvent` and the partial result is discarded.
    """
    current = evolve(state, {"last_seen": dict(state.last_seen)}) if state is not None else None
    # Agent output chunks are most of a long incident's events: their run is copied once
    # per call (``owned``) and counted in place, instead of copying the runs per chunk.
    owned: set[str] = set()
    owned_alerts: list[Any] | None = None
    for event in events:
        if current is None:
            current = _first(event)
            continue
        values = current.__dict__
        if owned_alerts is None and event.kind == "alert.received":
            owned_alerts = values["alerts"] = list(values["alerts"])
        if event.kind == "agent.output":
            _admit(current, event)
            run = _running(current, event)
            if event.run_id not in owned:
                run = evolve(run, {})
                values["runs"] = {**values["runs"], event.run_id: run}
                owned.add(event.run_id)
            run.__dict__["chunks"] += 1
            values["event_count"] += 1
            values["last_seq"] = max(values["last_seq"], event.seq)
            values["updated_at"] = event.at
        elif event.kind == "alert.received" and owned_alerts is not None:
            # An alert storm lands thousands of alerts on one incident: the list is copied once per
            # call and appended to in place, not rebuilt per alert (quadratic in the storm's size).
            values.update(changes_for(current, event, alerts=owned_alerts))
        else:
            changes = changes_for(current, event)
            if "runs" in changes:
                owned.clear()  # the rule built a new runs mapping: copy again before changing a run
            values.update(changes)
        current.last_seen[event.actor] = event.at  # private copy: one store, no copy per event
    return current


def evolve(model: M, changes: dict[str, Any]) -> M:
    """A shallow copy of ``model`` with ``changes`` (a faster ``model_copy(update=...)``).

    The fold runs once per event on replay, so this is on the hot path; like
    ``model_copy`` it does not validate (the events were validated).
    """
    new = model.__class__.__new__(model.__class__)
    values = model.__dict__.copy()
    values.update(changes)
    object.__setattr__(new, "__dict__", values)
    object.__setattr__(new, "__pydantic_fields_set__", model.__pydantic_fields_set__)
    object.__setattr__(new, "__pydantic_extra__", None)
    object.__setattr__(new, "__pydantic_private__", None)
    return new


def replay(events: Iterable[ev.BaseEvent]) -> Incident | None:
    """Fold a whole sequence; raises on the first invalid event."""
    return fold(None, events)


def can_apply(state: Incident | None, event: ev.BaseEvent) -> str | None:
    """``None`` if ``event`` applies, else the reason it is refused."""
    try:
        apply(state, event)
    except InvalidEvent as exc:
        return exc.reason
    return None


def _declare(e: ev.IncidentDeclared) -> Incident:
    return Incident(
        incident_id=e.incident_id, title=e.title, summary=e.summary, category=e.category,
        incident_type=e.incident_type, severity=e.severity, impact=e.impact, urgency=e.urgency,
        reporter=e.reporter or e.actor, detection_method=e.detection_method, guidance=e.guidance,
        service=e.service, security=e.security, playbook=e.playbook,
        detected_at=ev.utc(e.detected_at) if e.detected_at else e.at, declared_at=e.at,
        last_seq=e.seq, event_count=1, updated_at=e.at, last_seen={e.actor: e.at},
    )  # fmt: skip


def _engage(state: Incident, at: datetime) -> dict[str, Any]:
    return {} if state.engaged_at else {"engaged_at": at}


@_on("severity.set")
def _severity(s: Incident, e: ev.SeveritySet) -> dict[str, Any]:
    changes: dict[str, Any] = {"severity": e.severity, "impact": e.impact, "urgency": e.urgency}
    changes.update(severity_reason=e.reason, severity_set_at=e.at, severity_set_by=e.actor)
    if s.status is Status.DETECTED:
        changes["status"] = Status.TRIAGED
    return changes


@_on("incident.acknowledged")
def _ack(s: Incident, e: ev.Acknowledged) -> dict[str, Any]:
    if s.acknowledged_at is not None:
        raise InvalidEvent(e, f"already acknowledged by {s.acknowledged_by or 'someone'}")
    return {"acknowledged_at": e.at, "acknowledged_by": e.actor}


@_on("role.assigned")
def _role(s: Incident, e: ev.RoleAssigned) -> dict[str, Any]:
    if e.role is Role.SUBJECT_MATTER_EXPERT:
        if e.person in s.experts:
            raise InvalidEvent(e, f"{e.person} is already a subject-matter expert")
        return {"experts": [*s.experts, e.person]}
    changes: dict[str, Any] = {"roles": {**s.roles, e.role: e.person}}
    if e.role is Role.TECHNICAL_LEAD:
        changes.update(_engage(s, e.at))
    return changes


@_on("tier.escalated")
def _tier(s: Incident, e: ev.TierEscalated) -> dict[str, Any]:
    if e.tier <= s.tier:
        raise InvalidEvent(e, f"already at Tier {s.tier}; escalation only goes up")
    return {"tier": e.tier, "tier_changed_at": e.at, **_engage(s, e.at)}


@_on("management.notified")
def _management(s: Incident, e: ev.ManagementNotified) -> dict[str, Any]:
    if s.management_notified_at is not None:
        raise InvalidEvent(e, "management has already been notified")
    level = max(s.hierarchical, HierarchicalLevel.MANAGEMENT, key=lambda lv: lv.rank)
    return {"management_notified_at": e.at, "hierarchical": level, "management_told": bool(e.message.strip())}


@_on("executive.notified")
def _executive(s: Incident, e: ev.ExecutiveNotified) -> dict[str, Any]:
    if s.executive_notified_at is not None:
        raise InvalidEvent(e, "the executive has already been notified")
    return {"executive_notified_at": e.at, "hierarchical": HierarchicalLevel.EXECUTIVE, "executive_told": bool(e.message.strip())}


@_on("status.changed")
def _status(s: Incident, e: ev.StatusChanged) -> dict[str, Any]:
    if e.status in (Status.RESOLVED, Status.CLOSED):
        raise InvalidEvent(e, f"use the {e.status.value.lower()} event to move to {e.status.value}")
    if e.status.rank <= s.status.rank:
        raise InvalidEvent(e, f"status is {s.status.value}; it cannot move back to {e.status.value}")
    changes: dict[str, Any] = {"status": e.status}
    if e.status.rank >= Status.INVESTIGATING.rank:
        changes.update(_engage(s, e.at))
    return changes


@_on("phase.changed")
def _phase(s: Incident, e: ev.PhaseChanged) -> dict[str, Any]:
    return {"phase": e.phase}


@_on("playbook.started")
def _playbook(s: Incident, e: ev.PlaybookStarted) -> dict[str, Any]:
    if s.playbook_source and s.playbook != e.playbook:
        raise InvalidEvent(e, f"the incident runs the {s.playbook} playbook")
    return {"playbook": e.playbook, "playbook_source": e.source or e.playbook}


@_on("agent.started")
def _started(s: Incident, e: ev.AgentStepStarted) -> dict[str, Any]:
    if e.run_id in s.runs:
        raise InvalidEvent(e, f"agent run {e.run_id} already exists")
    run = AgentRun(
        run_id=e.run_id, step_id=e.step_id, phase=e.phase, role=e.role,
        backend=e.backend, model=e.model, started_at=e.at,
    )  # fmt: skip
    return {"runs": {**s.runs, e.run_id: run}}


def _running(s: Incident, e: Any) -> AgentRun:
    run = s.runs.get(e.run_id)
    if run is None:
        raise InvalidEvent(e, f"no agent run {e.run_id}")
    if run.state is not RunState.RUNNING:
        raise InvalidEvent(e, f"agent run {e.run_id} is already {run.state.value}")
    return run


def _with_run(s: Incident, run: AgentRun, **changes: Any) -> dict[str, Any]:
    return {"runs": {**s.runs, run.run_id: evolve(run, changes)}}


@_on("agent.output")
def _output(s: Incident, e: ev.AgentStepOutput) -> dict[str, Any]:
    run = _running(s, e)
    return _with_run(s, run, chunks=run.chunks + 1)


@_on("agent.finished")
def _finished(s: Incident, e: ev.AgentStepFinished) -> dict[str, Any]:
    run = _running(s, e)
    return _with_run(
        s, run, state=RunState.FINISHED, ended_at=e.at, output=e.output, artifact=e.artifact,
        structured=e.structured, input_tokens=e.input_tokens, output_tokens=e.output_tokens, cost_usd=e.cost_usd,
    )  # fmt: skip


@_on("agent.failed")
def _failed(s: Incident, e: ev.AgentStepFailed) -> dict[str, Any]:
    run = _running(s, e)
    state = RunState.INTERRUPTED if e.interrupted else RunState.FAILED
    return _with_run(s, run, state=state, ended_at=e.at, error=e.error, output=e.output)


@_on("agent.cancelled")
def _cancelled(s: Incident, e: ev.AgentStepCancelled) -> dict[str, Any]:
    run = _running(s, e)
    return _with_run(s, run, state=RunState.CANCELLED, ended_at=e.at, error=e.reason, output=e.output)


@_on("decision.taken")
def _decision(s: Incident, e: ev.DecisionTaken) -> dict[str, Any]:
    if any(d.decision_id == e.decision_id for d in s.decisions):
        raise InvalidEvent(e, f"decision {e.decision_id} was already taken")
    if e.options and e.choice not in e.options:
        raise InvalidEvent(e, f"{e.choice!r} is not one of the options {', '.join(e.options)}")
    changes: dict[str, Any] = {}
    if e.gate == MITIGATION_GATE:
        _refuse_changes(s, e)
    elif e.gate == FORENSICS_GATE and s.evidence_preserved_at is None:
        if e.choice == "evidence preserved":
            changes["evidence_preserved_at"] = e.at
        elif e.choice == "preservation waived":
            changes["evidence_required"] = False  # waived on the record by whoever decided
    decision = Decision(
        decision_id=e.decision_id, gate=e.gate, choice=e.choice, options=list(e.options),
        recommended=e.recommended, rationale=e.rationale, auto=e.auto, decided_by=e.actor, decided_at=e.at,
    )  # fmt: skip
    return {**changes, "decisions": [*s.decisions, decision]}


@_on("mitigation.executed")
def _mitigation(s: Incident, e: ev.MitigationExecuted) -> dict[str, Any]:
    _refuse_changes(s, e)
    record = Mitigation(
        strategy=e.strategy, outcome=e.outcome, details=e.details, validation=dict(e.validation), at=e.at, by=e.actor
    )
    changes: dict[str, Any] = {"mitigations": [*s.mitigations, record]}
    if e.outcome == "succeeded" and s.mitigated_at is None:
        changes["mitigated_at"] = e.at
    if s.status.rank < Status.MITIGATING.rank:
        changes["status"] = Status.MITIGATING
        changes.update(_engage(s, e.at))
    return changes


@_on("update.published")
def _update(s: Incident, e: ev.StatusUpdatePublished) -> dict[str, Any]:
    update = StatusUpdate(audience=e.audience, text=e.text, published_at=e.at, published_by=e.actor)
    return {"updates": [*s.updates, update], "last_update_at": e.at}


@_on("sla.breached")
def _breach(s: Incident, e: ev.SlaBreached) -> dict[str, Any]:
    if s.has_breach(e.clock, e.deadline):
        raise InvalidEvent(e, f"the {e.clock} breach at {e.deadline.isoformat()} is already recorded")
    return {"breaches": [*s.breaches, Breach(clock=e.clock, deadline=e.deadline, at=e.at)]}


@_on("note.added")
def _note(s: Incident, e: ev.NoteAdded) -> dict[str, Any]:
    return {"notes": s.notes + 1}


@_on("action.added")
def _action_added(s: Incident, e: ev.ActionItemAdded) -> dict[str, Any]:
    if e.item_id in s.actions:
        raise InvalidEvent(e, f"action item {e.item_id} already exists")
    item = ActionItem(
        item_id=e.item_id, title=e.title, owner=e.owner, due=e.due, horizon=e.horizon,
        status=e.status, source=e.source, action_type=e.action_type, priority=e.priority, finding=e.finding,
        created_at=e.at, updated_at=e.at,
    )  # fmt: skip
    return {"actions": {**s.actions, e.item_id: item}}


@_on("action.updated")
def _action_updated(s: Incident, e: ev.ActionItemUpdated) -> dict[str, Any]:
    item = s.actions.get(e.item_id)
    if item is None:
        raise InvalidEvent(e, f"no action item {e.item_id}")
    fields = {k: getattr(e, k) for k in ("title", "owner", "due", "status") if getattr(e, k) is not None}
    if not fields:
        raise InvalidEvent(e, "the update changes nothing")
    return {"actions": {**s.actions, e.item_id: evolve(item, {**fields, "updated_at": e.at})}}


@_on("evidence.attached")
def _evidence(s: Incident, e: ev.EvidenceAttached) -> dict[str, Any]:
    if any(x.evidence_id == e.evidence_id for x in s.evidence):
        raise InvalidEvent(e, f"evidence {e.evidence_id} is already attached")
    item = Evidence(
        evidence_id=e.evidence_id, kind=e.evidence_kind, path=e.path, name=e.name,
        size=e.size, sha256=e.sha256, attached_at=e.at, attached_by=e.actor,
    )  # fmt: skip
    return {"evidence": [*s.evidence, item]}


@_on("alert.received")
def _alert(s: Incident, e: ev.AlertReceived, alerts: list[Any] | None = None) -> dict[str, Any]:
    if alerts is not None:  # the caller's private copy of s.alerts
        alerts.append(e.alert)
        return {}
    return {"alerts": [*s.alerts, e.alert]}


@_on("review.updated")
def _review(s: Incident, e: ev.ReviewUpdated) -> dict[str, Any]:
    return {"review": {**s.review, e.section: e.text}}


@_on("review.completed")
def _review_done(s: Incident, e: ev.ReviewCompleted) -> dict[str, Any]:
    if s.status.is_open:
        raise InvalidEvent(e, "the review can only be completed after the incident is resolved")
    if s.review_completed_at is not None:
        raise InvalidEvent(e, "the review is already completed")
    return {"review_completed_at": e.at}


@_on("incident.resolved")
def _resolved(s: Incident, e: ev.IncidentResolved) -> dict[str, Any]:
    return {
        "status": Status.RESOLVED, "resolved_at": e.at, "resolution": e.resolution,
        "resolution_validation": dict(e.validation), **_engage(s, e.at),
    }  # fmt: skip


@_on("incident.closed")
def _closed(s: Incident, e: ev.IncidentClosed) -> dict[str, Any]:
    if s.status is not Status.RESOLVED:
        raise InvalidEvent(e, f"only a resolved incident can be closed (it is {s.status.value})")
    return {"status": Status.CLOSED, "closed_at": e.at}


@_on("incident.reopened")
def _reopened(s: Incident, e: ev.IncidentReopened) -> dict[str, Any]:
    if s.status.is_open:
        raise InvalidEvent(e, f"the incident is open ({s.status.value}); only a resolved or closed one can be reopened")
    return {
        "status": Status.INVESTIGATING, "resolved_at": None, "closed_at": None,
        "review_completed_at": None, "reopened": s.reopened + 1,
    }  # fmt: skip


@_on("recurrence.marked")
def _recurrence(s: Incident, e: ev.RecurrenceMarked) -> dict[str, Any]:
    # The mark lives on the timeline (the insights read it from the events); the state keeps no copy.
    if e.related_incident == s.incident_id:
        raise InvalidEvent(e, "an incident cannot be a recurrence of itself")
    if s.status.is_open:
        raise InvalidEvent(e, "only a resolved or closed incident can be marked a recurrence")
    return {}


# -- the branches ------------------------------------------------------------------------------


def _refuse_changes(s: Incident, e: ev.BaseEvent) -> None:
    """Mitigation is refused while a hold is on or evidence is not yet preserved."""
    if s.hold is not None:
        raise InvalidEvent(e, f"hold on (STOP: no further changes until assessment): {s.hold.reason}; "
                              "the incident commander lifts it with a reason")  # fmt: skip
    if s.evidence_required and s.evidence_preserved_at is None:
        raise InvalidEvent(e, "security incident: preserve the evidence (logs, forensics) before any mitigation")


def _mark(s: Incident, mark: str) -> dict[str, Any]:
    return {} if mark in s.branch_marks else {"branch_marks": [*s.branch_marks, mark]}


@_on("branch.raised")
def _branch(s: Incident, e: ev.BranchRaised) -> dict[str, Any]:
    if e.branch in s.branch_marks:
        raise InvalidEvent(e, f"the {e.branch} branch is already raised")
    return _mark(s, e.branch)


@_on("person.unavailable")
def _unavailable(s: Incident, e: ev.PersonUnavailable) -> dict[str, Any]:
    if e.person in s.unavailable:
        raise InvalidEvent(e, f"{e.person} is already marked unavailable")
    return {"unavailable": {**s.unavailable, e.person: e.reason}}


@_on("cadence.changed")
def _cadence(s: Incident, e: ev.CadenceChanged) -> dict[str, Any]:
    return {"update_cadence": timedelta(minutes=e.every_minutes)}


@_on("options.offered")
def _offered(s: Incident, e: ev.OptionsOffered) -> dict[str, Any]:
    if any(o.decision_id == e.decision_id for o in s.offers) or any(d.decision_id == e.decision_id for d in s.decisions):
        raise InvalidEvent(e, f"decision {e.decision_id} was already offered")
    if e.recommended and e.recommended not in e.options:
        raise InvalidEvent(e, f"the recommendation {e.recommended!r} is not one of the options")
    offer = Offer(decision_id=e.decision_id, gate=e.gate, options=list(e.options), recommended=e.recommended,
                  reason=e.reason, offered_at=e.at)  # fmt: skip
    return {"offers": [*s.offers, offer]}


@_on("notification.drafted")
def _drafted(s: Incident, e: ev.NotificationDrafted) -> dict[str, Any]:
    # The draft itself lives on the timeline (the communications export reads it from the events).
    if e.key and e.key in s.branch_marks:
        raise InvalidEvent(e, f"the {e.key} notification is already drafted")
    return _mark(s, e.key) if e.key else {}


@_on("major_incident.declared")
def _major(s: Incident, e: ev.MajorIncidentDeclared) -> dict[str, Any]:
    if s.major_incident_at is not None:
        raise InvalidEvent(e, "the major incident is already declared on this incident")
    return {"major_incident_at": e.at, "major_coordinator": e.coordinator}


@_on("freeze.declared")
def _freeze(s: Incident, e: ev.FreezeDeclared) -> dict[str, Any]:
    if e.freeze_id in s.freezes_seen:
        raise InvalidEvent(e, f"change freeze {e.freeze_id} is already recorded")
    freeze = Freeze(freeze_id=e.freeze_id, reason=e.reason, declared_at=e.at, declared_by=e.actor)
    return {"freezes": {**s.freezes, e.freeze_id: freeze}, "freezes_seen": [*s.freezes_seen, e.freeze_id]}


@_on("freeze.lifted")
def _unfreeze(s: Incident, e: ev.FreezeLifted) -> dict[str, Any]:
    if e.freeze_id not in s.freezes:
        raise InvalidEvent(e, f"no change freeze {e.freeze_id} in force")
    return {"freezes": {k: v for k, v in s.freezes.items() if k != e.freeze_id}}


@_on("hold.placed")
def _hold(s: Incident, e: ev.HoldPlaced) -> dict[str, Any]:
    if s.hold is not None:
        raise InvalidEvent(e, "a hold is already on")
    return {"hold": Hold(reason=e.reason, placed_at=e.at, placed_by=e.actor)}


@_on("hold.lifted")
def _unhold(s: Incident, e: ev.HoldLifted) -> dict[str, Any]:
    if s.hold is None:
        raise InvalidEvent(e, "there is no hold to lift")
    commander = s.roles.get(Role.INCIDENT_COMMANDER)
    if not commander:
        raise InvalidEvent(e, "only the incident commander lifts the hold: assign one first")
    if e.actor != commander:
        raise InvalidEvent(e, f"only the incident commander ({commander}) lifts the hold, not {e.actor}")
    return {"hold": None}


@_on("security.declared")
def _security(s: Incident, e: ev.SecurityDeclared) -> dict[str, Any]:
    if s.evidence_required:
        raise InvalidEvent(e, "the security branch is already open")
    return {"security": True, "evidence_required": True, "regulatory_started_at": s.regulatory_started_at or e.at}


@_on("evidence.preserved")
def _preserved(s: Incident, e: ev.EvidencePreserved) -> dict[str, Any]:
    if s.evidence_preserved_at is not None:
        raise InvalidEvent(e, "the evidence is already preserved")
    return {"evidence_preserved_at": e.at}


@_on("regulator.notified")
def _regulator(s: Incident, e: ev.RegulatorNotified) -> dict[str, Any]:
    if e.regime in s.regulators_notified:
        raise InvalidEvent(e, f"the {e.regime} authority was already notified")
    return {"regulators_notified": {**s.regulators_notified, e.regime: e.at}}


from warroom.data import fold_outbox  # noqa: E402,F401  (registers the outbox's handlers)
