"""Structured answers: what the agents conclude that the program acts on, as pydantic models (data).

Both backends produce these (Claude through a tool / JSON schema, the offline
investigator directly); the orchestrator validates them before acting.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from warroom.data.models import ActionType, Horizon, Level, MitigationStrategy, Severity


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Citation(_Answer):
    """Where a finding comes from: a file and lines, a metric and time, or a commit."""

    source: str
    detail: str = ""


class SeverityProposal(_Answer):
    impact: Level
    urgency: Level
    severity: Severity
    impact_reasons: list[str] = Field(default_factory=list)
    urgency_reasons: list[str] = Field(default_factory=list)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class MitigationRecommendation(_Answer):
    recommended: MitigationStrategy
    rationale: str
    ranking: list[MitigationStrategy] = Field(default_factory=list)
    rollback_plan: str = ""
    risk: str = ""
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class Why(_Answer):
    question: str
    answer: str
    evidence: list[Citation] = Field(default_factory=list)


class MomentKind(str, Enum):
    """A moment of the incident that only the evidence dates (the events date the response)."""

    CHANGE = "change"  # the suspect commit, deploy or configuration change
    ONSET = "onset"  # errors or a metric left their baseline
    ALERT = "alert"  # the first alert fired
    RECOVERY = "recovery"  # the signals returned to baseline


class Moment(_Answer):
    """When something the evidence shows happened, in a sentence, with where it is seen."""

    kind: MomentKind
    at: datetime
    what: str
    evidence: list[Citation] = Field(default_factory=list)


class FiveWhys(_Answer):
    problem: str
    whys: list[Why] = Field(default_factory=list, max_length=7)
    root_cause: str = ""
    evidence_ends: str = ""  # where the evidence ran out, said plainly
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    moments: list[Moment] = Field(default_factory=list, max_length=20)  # the trigger, the onset, the first alert


class ProposedAction(_Answer):
    title: str
    horizon: Horizon = Horizon.SHORT_TERM
    owner: str = ""
    due: datetime | None = None
    reason: str = ""  # the finding the action addresses
    action_type: ActionType | None = None
    priority: Level | None = None


class ActionItems(_Answer):
    actions: list[ProposedAction] = Field(default_factory=list)


SCHEMAS: dict[str, type[_Answer]] = {
    "SeverityProposal": SeverityProposal,
    "MitigationRecommendation": MitigationRecommendation,
    "FiveWhys": FiveWhys,
    "ActionItems": ActionItems,
}
