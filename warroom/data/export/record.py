"""The incident record the templates read: the fold's state plus what only the events hold.

:func:`build_record` folds the events once (``warroom.data.fold.replay``) and
collects, in event order: the timeline rows, the phases, each agent document by
the artifact it wrote, the structured outputs (5 Whys, mitigation
recommendation, severity proposal, action items), the published updates by
audience, notes, escalations and notifications. Nothing here reads the clock:
the record is a pure function of the events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from warroom.data import events as ev
from warroom.data.answers import ActionItems, FiveWhys, MitigationRecommendation, ProposedAction, SeverityProposal
from warroom.data.describe import describe_event
from warroom.data.export.overdue import overdue_escalations
from warroom.data.fold import replay
from warroom.data.models import Audience, Incident
from warroom.data.policy import DEFAULT_POLICY, Policy, ResponseMetric, response_metrics

SAFE_ARTIFACT = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,80}/){0,3}[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.md$")


#: Where a step's document is exported when the playbook files it elsewhere: the sre documents
#: are top-level files of the set (security, performance, customer impact, hardening).
ARTIFACT_ALIASES = {
    "diagnostics/security-assessment.md": "security-assessment.md",
    "diagnostics/performance-analysis.md": "performance-analysis.md",
    "communications/customer-impact.md": "customer-impact.md",
}
STEP_ARTIFACTS = {"system_hardening": "system-hardening.md"}


def export_path(step_id: str, artifact: str) -> str:
    """The export path of a step's document (its artifact, unless aliased)."""
    artifact = artifact.strip().removeprefix("./")
    return STEP_ARTIFACTS.get(step_id) or ARTIFACT_ALIASES.get(artifact, artifact)


class ExportInputError(ValueError):
    """The events cannot be exported (empty, or not one valid incident)."""


@dataclass(frozen=True)
class AgentDoc:
    """The finished output of one playbook step."""

    run_id: str
    step_id: str
    role: str
    backend: str
    model: str
    artifact: str
    started_at: datetime
    finished_at: datetime
    text: str
    structured: dict[str, Any] | None
    seq: int

    @property
    def title(self) -> str:
        return self.step_id.replace("_", " ").replace("-", " ").strip().capitalize() or self.run_id


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    event: str
    actor: str
    notes: str
    kind: str


@dataclass(frozen=True)
class PhaseSpan:
    phase: str
    title: str
    start: datetime
    end: datetime
    current: bool


@dataclass
class Record:
    """Everything the templates render, built from the events alone."""

    incident: Incident
    events: list[ev.BaseEvent]
    policy: Policy
    timeline: list[TimelineRow] = field(default_factory=list)
    phases: list[PhaseSpan] = field(default_factory=list)
    docs: dict[str, list[AgentDoc]] = field(default_factory=dict)
    failed_runs: list[tuple[str, str, datetime, str]] = field(default_factory=list)
    notes: list[ev.NoteAdded] = field(default_factory=list)
    severity_changes: list[ev.SeveritySet] = field(default_factory=list)
    role_changes: list[ev.RoleAssigned] = field(default_factory=list)
    tier_escalations: list[ev.TierEscalated] = field(default_factory=list)
    management: ev.ManagementNotified | None = None
    executive: ev.ExecutiveNotified | None = None
    updates: dict[Audience, list[ev.StatusUpdatePublished]] = field(default_factory=dict)
    breaches: list[ev.SlaBreached] = field(default_factory=list)
    first_acknowledged: ev.Acknowledged | None = None
    resolved: ev.IncidentResolved | None = None
    closed: ev.IncidentClosed | None = None
    reopens: list[ev.IncidentReopened] = field(default_factory=list)
    five_whys: FiveWhys | None = None
    five_whys_doc: AgentDoc | None = None
    recommendation: MitigationRecommendation | None = None
    severity_proposal: SeverityProposal | None = None
    proposed_actions: list[ProposedAction] = field(default_factory=list)
    metrics: list[ResponseMetric] = field(default_factory=list)
    #: Escalation kind -> when it fell due, for each that was still pending (past its grace) at a later timeline row.
    overdue: dict[str, datetime] = field(default_factory=dict)

    @property
    def review(self) -> dict[str, str]:
        """The human's review sections that have text."""
        return {k: v for k, v in self.incident.review.items() if v.strip()}

    def docs_for(self, *artifacts: str) -> list[AgentDoc]:
        """The agent documents written to any of ``artifacts``, in the order they finished."""
        found = [doc for artifact in artifacts for doc in self.docs.get(artifact, [])]
        return sorted(found, key=lambda d: d.seq)

    def updates_for(self, audience: Audience) -> list[ev.StatusUpdatePublished]:
        return self.updates.get(audience, [])

    @property
    def tiers_engaged(self) -> list[int]:
        tiers = {e.tier for e in self.tier_escalations}
        if self.incident.playbook != "sre" or tiers or any(a.startswith("diagnostics/tier") for a in self.docs):
            tiers.add(1)  # the sre playbook has no tiers unless the run escalated through them
        for tier in (2, 3):
            if any(a.startswith(f"diagnostics/tier{tier}") for a in self.docs):
                tiers.add(tier)
        return sorted(tiers)


