"""The plan: where a playbook stands, derived from the incident's events alone.

:func:`walk` goes through the (guidance-shaped) playbook stage by stage — a stage
is one step or one parallel group — and stops at the first stage that is not
finished: its steps are what runs next, or the gates that wait for a human. The
orchestrator, the headless runner and the war-room screen all read the same walk,
so two processes looking at one database agree on what is pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from pydantic import BaseModel

from warroom.agents.backend import Task
from warroom.agents.gates import Gate, build_gate, decision_of, gate_id
from warroom.agents.playbook import Condition, Phase, Playbook, Step
from warroom.data.models import AgentRun, Incident, RunState, Status
from warroom.data.policy import Policy

__all__ = ["StepState", "StepView", "Walk", "condition_holds", "stages", "walk"]


class StepState(str, Enum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    NEEDS_DECISION = "needs_decision"
    INTERRUPTED = "interrupted"


class StepView(BaseModel):
    """One step as the phase tracker shows it."""

    step_id: str
    phase: str
    phase_title: str
    title: str
    role: str
    task: Task
    state: StepState
    run_id: str | None = None
    gate: Gate | None = None


@dataclass
class Walk:
    views: list[StepView] = field(default_factory=list)
    to_run: list[Step] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # required steps that failed
    phase: Phase | None = None  # the phase of the stage in front
    done: bool = False


_RUN_STATE = {
    RunState.RUNNING: StepState.RUNNING, RunState.FINISHED: StepState.DONE, RunState.FAILED: StepState.FAILED,
    RunState.INTERRUPTED: StepState.INTERRUPTED, RunState.CANCELLED: StepState.INTERRUPTED,
}  # fmt: skip


def stages(playbook: Playbook) -> list[list[Step]]:
    """Steps grouped into what runs together: a parallel group, or one step."""
    out: list[list[Step]] = []
    for step in playbook.steps:
        if out and step.parallel and out[-1][-1].parallel == step.parallel:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def condition_holds(condition: Condition, incident: Incident, guidance: set[str]) -> bool:
    if condition.is_empty:
        return True
    checks: list[bool] = []
    if condition.severity:
        checks.append(incident.severity in condition.severity)
    if condition.incident_type:
        checks.append(incident.incident_type.lower() in {t.lower() for t in condition.incident_type})
    if condition.guidance:
        checks.append(bool(set(condition.guidance) & guidance))
    if condition.security is not None:
        checks.append(incident.security == condition.security)
    if condition.tier_at_least is not None:
        checks.append(incident.tier >= condition.tier_at_least)
    if condition.resolved is not None:
        checks.append((incident.status in (Status.RESOLVED, Status.CLOSED)) == condition.resolved)
    return all(checks) if condition.mode == "all" else any(checks)


def _last_run(incident: Incident, step_id: str) -> AgentRun | None:
    found = None
    for run in incident.runs.values():
        if run.step_id == step_id:
            found = run
    return found


def walk(playbook: Playbook, incident: Incident, policy: Policy, now: datetime, guidance: set[str]) -> Walk:
    """Where ``playbook`` stands for ``incident`` (pure: events in, plan out)."""
    result = Walk()
    current = playbook.phase_index(incident.phase)
    front: list[Step] | None = None
    for stage in stages(playbook):
        open_stage = False
        for step in stage:
            view, pending = _classify(playbook, step, incident, policy, now, guidance, current, front is not None, result)
            result.views.append(view)
            open_stage |= pending
        if front is None and open_stage:
            front = stage
            result.phase = playbook.phase(stage[0].phase)
    result.done = front is None
    return result


def _classify(
    playbook: Playbook, step: Step, incident: Incident, policy: Policy, now: datetime, guidance: set[str],
    current: int, behind: bool, result: Walk,
) -> tuple[StepView, bool]:  # fmt: skip
    """The step's view and whether it keeps its stage open; fills ``result`` for the front stage."""
    phase = playbook.phase(step.phase)
    run = _last_run(incident, step.id)
    view = StepView(step_id=step.id, phase=phase.id, phase_title=phase.title, title=step.title, role=step.role,
                    task=step.task, state=StepState.WAITING, run_id=run.run_id if run else None)  # fmt: skip
    if behind:  # after the stage in front: only what already ran is shown as such
        if run is not None:
            view.state = _RUN_STATE[run.state]
        return view, False
    decision = decision_of(incident, gate_id(playbook, step)) if step.gate else None
    gate = step.gate
    if run is None:
        if playbook.phase_index(step.phase) < current or not condition_holds(step.condition, incident, guidance):
            view.state = StepState.SKIPPED
            return view, False
        if gate is not None and gate.position == "before":
            if gate.effect == "tier" and gate.tier and incident.tier >= gate.tier:
                pass  # the tier was entered (its timer ran out, or by hand): no decision needed
            elif decision is not None:
                if gate.kind == "approve" and decision.choice == gate.option_list()[1]:
                    view.state = StepState.SKIPPED
                    return view, False
            else:
                view.state = StepState.NEEDS_DECISION
                view.gate = build_gate(playbook, step, incident, policy, now, guidance)
                result.gates.append(view.gate)
                return view, True
        result.to_run.append(step)
        return view, True
    view.state = _RUN_STATE[run.state]
    if run.state is RunState.RUNNING:
        result.running.append(step.id)
        return view, True
    if run.state in (RunState.INTERRUPTED, RunState.CANCELLED):
        result.to_run.append(step)
        return view, True
    after = gate is not None and gate.position == "after" and decision is None
    if after and run.state is RunState.FAILED:
        after = gate.effect in ("mitigation", "none")  # a choice still has to be made without the answer
    if after and gate.effect == "severity" and not run.structured:
        after = False  # nothing to approve
    if after:
        view.state = StepState.NEEDS_DECISION
        view.gate = build_gate(playbook, step, incident, policy, now, guidance)
        result.gates.append(view.gate)
        return view, True
    if run.state is RunState.FAILED and step.required:
        result.blocked.append(step.id)
        return view, True
    return view, False
