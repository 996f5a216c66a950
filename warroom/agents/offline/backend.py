"""The offline investigator: a deterministic :class:`~warroom.agents.backend.Backend` with no network.

It analyses the incident's evidence once (cached per incident and evidence
set), then writes each step from that analysis and the incident's state. Output
streams through ``emit`` a paragraph at a time, with secrets in quoted evidence
redacted (the output is shown on screen and kept on the timeline). Structured answers are validated
against the same models Claude's answers are.
"""

from __future__ import annotations

import asyncio

from warroom.agents.backend import Emit, StepFailed, StepRequest, StepResult, Task
from warroom.agents.offline.analysis import analyse
from warroom.agents.offline.findings import Analysis
from warroom.agents.offline.writers import WRITERS, Step
from warroom.data.answers import SCHEMAS
from warroom.data.redact import redact, redact_obj

MODEL = "offline-investigator-1"


def analysis_for(request: StepRequest) -> Analysis:
    """The (cached) analysis of the request's evidence."""
    return analyse(request.evidence, request.evidence_root, alerts=request.incident.alerts,
                   service=request.incident.service, key=request.incident.incident_id,
                   title=request.incident.title)


def write_step(request: StepRequest, analysis: Analysis) -> Step:
    """Run the task's writer; the result has its markdown sections and structured answer."""
    writer = WRITERS.get(request.task)
    if writer is None:
        raise StepFailed(f"the offline investigator has no writer for task {request.task.value!r}")
    step = Step(request=request, analysis=analysis)
    writer(step)
    if request.output_schema and step.structured is not None and request.output_schema in SCHEMAS:
        step.structured = SCHEMAS[request.output_schema].model_validate(step.structured).model_dump(mode="json")
    return step


class OfflineInvestigator:
    """Writes every playbook step from a real analysis of the attached evidence."""

    name = "offline"

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        try:
            analysis = await asyncio.to_thread(analysis_for, request)
        except OSError as exc:
            raise StepFailed(f"could not read the evidence: {exc}") from exc
        step = write_step(request, analysis)
        # evidence lines quoted in the output go on the timeline and the screen: secrets in them are redacted
        chunks = [redact(s) for s in step.sections if s]
        for chunk in chunks:
            await emit(chunk + "\n\n")
        return StepResult(output="\n\n".join(chunks) + "\n", structured=redact_obj(step.structured), model=MODEL)


__all__ = ["OfflineInvestigator", "Task", "analysis_for", "write_step"]
