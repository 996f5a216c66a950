"""Structured answers: the tool Claude calls to give one, and how it is checked.

Where the program acts on an answer (severity proposal, mitigation
recommendation, 5 Whys, action items, validation verdict) the step asks for it
through a ``record_*`` tool whose ``input_schema`` is the pydantic model's JSON
schema. Every step of an incident declares the same tools (all the answer tools,
in one order) so that the tools and the shared context before the first cache
breakpoint are identical from step to step and read from the prompt cache; the
prompt names the one tool the step records with. The tool input is validated
with pydantic; a final fenced JSON block in the text is accepted too, and so is
a bare JSON object (what the API's JSON-schema output format gives).
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


# What the program does with an answer, said in its tool's description (beside the schema's own fields).
GUIDANCE: dict[str, str] = {
    "FiveWhys": (
        "root_cause is the conclusion: one specific sentence naming the object (which pod, job, deployment, "
        "service or host), the cause and its specifics (which image, variable, host:port, command, certificate, "
        "exception and where it is thrown, or which change), never a symptom when the evidence shows its cause. "
        "Cite the evidence (file:line, event row, metric and time, commit) in the whys. When the evidence does "
        "not reach a cause, leave root_cause empty and say in evidence_ends what evidence would settle it."
    ),
    "MitigationRecommendation": "Cite the change or finding the recommendation rests on.",
    "SeverityProposal": "Give the impact and urgency reasons from the evidence and the incident record.",
}


def answer_schemas() -> dict[str, type[BaseModel]]:
    """Every answer a step may be asked for, by schema name, in one fixed order."""
    from warroom.data.answers import SCHEMAS

    found: dict[str, type[BaseModel]] = dict(SCHEMAS)
    for name, model in IMPLICIT_SCHEMAS.values():
        found.setdefault(name, model)
    return dict(sorted(found.items()))


def answer_tools() -> list[dict[str, Any]]:
    """The declarations of every answer tool (the same list for every step: see the module docstring)."""
    return [answer_tool(name, model) for name, model in answer_schemas().items()]


def answer_tool_names() -> frozenset[str]:
    """The names of every answer tool."""
    return frozenset(tool_name(name) for name in answer_schemas())


def tool_name(schema_name: str) -> str:
    """``SeverityProposal`` -> ``record_severity_proposal``."""
    return "record_" + _SNAKE.sub("_", schema_name).lower()


def answer_tool(schema_name: str, model: type[BaseModel]) -> dict[str, Any]:
    """The tool declaration through which Claude gives a ``schema_name`` answer."""
    return {
        "name": tool_name(schema_name),
        "description": (
            f"Record your final {schema_name} answer, only in a step that asks for a {schema_name}. Call it "
            "exactly once, when your analysis is done; the incident commander reviews it before anything is "
            "acted on. " + GUIDANCE.get(schema_name, "")
        ).strip(),
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


_SENTENCE_BREAK = re.compile(r"[a-z0-9)\]`'\"][.!?;]\s+[A-Z]")
MAX_CONCLUSION = 400


def shortcomings(schema_name: str, answer: dict[str, Any]) -> str:
    """What a valid answer still lacks that the program relies on ("" when nothing): for the 5 Whys, the
    conclusion is one sentence and the whys cite evidence, or, with no conclusion, the gap is said."""
    if schema_name != "FiveWhys":
        return ""
    root = str(answer.get("root_cause") or "").strip()
    if not root:
        if not str(answer.get("evidence_ends") or "").strip():
            return "it has no root_cause and evidence_ends does not say what evidence would settle it"
        return ""
    if len(root) > MAX_CONCLUSION or _SENTENCE_BREAK.search(root):
        return (f"root_cause must be one sentence of at most {MAX_CONCLUSION} characters (object, cause, specifics); "
                "put the reasoning in the whys")
    if not any(why.get("evidence") for why in answer.get("whys") or []):
        return "no why cites its evidence (file:line, event row, metric and time, or commit)"
    return ""


def from_json_text(model: type[BaseModel], text: str) -> tuple[dict[str, Any] | None, str]:
    """An answer given as the whole text (the JSON-schema output format), else as a fenced block in it."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            return None, f"the answer is not valid JSON: {exc}"
        return validate(model, data)
    return from_text(model, text)


def json_output_format(model: type[BaseModel]) -> dict[str, Any]:
    """``output_config`` asking for a text answer that matches ``model``'s JSON schema.

    The SDK's ``transform_schema`` gives the schema the API's structured outputs accept
    (closed objects; constraints it cannot enforce moved into the descriptions).
    """
    from anthropic import transform_schema

    return {"format": {"type": "json_schema", "schema": transform_schema(model)}}


_VERSION = re.compile(r"^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:-|@|$)")


def supports_json_output(model_name: str) -> bool:
    """Whether the model has the JSON-schema output format: the Claude 4.5 generation and later, and Opus 4.1.

    Read from the model id's family and version (``claude-sonnet-4-6``, ``claude-haiku-4-5-20251001``), so
    later versions count without a list to update; an id that names no version does not.
    """
    match = _VERSION.match(model_name)
    if not match:
        return False
    family, major, minor = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    return (major, minor) >= (4, 5) or (family == "opus" and (major, minor) >= (4, 1))


def render(structured: dict[str, Any]) -> str:
    """The answer as a fenced JSON block for the step's output."""
    return "```json\n" + json.dumps(structured, indent=2, ensure_ascii=False) + "\n```"
