"""Event types: every change to an incident is one of these, appended to the log.

Each event class has the common envelope (``seq``, ``incident_id``, ``at``,
``actor``) and a literal ``kind``; the payload fields are the rest. The store
keeps the envelope in columns and the payload as JSON; :func:`parse_event`
turns a stored row back into its class.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator

from warroom.data.ids import ID_PATTERN
from warroom.data.models import (
    ActionStatus,
    ActionType,
    Audience,
    Horizon,
    Level,
    MitigationStrategy,
    NormalisedAlert,
    Role,
    Severity,
    Status,
)

MAX_TEXT = 200_000
ShortText = Annotated[str, Field(max_length=2_000)]
LongText = Annotated[str, Field(max_length=MAX_TEXT)]

ENVELOPE = ("seq", "incident_id", "at", "actor", "kind")


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; naive datetimes are refused."""
    if value.tzinfo is timezone.utc:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must carry a timezone (UTC inside warroom)")
    return value.astimezone(timezone.utc)


class BaseEvent(BaseModel):
    """The envelope shared by every event."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    seq: int = 0
    incident_id: Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]
    at: datetime
    actor: ShortText = "warroom"

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return utc(value)

    def payload(self) -> dict[str, Any]:
        """The payload fields as JSON-ready data (the envelope excluded)."""
        return self.model_dump(mode="json", exclude=set(ENVELOPE))

    def with_seq(self, seq: int) -> "BaseEvent":
        return self.model_copy(update={"seq": seq})


class IncidentDeclared(BaseEvent):
    kind: Literal["incident.declared"] = "incident.declared"
    title: Annotated[str, Field(min_length=1, max_length=500)]
    summary: LongText = ""
    category: ShortText = ""
    incident_type: ShortText = ""
    severity: Severity = Severity.P2
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    reporter: ShortText = ""
    detection_method: ShortText = "manual"
    detected_at: datetime | None = None
    guidance: LongText = ""
    service: ShortText = ""
    security: bool = False
    playbook: ShortText = ""


class SeveritySet(BaseEvent):
    kind: Literal["severity.set"] = "severity.set"
    severity: Severity
    impact: Level
    urgency: Level
    reason: LongText = ""


class Acknowledged(BaseEvent):
    kind: Literal["incident.acknowledged"] = "incident.acknowledged"


class RoleAssigned(BaseEvent):
    kind: Literal["role.assigned"] = "role.assigned"
    role: Role
    person: Annotated[str, Field(min_length=1, max_length=200)]


class TierEscalated(BaseEvent):
    kind: Literal["tier.escalated"] = "tier.escalated"
    tier: Annotated[int, Field(ge=2, le=3)]
    reason: LongText = ""
    by_timer: bool = False


class ManagementNotified(BaseEvent):
    kind: Literal["management.notified"] = "management.notified"
    reason: LongText = ""
    message: LongText = ""


class ExecutiveNotified(BaseEvent):
    kind: Literal["executive.notified"] = "executive.notified"
    reason: LongText = ""
    message: LongText = ""


class StatusChanged(BaseEvent):
    kind: Literal["status.changed"] = "status.changed"
    status: Status
    reason: LongText = ""


class PhaseChanged(BaseEvent):
    kind: Literal["phase.changed"] = "phase.changed"
    phase: ShortText
    title: ShortText = ""


class PlaybookStarted(BaseEvent):
    """The playbook that drives this incident, recorded when it first runs (reopening runs the same one)."""

    kind: Literal["playbook.started"] = "playbook.started"
    playbook: Annotated[str, Field(min_length=1, max_length=64)]
    source: LongText = ""  # how to load it again: a built-in or user playbook's name, or a playbook file's path


class AgentStepStarted(BaseEvent):
    kind: Literal["agent.started"] = "agent.started"
    run_id: ShortText
    step_id: ShortText
    phase: ShortText = ""
    role: ShortText = ""
    backend: ShortText = ""
    model: ShortText = ""


class AgentStepOutput(BaseEvent):
    kind: Literal["agent.output"] = "agent.output"
    run_id: ShortText
    text: LongText


class AgentStepFinished(BaseEvent):
    kind: Literal["agent.finished"] = "agent.finished"
    run_id: ShortText
    output: LongText = ""
    artifact: ShortText = ""
    structured: dict[str, Any] | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class AgentStepFailed(BaseEvent):
    kind: Literal["agent.failed"] = "agent.failed"
    run_id: ShortText
    error: LongText
    interrupted: bool = False
    #: The run's streamed text, joined once at its end (empty in older files and for an interrupted run).
    output: LongText = ""


class AgentStepCancelled(BaseEvent):
    kind: Literal["agent.cancelled"] = "agent.cancelled"
    run_id: ShortText
    reason: LongText = ""
    #: The run's streamed text, joined once at its end (empty in older files).
    output: LongText = ""


class DecisionTaken(BaseEvent):
    kind: Literal["decision.taken"] = "decision.taken"
    decision_id: ShortText
    gate: ShortText
    choice: ShortText
    options: list[ShortText] = Field(default_factory=list)
    recommended: ShortText = ""
    rationale: LongText = ""
    auto: bool = False


class MitigationExecuted(BaseEvent):
    kind: Literal["mitigation.executed"] = "mitigation.executed"
    strategy: MitigationStrategy
    outcome: Literal["succeeded", "failed"]
    details: LongText = ""
    validation: dict[str, str] = Field(default_factory=dict)


class StatusUpdatePublished(BaseEvent):
    kind: Literal["update.published"] = "update.published"
    audience: Audience
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class SlaBreached(BaseEvent):
    kind: Literal["sla.breached"] = "sla.breached"
    clock: ShortText
    deadline: datetime

    @field_validator("deadline")
    @classmethod
    def _aware_deadline(cls, value: datetime) -> datetime:
        return utc(value)


class NoteAdded(BaseEvent):
    kind: Literal["note.added"] = "note.added"
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class ActionItemAdded(BaseEvent):
    kind: Literal["action.added"] = "action.added"
    item_id: ShortText
    title: Annotated[str, Field(min_length=1, max_length=2_000)]
    owner: ShortText = ""
    due: datetime | None = None
    horizon: Horizon = Horizon.SHORT_TERM
    status: ActionStatus = ActionStatus.OPEN
    source: ShortText = ""
    action_type: ActionType | None = None
    priority: Level | None = None
    finding: ShortText = ""


class ActionItemUpdated(BaseEvent):
    kind: Literal["action.updated"] = "action.updated"
    item_id: ShortText
    title: ShortText | None = None
    owner: ShortText | None = None
    due: datetime | None = None
    status: ActionStatus | None = None


class EvidenceAttached(BaseEvent):
    kind: Literal["evidence.attached"] = "evidence.attached"
    evidence_id: ShortText
    evidence_kind: ShortText = "other"
    path: ShortText
    name: ShortText
    size: int = 0
    sha256: ShortText = ""


class AlertReceived(BaseEvent):
    kind: Literal["alert.received"] = "alert.received"
    alert: NormalisedAlert


class ReviewUpdated(BaseEvent):
    kind: Literal["review.updated"] = "review.updated"
    section: ShortText
    text: LongText


class ReviewCompleted(BaseEvent):
    kind: Literal["review.completed"] = "review.completed"


class IncidentResolved(BaseEvent):
    kind: Literal["incident.resolved"] = "incident.resolved"
    resolution: LongText = ""
    validation: dict[str, str] = Field(default_factory=dict)


class IncidentClosed(BaseEvent):
    kind: Literal["incident.closed"] = "incident.closed"
    reason: LongText = ""


class IncidentReopened(BaseEvent):
    kind: Literal["incident.reopened"] = "incident.reopened"
    reason: LongText = ""


class RecurrenceMarked(BaseEvent):
    """The incident's root cause matches another's closed within 90 days (recorded on both).

    ``role`` is ``"recurrence"`` on the later incident (it recurs ``related_incident``)
    and ``"recurred"`` on the earlier one; ``open_actions`` names the earlier
    incident's preventive actions that were not done.
    """

    kind: Literal["recurrence.marked"] = "recurrence.marked"
    related_incident: Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]
    role: Literal["recurrence", "recurred"]
    similarity: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    root_cause: LongText = ""
    open_actions: list[ShortText] = Field(default_factory=list, max_length=500)


# -- the branches: when the response itself goes wrong (see warroom.agents.branches) --------------

BranchName = Literal["sla_overrun", "escalation_blocked", "major_incident", "rollback_failed", "security"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


class BranchRaised(BaseEvent):
    """A branch of the flow was entered (recorded once per incident and branch)."""

    kind: Literal["branch.raised"] = "branch.raised"
    branch: BranchName
    reason: LongText = ""


class PersonUnavailable(BaseEvent):
    """Someone the response needs cannot be reached; ``backup`` is who the roster proposes."""

    kind: Literal["person.unavailable"] = "person.unavailable"
    person: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Reason
    role: ShortText = ""
    backup: ShortText = ""


class CadenceChanged(BaseEvent):
    """The status-update cadence (the ``status_update`` clock follows it)."""

    kind: Literal["cadence.changed"] = "cadence.changed"
    every_minutes: Annotated[int, Field(ge=1, le=10_080)]
    reason: LongText = ""


class OptionsOffered(BaseEvent):
    """Options put to the commander: a pending decision until a ``DecisionTaken`` with this id."""

    kind: Literal["options.offered"] = "options.offered"
    decision_id: Annotated[str, Field(min_length=1, max_length=200)]
    gate: Annotated[str, Field(min_length=1, max_length=200)]
    options: Annotated[list[ShortText], Field(min_length=2, max_length=20)]
    recommended: ShortText = ""
    reason: LongText = ""


class NotificationDrafted(BaseEvent):
    """A message drafted for people outside the timeline (call-out, legal, regulator, status page …)."""

    kind: Literal["notification.drafted"] = "notification.drafted"
    audience: Literal["war_room", "management", "executive", "legal", "compliance", "regulator", "status_page",
                      "backup", "security"]  # fmt: skip
    recipients: list[ShortText] = Field(default_factory=list, max_length=200)
    subject: ShortText
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    #: When set, the draft is recorded at most once per incident under this key.
    key: ShortText = ""


MAJOR_LISTED = 50  # incidents named in a MajorIncidentDeclared; a storm of any size is counted, not listed


class MajorIncidentDeclared(BaseEvent):
    """This incident is part of a MAJOR INCIDENT (two or more P0/P1 open at once)."""

    @property
    def count(self) -> int:
        """How many P0/P1 incidents were open at once."""
        return max(self.total, len(self.incidents))

    kind: Literal["major_incident.declared"] = "major_incident.declared"
    #: The first ones by business impact (at most :data:`MAJOR_LISTED`); ``total`` counts them all.
    incidents: Annotated[list[Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]], Field(max_length=500)]
    total: Annotated[int, Field(ge=0)] = 0  # 0 in events recorded before the count was kept: len(incidents)
    coordinator: ShortText = ""
    reason: LongText = ""


class FreezeDeclared(BaseEvent):
    """A change freeze (halt all deployments), recorded on each open incident it covers."""

    kind: Literal["freeze.declared"] = "freeze.declared"
    freeze_id: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Reason


class FreezeLifted(BaseEvent):
    kind: Literal["freeze.lifted"] = "freeze.lifted"
    freeze_id: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Reason


class HoldPlaced(BaseEvent):
    """STOP: no further changes until assessment. The fold refuses mitigation while it is on."""

    kind: Literal["hold.placed"] = "hold.placed"
    reason: Reason


class HoldLifted(BaseEvent):
    """The commander lifts the hold (only the incident commander, with a reason)."""

    kind: Literal["hold.lifted"] = "hold.lifted"
    reason: Reason


class SecurityDeclared(BaseEvent):
    """The incident is a security breach or data loss: the security branch applies."""

    kind: Literal["security.declared"] = "security.declared"
    reason: Reason
    source: ShortText = ""


class EvidencePreserved(BaseEvent):
    """Forensic evidence is preserved: the evidence gate before mitigation opens."""

    kind: Literal["evidence.preserved"] = "evidence.preserved"
    details: Reason


class RegulatorNotified(BaseEvent):
    """The authority for ``regime`` was notified (stops that regulatory clock)."""

    kind: Literal["regulator.notified"] = "regulator.notified"
    regime: Annotated[str, Field(min_length=1, max_length=40)]
    reference: LongText = ""


NotificationId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")]
Channel = Literal["slack", "teams", "email", "pagerduty", "statuspage", "webhook"]


class NotificationQueued(BaseEvent):
    """A message to deliver through one channel, queued in the transaction that published it (the outbox).

    ``notification_id`` is also the idempotency key every retry carries (PagerDuty's dedup, the email's
    Message-ID, the webhook's ``Idempotency-Key``). ``action`` says what the receiver is asked to do
    (PagerDuty: trigger / acknowledge / resolve; Statuspage: create / update / resolve; a webhook: its event).
    """

    kind: Literal["notification.queued"] = "notification.queued"
    notification_id: NotificationId
    channel: Channel
    audience: ShortText
    action: ShortText = ""
    subject: ShortText
    text: LongText = ""
    #: The incident as it was when queued (the receivers' formats need it; the record stays a pure fold).
    status: ShortText = ""
    severity: ShortText = ""
    service: ShortText = ""
    title: ShortText = ""
    #: Mitigated and being watched (a status page says "monitoring").
    monitoring: bool = False


class NotificationDelivered(BaseEvent):
    """The receiver accepted the message (``receiver_id``: its id for it, e.g. Statuspage's incident id)."""

    kind: Literal["notification.delivered"] = "notification.delivered"
    notification_id: NotificationId
    channel: Channel
    audience: ShortText = ""
    attempt: Annotated[int, Field(ge=1)]
    receiver_id: ShortText = ""
    #: Where it went, said for people: "email to 2", "Slack webhook", "PagerDuty".
    target: ShortText = ""


class NotificationFailed(BaseEvent):
    """One attempt failed; ``next_attempt_at`` is when it is tried again (``None``: given up until retried by hand)."""

    kind: Literal["notification.failed"] = "notification.failed"
    notification_id: NotificationId
    channel: Channel
    audience: ShortText = ""
    attempt: Annotated[int, Field(ge=1)]
    reason: LongText
    status: int | None = None
    next_attempt_at: datetime | None = None


class NotificationRetried(BaseEvent):
    """Someone asked for a given-up notification to be tried again now."""

    kind: Literal["notification.retried"] = "notification.retried"
    notification_id: NotificationId


OUTBOX_EVENT_TYPES: tuple[type[BaseEvent], ...] = (
    NotificationQueued, NotificationDelivered, NotificationFailed, NotificationRetried,
)  # fmt: skip


BRANCH_EVENT_TYPES: tuple[type[BaseEvent], ...] = (
    BranchRaised, PersonUnavailable, CadenceChanged, OptionsOffered, NotificationDrafted, MajorIncidentDeclared,
    FreezeDeclared, FreezeLifted, HoldPlaced, HoldLifted, SecurityDeclared, EvidencePreserved, RegulatorNotified,
)  # fmt: skip


EVENT_TYPES: tuple[type[BaseEvent], ...] = (
    IncidentDeclared,
    SeveritySet,
    Acknowledged,
    RoleAssigned,
    TierEscalated,
    ManagementNotified,
    ExecutiveNotified,
    StatusChanged,
    PhaseChanged,
    PlaybookStarted,
    AgentStepStarted,
    AgentStepOutput,
    AgentStepFinished,
    AgentStepFailed,
    AgentStepCancelled,
    DecisionTaken,
    MitigationExecuted,
    StatusUpdatePublished,
    SlaBreached,
    NoteAdded,
    ActionItemAdded,
    ActionItemUpdated,
    EvidenceAttached,
    AlertReceived,
    ReviewUpdated,
    ReviewCompleted,
    IncidentResolved,
    IncidentClosed,
    IncidentReopened,
    RecurrenceMarked,
    *BRANCH_EVENT_TYPES,
    *OUTBOX_EVENT_TYPES,
)

Event = Annotated[Union[EVENT_TYPES], Field(discriminator="kind")]  # type: ignore[valid-type]
EVENT_KINDS: dict[str, type[BaseEvent]] = {cls.model_fields["kind"].default: cls for cls in EVENT_TYPES}


def parse_event(record: dict[str, Any]) -> BaseEvent:
    """Turn a dict (envelope and payload together) into its event class."""
    return _event_adapter().validate_python(record)


@cache
def _event_adapter() -> TypeAdapter[Any]:
    # Built on first use: the union's schema costs ~30 ms, which opening the war room does not wait for.
    return TypeAdapter(Event)


def describe(event: BaseEvent) -> str:
    """One line of text saying what the event was (for the timeline and ``show``)."""
    from warroom.data.describe import describe_event

    return describe_event(event)
