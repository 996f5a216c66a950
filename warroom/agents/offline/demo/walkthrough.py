"""Run the ``itil`` investigation steps on the offline investigator directly, recording ``agent.*`` events.

This is the headless path ``warroom demo`` uses when the playbook orchestrator
is not available: the steps run in playbook order, each one's output is
streamed to the timeline and read by the steps after it. Gates are not
decided here (that is the orchestrator's job); the recommendation stands on the
timeline for the incident commander.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from warroom.agents.backend import StepRequest, Task
from warroom.agents.offline.backend import MODEL, OfflineInvestigator
from warroom.data import events as ev
from warroom.data.store import EventStore

# (step id, phase, role, task, title, output schema) in the itil playbook's order.
ITIL_STEPS: tuple[tuple[str, str, str, Task, str, str | None], ...] = (
    ("incident_record", "detection", "incident-responder", Task.INCIDENT_RECORD, "Incident record", None),
    ("initial_alert", "detection", "incident-responder", Task.INITIAL_ALERT, "Initial alert", None),
    ("impact_assessment", "triage", "incident-responder", Task.IMPACT_ASSESSMENT, "Impact assessment", None),
    ("urgency_assessment", "triage", "incident-responder", Task.URGENCY_ASSESSMENT, "Urgency assessment", None),
    ("priority", "triage", "incident-responder", Task.SEVERITY_PROPOSAL, "Priority from the matrix", "SeverityProposal"),
    ("tier1_response", "functional_escalation", "reliability-engineer", Task.TIER1_DATA, "Tier 1 data gathering", None),
    ("tier2_response", "functional_escalation", "component-owner", Task.TIER2_HYPOTHESIS, "Tier 2 hypothesis", None),
    ("tier3_response", "functional_escalation", "architecture-designer", Task.TIER3_ASSESSMENT, "Tier 3 assessment", None),
    ("management_notification", "hierarchical_escalation", "project-manager", Task.MANAGEMENT_NOTIFICATION,
     "Management notification", None),
    ("status_page_update", "hierarchical_escalation", "incident-responder", Task.STATUS_PAGE_UPDATE, "Status page update", None),
    ("five_whys", "root_cause", "component-owner", Task.FIVE_WHYS, "5 Whys", "FiveWhys"),
    ("contributing_factors", "root_cause", "component-owner", Task.CONTRIBUTING_FACTORS, "Contributing factors", None),
    ("mitigation_recommendation", "mitigation", "component-owner", Task.MITIGATION_RECOMMENDATION,
     "Mitigation recommendation", "MitigationRecommendation"),
)

Say = Callable[[str], None]


async def investigate(store: EventStore, incident_id: str, evidence_root: Path, *, actor: str,
                      now: Callable[[], datetime], say: Say = lambda line: None) -> dict[str, str]:
    """Run :data:`ITIL_STEPS` up to the mitigation recommendation; returns each step's output by step id."""
    backend = OfflineInvestigator()
    outputs: dict[str, str] = {}
    for n, (step_id, phase, role, task, title, schema) in enumerate(ITIL_STEPS, 1):
        incident = await store.load(incident_id)
        run_id = f"{incident_id}:{step_id}:{n}"
        await store.append(ev.AgentStepStarted(incident_id=incident_id, at=now(), actor=actor, run_id=run_id,
                                               step_id=step_id, phase=phase, role=role, backend=backend.name, model=MODEL))

        async def emit(text: str, run_id: str = run_id) -> None:
            await store.append(ev.AgentStepOutput(incident_id=incident_id, at=now(), actor=actor, run_id=run_id, text=text))

        request = StepRequest(run_id=run_id, step_id=step_id, task=task, role=role, title=title, prompt=title,
                              incident=incident, inputs=dict(outputs), evidence=list(incident.evidence),
                              evidence_root=str(evidence_root), output_schema=schema)
        started = time.perf_counter()
        try:
            result = await backend.run_step(request, emit)
        except Exception as exc:  # a failed step is recorded, and the walkthrough stops there
            await store.append(ev.AgentStepFailed(incident_id=incident_id, at=now(), actor=actor, run_id=run_id,
                                                  error=f"{exc.__class__.__name__}: {exc}"))
            say(f"❌ {title}: {exc}")
            raise
        await store.append(ev.AgentStepFinished(incident_id=incident_id, at=now(), actor=actor, run_id=run_id,
                                                output=result.output, artifact=f"{step_id}.md",
                                                structured=result.structured))
        outputs[step_id] = result.output
        say(f"✓ {title} ({time.perf_counter() - started:.2f}s)")
    return outputs
