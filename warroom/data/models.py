"""The incident domain: enumerations and the pydantic models the fold builds.

The :class:`Incident` is never written directly: it is the fold of the
incident's events (see :mod:`warroom.data.fold`). Everything here is plain data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(str, Enum):
    """Priority P0 (critical) to P3 (low)."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def label(self) -> str:
        return {"P0": "Critical", "P1": "High", "P2": "Medium", "P3": "Low"}[self.value]


class Level(str, Enum):
    """Impact or urgency level."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Status(str, Enum):
    """Lifecycle of an incident; it only moves forward, except by reopening."""

    DETECTED = "DETECTED"
    TRIAGED = "TRIAGED"
    INVESTIGATING = "INVESTIGATING"
    MITIGATING = "MITIGATING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"

    @property
    def rank(self) -> int:
        return list(Status).index(self)

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


class HierarchicalLevel(str, Enum):
    """Management / executive escalation."""

    NONE = "none"
    MANAGEMENT = "management"
    EXECUTIVE = "executive"

    @property
    def rank(self) -> int:
        return list(HierarchicalLevel).index(self)


class Role(str, Enum):
    """Incident command roles."""

    INCIDENT_COMMANDER = "incident_commander"
    TECHNICAL_LEAD = "technical_lead"
    COMMUNICATIONS_LEAD = "communications_lead"
    SCRIBE = "scribe"
    SUBJECT_MATTER_EXPERT = "subject_matter_expert"

    @property
    def title(self) -> str:
        return self.value.replace("_", " ").title()


class Horizon(str, Enum):
    """When a preventive action is due: 1 week, 1 month, 3 months."""

    IMMEDIATE = "immediate"
    SHORT_TERM = "short_term"
    LONG_TERM = "long_term"


class ActionStatus(str, Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class RunState(str, Enum):
    """State of one agent run (one execution of a playbook step)."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class Audience(str, Enum):
    """Who a status update is for."""

    STATUS_PAGE = "status_page"
    INTERNAL = "internal"
    MANAGEMENT = "management"
    EXECUTIVE = "executive"
    CUSTOMER = "customer"
    LEGAL = "legal"


class MitigationStrategy(str, Enum):
    ROLLBACK = "rollback"
    HOTFIX = "hotfix"
    CONFIGURATION_CHANGE = "configuration_change"
    WORKAROUND = "workaround"
    SCALING = "scaling"

    @property
    def title(self) -> str:
        return {
            "rollback": "Rollback",
            "hotfix": "Hotfix",
            "configuration_change": "Configuration change",
            "workaround": "Workaround",
            "scaling": "Infrastructure scaling",
        }[self.value]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid", use_enum_values=False, defer_build=True)


class NormalisedAlert(_Model):
    """One alert from any source, in one shape."""

    source: str  # "alertmanager" | "pagerduty-events-v2" | "pagerduty-webhook-v3"
    fingerprint: str
    title: str
    severity: Severity
    source_severity: str = ""
    status: str = "firing"  # firing | resolved | acknowledged
    started_at: datetime | None = None
    ended_at: datetime | None = None
    service: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    links: list[str] = Field(default_factory=list)
    raw: Any = None


class Evidence(_Model):
    """A file or bundle attached to the incident as evidence."""

    evidence_id: str
    kind: str  # log | alerts | metrics | git | changes | runbook | other
    path: str
    name: str
    size: int = 0
    sha256: str = ""
    attached_at: datetime
    attached_by: str = ""


class AgentRun(_Model):
    """One execution of a playbook step by an agent backend."""

    run_id: str
    step_id: str
    phase: str = ""
    role: str = ""
    backend: str = ""
    model: str = ""
    state: RunState = RunState.RUNNING
    started_at: datetime
    ended_at: datetime | None = None
    chunks: int = 0
    output: str = ""
    artifact: str = ""
    structured: dict[str, Any] | None = None
    error: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class Decision(_Model):
    """A human (or auto-policy) decision at a gate, with its rationale."""

    decision_id: str
    gate: str
    choice: str
    options: list[str] = Field(default_factory=list)
    recommended: str = ""
    rationale: str = ""
    auto: bool = False
    decided_by: str = ""
    decided_at: datetime


class ActionType(str, Enum):
    """What a preventive action does about the incident (the postmortem's action-item type)."""

    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    PROCESS = "process"


class ActionItem(_Model):
    item_id: str
    title: str
    owner: str = ""
    due: datetime | None = None
    horizon: Horizon = Horizon.SHORT_TERM
    status: ActionStatus = ActionStatus.OPEN
    source: str = ""
    action_type: ActionType | None = None
    priority: Level | None = None
    finding: str = ""  # the finding the action addresses, in a sentence
    created_at: datetime
    updated_at: datetime


class StatusUpdate(_Model):
    audience: Audience
    text: str
    published_at: datetime
    published_by: str = ""


class Mitigation(_Model):
    strategy: MitigationStrategy
    outcome: str  # succeeded | failed
    details: str = ""
    validation: dict[str, str] = Field(default_factory=dict)
    at: datetime
    by: str = ""


