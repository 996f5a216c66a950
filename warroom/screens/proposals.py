"""What the agents proposed, read back from the structured output of finished runs."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from warroom.data.answers import MitigationRecommendation, SeverityProposal
from warroom.data.models import Incident, RunState

__all__ = ["latest_answer", "mitigation_recommendation", "severity_proposal"]

A = TypeVar("A", bound=BaseModel)


def _candidates(structured: Any) -> list[Any]:
    if not isinstance(structured, dict):
        return []
    return [structured, *[v for v in structured.values() if isinstance(v, dict)]]


def latest_answer(incident: Incident, schema: type[A]) -> A | None:
    """The newest finished run's structured answer that validates as ``schema``."""
    for run in reversed(list(incident.runs.values())):
        if run.state is not RunState.FINISHED:
            continue
        for candidate in _candidates(run.structured):
            try:
                return schema.model_validate(candidate)
            except ValidationError:
                continue
    return None


def severity_proposal(incident: Incident) -> SeverityProposal | None:
    return latest_answer(incident, SeverityProposal)


def mitigation_recommendation(incident: Incident) -> MitigationRecommendation | None:
    return latest_answer(incident, MitigationRecommendation)
