"""Turning a playbook step into a :class:`StepRequest`: the rendered prompt, the shared context, the inputs.

Templates render in jinja2's sandbox (a user's playbook may bring its own) with
``StrictUndefined``: a template naming something that does not exist fails the
step with a clear error instead of sending a half-empty prompt.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from warroom.agents.backend import StepRequest
from warroom.agents.playbook import Playbook, Step
from warroom.agents.templating import render_bounded
from warroom.data.drafts import update_cadence
from warroom.data.models import AgentRun, Incident, Role, RunState
from warroom.data.policy import Policy, format_duration

__all__ = ["PromptError", "finished_run", "gate_context", "render_request", "template_context"]


class PromptError(ValueError):
    """A step's template could not be rendered."""


@lru_cache(maxsize=16)
def _environment(template_dirs: tuple[str, ...]) -> SandboxedEnvironment:
    return Playbook.model_construct(template_dirs=list(template_dirs)).environment()


def environment(playbook: Playbook) -> SandboxedEnvironment:
    return _environment(tuple(playbook.template_dirs))


def _fmt(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "n/a"


def finished_run(incident: Incident, step_id: str) -> AgentRun | None:
    """The latest finished run of ``step_id``, if any."""
    found = None
    for run in incident.runs.values():
        if run.step_id == step_id and run.state is RunState.FINISHED:
            found = run
    return found


def gate_context(incident: Incident, policy: Policy, now: datetime, guidance: set[str]) -> dict[str, Any]:
    """What gate questions, reasons and prompts may name."""
    row = policy.for_severity(incident.severity)
    next_update = (now + row.update_every).strftime("%H:%M UTC") if row.update_every else "as agreed"
    return {
        "incident": incident, "roles": Role, "now": now, "guidance": sorted(guidance),
        "sla": {"acknowledge": _fmt(row.acknowledge) if not row.acknowledge_business_days else f"{row.acknowledge_business_days} business day(s)",
                "engage": _fmt(row.engage), "resolve": _fmt(row.resolve)},
        "tier2_after": _fmt(row.tier2_after), "tier3_after": _fmt(row.tier3_after),
        "update_every": _fmt(row.update_every), "review_due": _fmt(row.review_due),
        "next_update": next_update, "elapsed": format_duration(now - incident.detected_at),
    }  # fmt: skip


def template_context(
    playbook: Playbook, step: Step, incident: Incident, policy: Policy, now: datetime,
    guidance: set[str], mitigation: str,
) -> dict[str, Any]:  # fmt: skip
    context = gate_context(incident, policy, now, guidance)
    reading = []
    for step_id in step.reads:
        run = finished_run(incident, step_id)
        if run is not None:
            reading.append({"step": step_id, "artifact": run.artifact})
    context.update(
        playbook=playbook, step=step, role=step.role, role_description=playbook.roles.get(step.role, ""),
        reading=reading, mitigation=mitigation,
    )  # fmt: skip
    return context


def render_request(
    playbook: Playbook, step: Step, incident: Incident, *, run_id: str, policy: Policy, now: datetime,
    guidance: set[str], mitigation: str = "", evidence_root: Path | None = None,
) -> StepRequest:  # fmt: skip
    """The request for one run of ``step``; raises :class:`PromptError` if a template fails."""
    env = environment(playbook)
    context = template_context(playbook, step, incident, policy, now, guidance, mitigation)
    rendered = []
    for name in (step.prompt, "_system.j2"):
        try:
            rendered.append(render_bounded(env.get_template(name), context))
        except TemplateError as exc:
            raise PromptError(f"step {step.id}: the template {name} failed: {exc}") from exc
    prompt, system = rendered
    inputs: dict[str, str] = {}
    structured: dict[str, dict[str, Any]] = {}
    for step_id in step.reads:
        run = finished_run(incident, step_id)
        if run is not None:
            inputs[step_id] = run.output
            if run.structured is not None:
                structured[step_id] = run.structured
    return StepRequest(
        run_id=run_id, step_id=step.id, task=step.task, role=step.role, title=step.title, prompt=prompt,
        system=system, incident=incident, inputs=inputs, structured_inputs=structured,
        evidence=list(incident.evidence), evidence_root=str(evidence_root or ""), output_schema=step.output_schema,
        update_every=update_cadence(incident, policy),
    )  # fmt: skip
