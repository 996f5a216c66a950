"""The contract between the orchestrator and an agent backend.

A playbook step names a *task* (what it produces). The orchestrator renders the
step's prompt, gathers the outputs it reads and the incident's evidence, and
calls ``backend.run_step(request, emit)``. The backend streams text through
``emit`` (the orchestrator turns chunks into ``agent.output`` events) and returns
a :class:`StepResult`. Backends never change anything outside what they return:
every action on the incident is the orchestrator's event or a human decision.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from warroom.data.models import Evidence, Incident


class Task(str, Enum):
    """What a step produces; the offline investigator dispatches on this."""

    # itil 1 detection and logging
    INCIDENT_RECORD = "incident_record"
    INITIAL_ALERT = "initial_alert"
    # itil 2 triage
    IMPACT_ASSESSMENT = "impact_assessment"
    URGENCY_ASSESSMENT = "urgency_assessment"
    SEVERITY_PROPOSAL = "severity_proposal"  # structured: SeverityProposal
    # itil 3 functional escalation
    TIER1_DATA = "tier1_data"
    TIER2_HYPOTHESIS = "tier2_hypothesis"
    TIER3_ASSESSMENT = "tier3_assessment"
    # itil 4 hierarchical escalation
    MANAGEMENT_NOTIFICATION = "management_notification"
    EXECUTIVE_NOTIFICATION = "executive_notification"
    STATUS_PAGE_UPDATE = "status_page_update"
    # itil 5 root cause
    FIVE_WHYS = "five_whys"  # structured: FiveWhys
    CONTRIBUTING_FACTORS = "contributing_factors"
    # itil 6 mitigation
    MITIGATION_RECOMMENDATION = "mitigation_recommendation"  # structured: MitigationRecommendation
    MITIGATION_EXECUTION = "mitigation_execution"
    VALIDATION = "validation"
    RESOLUTION_COMMUNICATION = "resolution_communication"
    # itil 7 post-incident review
    PIR_INVITE = "pir_invite"
    POST_INCIDENT_REVIEW = "post_incident_review"
    PREVENTIVE_ACTIONS = "preventive_actions"  # structured: ActionItems
    RUNBOOK_UPDATE = "runbook_update"
    KNOWLEDGE_BASE_ARTICLE = "knowledge_base_article"
    # sre-only tasks
    OBSERVABILITY_SWEEP = "observability_sweep"
    INITIAL_MITIGATION = "initial_mitigation"
    SECURITY_ASSESSMENT = "security_assessment"
    PERFORMANCE_ANALYSIS = "performance_analysis"
    FIX_DESIGN = "fix_design"
    DEPLOYMENT_VALIDATION = "deployment_validation"
    STAKEHOLDER_COMMUNICATION = "stakeholder_communication"
    CUSTOMER_IMPACT = "customer_impact"
    MONITORING_ENHANCEMENTS = "monitoring_enhancements"
    SYSTEM_HARDENING = "system_hardening"


class StepRequest(BaseModel):
    """Everything a backend gets for one step."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    step_id: str
    task: Task
    role: str
    title: str
    prompt: str  # the step's rendered jinja2 template
    system: str = ""  # the shared incident context (sent with prompt caching by Claude)
    incident: Incident
    inputs: dict[str, str] = Field(default_factory=dict)  # earlier step outputs read by this step, by step id
    structured_inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    evidence_root: str = ""  # directory the evidence paths are confined to
    output_schema: str | None = None  # name of the structured-output model, if the program acts on the answer
    update_every: timedelta | None = None  # the update cadence the policy promises for this incident (None: none)


class StepResult(BaseModel):
    """What a backend returns for one step."""

    output: str  # markdown, the step's artifact text
    structured: dict[str, Any] | None = None
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


Emit = Callable[[str], Awaitable[None]]


class StepFailed(Exception):
    """A step that could not be completed (after retries), with a clear reason."""


class Backend(Protocol):
    """An agent backend: Claude (``anthropic``) or the offline investigator (``offline``)."""

    name: str

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult: ...
