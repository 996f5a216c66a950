"""Human gates: the decision a step waits for, its recommendation, and what the decision does.

A gate is identified by ``<playbook>:<step id>`` (the ``decision_id`` of the
``DecisionTaken`` that answers it). What a decision *does* (its effect: set the
severity, enter a tier, move to MITIGATING, publish a communication, resolve)
is appended in the same transaction as the decision, so a crash never leaves a
decision without its consequence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from jinja2 import TemplateError
from pydantic import BaseModel, ValidationError

from warroom.agents.playbook import Playbook, Step
from warroom.agents.prompting import environment, finished_run, gate_context
from warroom.agents.templating import render_bounded
from warroom.data import events as ev
from warroom.data.answers import ActionItems, MitigationRecommendation, SeverityProposal
from warroom.data.models import Audience, Horizon, Incident, MitigationStrategy, Role, Severity, Status
from warroom.data.policy import Policy

__all__ = ["Gate", "build_gate", "decision_of", "drafted_text", "finish_effects", "gate_effects", "gate_id", "gate_label",
           "satisfied"]

HORIZON_DAYS = {Horizon.IMMEDIATE: 7, Horizon.SHORT_TERM: 30, Horizon.LONG_TERM: 90}


class Gate(BaseModel):
    """A pending human decision, as the screen and the terminal prompt show it."""

    gate_id: str  # == the decision_id of the DecisionTaken that answers it
    step_id: str
    kind: Literal["choose", "approve"]
    question: str
    options: list[str]
    recommended: str
    recommendation_reason: str


def gate_id(playbook: Playbook, step: Step) -> str:
    return f"{playbook.name}:{step.id}"


def gate_label(step: Step) -> str:
    """The short name of the gate on the timeline ("Decision at <label>: …")."""
    gate = step.gate
    assert gate is not None
    if gate.label:
        return gate.label
    return {
        "severity": "severity", "tier": f"tier {gate.tier} escalation", "mitigation": "mitigation strategy",
        "publish": f"publish {gate.audience.value.replace('_', ' ') if gate.audience else ''}".strip(),
        "resolve": "resolution",
    }.get(gate.effect, step.id)  # fmt: skip


def decision_of(incident: Incident, decision_id: str) -> Any:
    return next((d for d in incident.decisions if d.decision_id == decision_id), None)


def _render(text: str, context: dict[str, Any], playbook: Playbook, fallback: str) -> str:
    try:
        return render_bounded(environment(playbook).from_string(text), context).strip() or fallback
    except TemplateError:
        return fallback


def build_gate(playbook: Playbook, step: Step, incident: Incident, policy: Policy, now: datetime, guidance: set[str]) -> Gate:
    """The gate of ``step`` as it stands now (its recommendation from the step's answer, if any)."""
    spec = step.gate
    assert spec is not None
    options = spec.option_list()
    run = finished_run(incident, step.id)
    structured = (run.structured or {}) if run else {}
    context = {**gate_context(incident, policy, now, guidance), "proposal": structured, "structured": structured}
    recommended = spec.recommended_by_severity.get(incident.severity) or spec.recommended or options[0]
    reason = _render(spec.reason, context, playbook, "")
    if spec.effect == "mitigation" and structured:
        try:
            answer = MitigationRecommendation.model_validate(structured)
        except ValidationError:
            answer = None
        if answer is not None and answer.recommended.value in options:
            recommended, reason = answer.recommended.value, answer.rationale or reason
    if spec.effect == "resolve":
        passed = structured.get("passed")
        recommended = options[0] if passed is True else options[1]
        reason = {True: "validation passed: metrics back at baseline",
                  False: "validation did not pass: keep the incident open"}.get(
            passed, "validation could not verify the mitigation from the evidence: keep the incident open")  # fmt: skip
    question = _render(spec.question, context, playbook, step.title + "?")
    return Gate(gate_id=gate_id(playbook, step), step_id=step.id, kind=spec.kind, question=question,
                options=options, recommended=recommended, recommendation_reason=reason)  # fmt: skip


def drafted_text(incident: Incident, step: Step) -> str:
    """What ``step`` drafted (its finished output), "" when it has not finished."""
    run = finished_run(incident, step.id)
    return run.output.strip() if run else ""


def _hhmm(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def satisfied(step: Step, incident: Incident) -> tuple[str, str] | None:
    """``(choice, how)`` when what ``step``'s gate asks for was already done some other way (a key, a
    command, another gate); None when the gate is still to be decided. A gate never asks for that twice."""
    spec = step.gate
    assert spec is not None
    run = next((r for r in reversed(list(incident.runs.values())) if r.step_id == step.id), None)
    since = run.started_at if run else incident.declared_at  # strictly after: not what led to this gate
    drafted = (run.ended_at or run.started_at) if run else incident.declared_at
    approve = spec.option_list()[0]
    if spec.effect == "severity" and incident.severity_set_at is not None and incident.severity_set_at > since:
        proposal = (run.structured or {}).get("severity") if run else None
        choice = approve if proposal == incident.severity.value else spec.option_list()[-1]
        return choice, (f"already decided: severity set to {incident.severity.value} by {incident.severity_set_by} "
                        f"at {_hhmm(incident.severity_set_at)}")  # fmt: skip
    if spec.effect == "tier" and spec.tier and incident.tier >= spec.tier:
        return approve, f"already done: Tier {incident.tier} engaged" + (f" at {_hhmm(incident.tier_changed_at)}" if incident.tier_changed_at else "")
    if spec.effect == "publish":
        audience = spec.audience or Audience.INTERNAL
        # A timer's or guidance's notification carries no message: the drafted text is still to be sent.
        if audience is Audience.MANAGEMENT and incident.management_told and incident.management_notified_at:
            return approve, f"already done: management notified at {_hhmm(incident.management_notified_at)}"
        if audience is Audience.EXECUTIVE and incident.executive_told and incident.executive_notified_at:
            return approve, f"already done: the executive notified at {_hhmm(incident.executive_notified_at)}"
        done = [u for u in incident.updates if u.audience is audience and u.published_at > drafted]
        if done:
            return approve, f"already done: published by {done[-1].published_by or 'someone'} at {_hhmm(done[-1].published_at)}"
    if spec.effect == "mitigation":
        chosen = [d for d in incident.decisions if d.gate == "mitigation" and d.choice in spec.option_list()]
        if chosen:
            d = chosen[-1]
            return d.choice, f"already decided: {d.choice} chosen by {d.decided_by} at {_hhmm(d.decided_at)}" + (
                f"; {d.rationale}" if d.rationale else "")
    if spec.effect == "resolve" and incident.resolved_at is not None:
        return approve, f"already done: resolved at {_hhmm(incident.resolved_at)}" + (
            f": {incident.resolution}" if incident.resolution else "")
    return None


def gate_effects(
    playbook: Playbook, step: Step, gate: Gate, choice: str, incident: Incident, *, rationale: str, auto: bool,
    actor: str, operator: str, at: datetime,
) -> list[ev.BaseEvent]:  # fmt: skip
    """The events a decision brings with it (appended with the decision, atomically)."""
    spec = step.gate
    assert spec is not None
    approved = choice == spec.option_list()[0]
    base = {"incident_id": incident.incident_id, "at": at, "actor": actor}
    run = finished_run(incident, step.id)
    out: list[ev.BaseEvent] = []
    why = rationale or gate.recommendation_reason
    if spec.effect == "severity" and approved and run and run.structured and incident.is_open:
        proposal = SeverityProposal.model_validate(run.structured)
        reasons = "; ".join([*proposal.impact_reasons[:2], *proposal.urgency_reasons[:2]])
        text = f"impact {proposal.impact.value}, urgency {proposal.urgency.value}" + (f": {reasons}" if reasons else "")
        out.append(ev.SeveritySet(**base, severity=proposal.severity, impact=proposal.impact, urgency=proposal.urgency,
                                  reason=("auto-decided: " if auto else "") + text))  # fmt: skip
        if auto and operator and proposal.severity in (Severity.P0, Severity.P1):
            for role in (Role.INCIDENT_COMMANDER, Role.TECHNICAL_LEAD):
                if role not in incident.roles:
                    out.append(ev.RoleAssigned(**base, role=role, person=operator))
    elif spec.effect == "tier" and approved and spec.tier and incident.tier < spec.tier and incident.is_open:
        out.append(ev.TierEscalated(**base, tier=spec.tier, reason=why))
    elif spec.effect == "mitigation" and incident.is_open and incident.status.rank < Status.MITIGATING.rank:
        title = MitigationStrategy(choice).title
        out.append(ev.StatusChanged(**base, status=Status.MITIGATING, reason=f"mitigation chosen: {title}"))
    elif spec.effect == "publish" and approved and run and run.output.strip():
        out.extend(_publish(spec.audience or Audience.INTERNAL, run.output[: ev.MAX_TEXT], incident, base, why))
    elif spec.effect == "resolve" and approved and incident.is_open:
        validation = flatten((run.structured or {}) if run else {})
        strategy = _chosen_strategy(playbook, incident)
        summary = f"{strategy.title} validated" if strategy else "mitigation validated"
        out.append(ev.IncidentResolved(**base, resolution=f"{summary}: {why}", validation=validation))
    return out


def flatten(data: dict[str, Any], prefix: str = "", limit: int = 24) -> dict[str, str]:
    """A validation answer as flat text fields (``checks.error_rate.latest`` → "0.23"), bounded."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if key == "passed" and not prefix:
            continue
        name = f"{prefix}{key}"[:200]
        if isinstance(value, dict):
            out.update(flatten(value, name + ".", limit - len(out)))
        else:
            out[name] = str(value)[:500]
        if len(out) >= limit:
            break
    return dict(list(out.items())[:limit])


def _publish(audience: Audience, text: str, incident: Incident, base: dict[str, Any], why: str) -> list[ev.BaseEvent]:
    if audience is Audience.MANAGEMENT and incident.management_notified_at is None and incident.is_open:
        return [ev.ManagementNotified(**base, reason=why, message=text)]
    if audience is Audience.EXECUTIVE and incident.executive_notified_at is None and incident.status is not Status.CLOSED:
        return [ev.ExecutiveNotified(**base, reason=why, message=text)]
    return [ev.StatusUpdatePublished(**base, audience=audience, text=text)]


def _chosen_strategy(playbook: Playbook, incident: Incident) -> MitigationStrategy | None:
    for step in playbook.steps:
        if step.gate is not None and step.gate.effect == "mitigation":
            decision = decision_of(incident, gate_id(playbook, step))
            if decision is not None:
                return MitigationStrategy(decision.choice)
    return None


def finish_effects(
    playbook: Playbook, step: Step, incident: Incident, output: str, structured: dict[str, Any] | None,
    *, actor: str, at: datetime,
) -> list[ev.BaseEvent]:  # fmt: skip
    """Events a finished step brings with it (appended with its ``agent.finished``)."""
    base = {"incident_id": incident.incident_id, "at": at, "actor": actor}
    if step.effect == "mitigation_executed":
        strategy = _chosen_strategy(playbook, incident)
        if strategy is None or not incident.is_open:
            return []
        data = structured or {}
        if data.get("passed") not in (True, False):
            return [ev.NoteAdded(**base, text=f"{step.title}: the {strategy.title.lower()} could not be verified from the "
                                 "evidence; record its outcome when it is known")]  # fmt: skip
        details = next((line.strip("# ").strip() for line in output.splitlines() if line.strip()), "")[:500]
        return [ev.MitigationExecuted(**base, strategy=strategy, outcome="succeeded" if data["passed"] else "failed",
                                      details=details, validation=flatten(data))]  # fmt: skip
    if step.effect == "action_items" and structured:
        items = ActionItems.model_validate(structured).actions
        taken = set(incident.actions)
        out: list[ev.BaseEvent] = []
        number = len(taken)
        for item in items:
            if not item.title.strip():
                continue
            number += 1
            while f"A-{number}" in taken:
                number += 1
            due = item.due or at + timedelta(days=HORIZON_DAYS[item.horizon])
            out.append(ev.ActionItemAdded(**base, item_id=f"A-{number}", title=item.title[:2000], owner=item.owner[:2000],
                                          due=due, horizon=item.horizon, source=step.id, action_type=item.action_type,
                                          priority=item.priority, finding=item.reason[:2000]))  # fmt: skip
        return out
    return []