class Breach(_Model):
    clock: str
    deadline: datetime
    at: datetime


class Offer(_Model):
    """Options put to the commander by a branch (a pending decision until a ``DecisionTaken`` answers it)."""

    decision_id: str
    gate: str
    options: list[str] = Field(default_factory=list)
    recommended: str = ""
    reason: str = ""
    offered_at: datetime


class Notification(_Model):
    """One message in the outbox: queued, then delivered, or failed (retried until ``next_attempt_at`` is ``None``)."""

    notification_id: str
    channel: str
    audience: str
    action: str = ""
    subject: str
    text: str = ""
    #: The incident as it was when queued (what the receivers' formats say).
    status: str = ""
    severity: str = ""
    service: str = ""
    title: str = ""
    monitoring: bool = False
    queued_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    receiver_id: str = ""
    target: str = ""
    last_error: str = ""
    last_status: int | None = None
    next_attempt_at: datetime | None = None  # due again at (a failure); None with an error: given up

    @property
    def state(self) -> str:
        """``delivered``, ``queued`` (never tried), ``retrying`` or ``failed`` (given up)."""
        if self.delivered_at is not None:
            return "delivered"
        if not self.attempts:
            return "queued"
        return "retrying" if self.next_attempt_at is not None else "failed"


class Hold(_Model):
    """"STOP: no further changes until assessment": mitigation is refused while it is on."""

    reason: str
    placed_at: datetime
    placed_by: str = ""


class Freeze(_Model):
    """A change freeze (database-wide; recorded on every open incident it covers)."""

    freeze_id: str
    reason: str
    declared_at: datetime
    declared_by: str = ""


class Incident(_Model):
    """The state of one incident: the fold of its events."""

    incident_id: str
    title: str
    summary: str = ""
    category: str = ""
    incident_type: str = ""
    severity: Severity
    impact: Level
    urgency: Level
    severity_reason: str = ""
    severity_set_at: datetime | None = None  # the latest ``severity.set`` (not the declaration)
    severity_set_by: str = ""
    status: Status = Status.DETECTED
    phase: str = ""
    tier: int = 1
    hierarchical: HierarchicalLevel = HierarchicalLevel.NONE
    roles: dict[Role, str] = Field(default_factory=dict)
    experts: list[str] = Field(default_factory=list)
    reporter: str = ""
    detection_method: str = ""
    guidance: str = ""
    service: str = ""
    security: bool = False
    playbook: str = ""
    playbook_source: str = ""  # set once the playbook has started (``playbook.started``): how to load it again

    detected_at: datetime
    declared_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    engaged_at: datetime | None = None
    tier_changed_at: datetime | None = None
    management_notified_at: datetime | None = None
    executive_notified_at: datetime | None = None
    #: The notification carried a message (a person or gate sent text), not only a timer's or guidance's flag.
    management_told: bool = False
    executive_told: bool = False
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    review_completed_at: datetime | None = None
    last_update_at: datetime | None = None

    resolution: str = ""
    resolution_validation: dict[str, str] = Field(default_factory=dict)
    alerts: list[NormalisedAlert] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    runs: dict[str, AgentRun] = Field(default_factory=dict)
    decisions: list[Decision] = Field(default_factory=list)
    actions: dict[str, ActionItem] = Field(default_factory=dict)
    updates: list[StatusUpdate] = Field(default_factory=list)
    mitigations: list[Mitigation] = Field(default_factory=list)
    breaches: list[Breach] = Field(default_factory=list)
    review: dict[str, str] = Field(default_factory=dict)
    notes: int = 0
    reopened: int = 0

    # The branches (see warroom.agents.branches): what the response did when the plan did not hold.
    update_cadence: timedelta | None = None
    unavailable: dict[str, str] = Field(default_factory=dict)
    offers: list[Offer] = Field(default_factory=list)
    hold: Hold | None = None
    freezes: dict[str, Freeze] = Field(default_factory=dict)
    freezes_seen: list[str] = Field(default_factory=list)
    major_incident_at: datetime | None = None
    major_coordinator: str = ""
    evidence_required: bool = False
    evidence_preserved_at: datetime | None = None
    regulatory_started_at: datetime | None = None
    regulators_notified: dict[str, datetime] = Field(default_factory=dict)
    branch_marks: list[str] = Field(default_factory=list)
    #: The outbox (see ``warroom.data.notify``): every message to a channel, by notification id.
    notifications: dict[str, Notification] = Field(default_factory=dict)

    last_seq: int = 0
    event_count: int = 0
    updated_at: datetime
    #: actor -> time of their latest event (who has shown up on the timeline, and when).
    last_seen: dict[str, datetime] = Field(default_factory=dict)

    def has_breach(self, clock: str, deadline: datetime) -> bool:
        return any(b.clock == clock and b.deadline == deadline for b in self.breaches)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def pending_offers(self) -> list[Offer]:
        """Branch offers not yet answered by a decision."""
        taken = {d.decision_id for d in self.decisions}
        return [o for o in self.offers if o.decision_id not in taken]

    @property
    def frozen(self) -> bool:
        """A change freeze covers this incident."""
        return bool(self.freezes)
