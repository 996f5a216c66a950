"""Structured answers: the tool Claude calls to give one, and how it is checked.

Where the program acts on an answer (severity proposal, mitigation
recommendation, 5 Whys, action items) the step offers one extra tool whose
``input_schema`` is the pydantic model's JSON schema. The tool input is
validated with pydantic; a final fenced JSON block in the text is accepted too.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warroom.agents.backend import Task

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")
_JSON_BLOCK = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


class ValidationVerdict(BaseModel):
    """Whether the mitigation worked, judged against the baseline; the resolve gate acts on ``passed``.

    The playbooks' validation steps declare no ``output_schema`` yet the orchestrator
    reads ``passed`` from their structured answer (as the offline investigator gives it),
    so the Claude backend asks for this verdict on those tasks.
    """

    model_config = ConfigDict(extra="ignore")

    passed: bool | None = Field(description="true: error rate, latency p95 and throughput are back at baseline; "
                                "false: they are not; null: no evidence after the mitigation to judge by")
    error_rate: str = Field(default="", description="latest against baseline, e.g. '0.2% (baseline 0.3%)'")
    latency_p95: str = Field(default="", description="latest against baseline")
    throughput: str = Field(default="", description="latest against baseline")
    evidence_ends: str = Field(default="", description="when the evidence ends, ISO-8601")


IMPLICIT_SCHEMAS: dict[Task, tuple[str, type[BaseModel]]] = {
    Task.VALIDATION: ("ValidationVerdict", ValidationVerdict),
    Task.DEPLOYMENT_VALIDATION: ("ValidationVerdict", ValidationVerdict),
}


def tool_name(schema_name: str) -> str:
    """``SeverityProposal`` -> ``record_severity_proposal``."""
    return "record_" + _SNAKE.sub("_", schema_name).lower()


def answer_tool(schema_name: str, model: type[BaseModel]) -> dict[str, Any]:
    """The tool declaration through which Claude gives a ``schema_name`` answer."""
    return {
        "name": tool_name(schema_name),
        "description": (
            f"Record your final {schema_name} answer. Call this exactly once, when your analysis is done; "
            "the incident commander reviews it before anything is acted on."
        ),
        "input_schema": inline_refs(model.model_json_schema()),
    }


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with ``$ref``s to ``$defs`` replaced by the definitions themselves (no recursion in our models)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                target = copy.deepcopy(defs[node["$ref"].split("/")[-1]])
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return walk({**target, **extra})
            return {k: walk(v) for k, v in node.items() if k not in ("$defs", "title")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def validate(model: type[BaseModel], data: Any) -> tuple[dict[str, Any] | None, str]:
    """(the answer as JSON-able dict, "") if valid, else (None, what was wrong)."""
    if not isinstance(data, dict):
        return None, f"the answer must be a JSON object, got {type(data).__name__}"
    try:
        return model.model_validate(data).model_dump(mode="json"), ""
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()[:10]]
        return None, "; ".join(problems)


def from_text(model: type[BaseModel], text: str) -> tuple[dict[str, Any] | None, str]:
    """An answer given as the last fenced JSON block of the text instead of through the tool."""
    blocks = _JSON_BLOCK.findall(text)
    if not blocks:
        return None, "no structured answer was given (neither the tool call nor a JSON block)"
    try:
        data = json.loads(blocks[-1])
    except ValueError as exc:
        return None, f"the JSON block is not valid JSON: {exc}"
    return validate(model, data)


def render(structured: dict[str, Any]) -> str:
    """The answer as a fenced JSON block for the step's output."""
    return "```json\n" + json.dumps(structured, indent=2, ensure_ascii=False) + "\n```"