def _timeline_notes(event: ev.BaseEvent) -> str:
    """Detail for the timeline's notes column (the describe line carries the headline)."""
    if isinstance(event, ev.NoteAdded):
        return event.text
    if isinstance(event, ev.DecisionTaken):
        options = ", ".join(event.options)
        parts = [f"options: {options}" if options else "", f"recommended: {event.recommended}" if event.recommended else ""]
        return "; ".join(p for p in parts if p)
    if isinstance(event, ev.AgentStepFinished):
        return event.output.strip().split("\n", 1)[0][:200] if event.output.strip() else ""
    if isinstance(event, (ev.ManagementNotified, ev.ExecutiveNotified)):
        return event.message.strip().split("\n", 1)[0][:200]
    if isinstance(event, ev.MitigationExecuted):
        return ", ".join(f"{k}: {v}" for k, v in sorted(event.validation.items()))
    if isinstance(event, ev.IncidentResolved):
        return ", ".join(f"{k}: {v}" for k, v in sorted(event.validation.items()))
    if isinstance(event, ev.AlertReceived):
        return event.alert.service or ""
    return ""


def _structured(doc: AgentDoc, model: type[BaseModel], keys: tuple[str, ...]) -> Any:
    data = doc.structured
    if not isinstance(data, dict) or not all(k in data for k in keys):
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def build_record(events: list[ev.BaseEvent], policy: Policy = DEFAULT_POLICY, state: Incident | None = None) -> Record:
    """Fold ``events`` and gather what the documents need (raises :class:`ExportInputError`).

    The streamed chunks (``agent.output``) are not needed by any document (each finished run's
    event holds its whole output): ``events`` may leave them out when ``state``, the fold of
    every event (the store's ``load``), is given. The record is the same either way.
    """
    if not events:
        raise ExportInputError("there are no events to export")
    ordered = sorted(events, key=lambda e: (e.seq, e.at)) if any(e.seq for e in events) else list(events)
    if state is None:
        state = replay(ordered)
    ordered = [e for e in ordered if e.kind != "agent.output"]
    if state is None:  # pragma: no cover - replay of a non-empty list never returns None
        raise ExportInputError("the events do not declare an incident")
    rec = Record(incident=state, events=ordered, policy=policy, overdue=overdue_escalations(ordered, policy))
    started: dict[str, ev.AgentStepStarted] = {}
    latest_by_step: dict[str, AgentDoc] = {}
    phase_marks: list[ev.PhaseChanged] = []
    for event in ordered:
        kind = event.kind
        rec.timeline.append(TimelineRow(event.at, describe_event(event), event.actor, _timeline_notes(event), kind))
        if isinstance(event, ev.AgentStepStarted):
            started[event.run_id] = event
        elif isinstance(event, ev.AgentStepFinished):
            start = started[event.run_id]
            doc = AgentDoc(
                run_id=event.run_id, step_id=start.step_id, role=start.role, backend=start.backend,
                model=start.model, artifact=export_path(start.step_id, event.artifact), started_at=start.at,
                finished_at=event.at, text=event.output, structured=event.structured, seq=len(rec.timeline),
            )  # fmt: skip
            latest_by_step[start.step_id] = doc
        elif isinstance(event, (ev.AgentStepFailed, ev.AgentStepCancelled)):
            start = started[event.run_id]
            reason = event.error if isinstance(event, ev.AgentStepFailed) else (event.reason or "cancelled")
            rec.failed_runs.append((start.step_id, start.role, event.at, reason))
        elif isinstance(event, ev.PhaseChanged):
            phase_marks.append(event)
        elif isinstance(event, ev.NoteAdded):
            rec.notes.append(event)
        elif isinstance(event, ev.SeveritySet):
            rec.severity_changes.append(event)
        elif isinstance(event, ev.RoleAssigned):
            rec.role_changes.append(event)
        elif isinstance(event, ev.TierEscalated):
            rec.tier_escalations.append(event)
        elif isinstance(event, ev.ManagementNotified):
            rec.management = event
        elif isinstance(event, ev.ExecutiveNotified):
            rec.executive = event
        elif isinstance(event, ev.StatusUpdatePublished):
            rec.updates.setdefault(event.audience, []).append(event)
        elif isinstance(event, ev.SlaBreached):
            rec.breaches.append(event)
        elif isinstance(event, ev.Acknowledged) and rec.first_acknowledged is None:
            rec.first_acknowledged = event
        elif isinstance(event, ev.IncidentResolved):
            rec.resolved = event
        elif isinstance(event, ev.IncidentClosed):
            rec.closed = event
        elif isinstance(event, ev.IncidentReopened):
            rec.reopens.append(event)
    if state.resolved_at is None:
        rec.resolved = None
    if state.closed_at is None:
        rec.closed = None
    for doc in sorted(latest_by_step.values(), key=lambda d: d.seq):
        if doc.artifact and SAFE_ARTIFACT.match(doc.artifact) and ".." not in doc.artifact:
            rec.docs.setdefault(doc.artifact, []).append(doc)
        else:
            rec.docs.setdefault("", []).append(doc)
        if (five := _structured(doc, FiveWhys, ("problem", "whys"))) is not None:
            rec.five_whys, rec.five_whys_doc = five, doc
        elif (reco := _structured(doc, MitigationRecommendation, ("recommended", "rationale"))) is not None:
            rec.recommendation = reco
        elif (proposal := _structured(doc, SeverityProposal, ("severity", "impact", "urgency"))) is not None:
            rec.severity_proposal = proposal
        elif (actions := _structured(doc, ActionItems, ("actions",))) is not None:
            rec.proposed_actions = list(actions.actions)
    end_of_record = state.closed_at or state.resolved_at or ordered[-1].at
    for index, mark in enumerate(phase_marks):
        last = index == len(phase_marks) - 1
        end = end_of_record if last else phase_marks[index + 1].at
        rec.phases.append(PhaseSpan(mark.phase, mark.title or mark.phase, mark.at, max(end, mark.at), last and state.is_open))
    rec.metrics = response_metrics(state, policy)
    return rec


__all__ = ["AgentDoc", "ExportInputError", "PhaseSpan", "Record", "TimelineRow", "build_record", "export_path"]
