"""The compact evidence summary Claude reads in the cached shared context.

It is built from the public output of the evidence readers the offline
investigator uses (:class:`~warroom.agents.offline.findings.Analysis`), field
by field and without naming the fields, so a fact the readers learn to find
(a Kubernetes event, an alert label, a ranked hypothesis) reaches Claude
without a change here. Values are pruned of empty parts, long lists and
strings are cut (saying how much was left out), long numeric series become
their shape (points, peak, first and last), and the whole is bounded. The
same analysis always gives the same text, so every step of an incident reads
it from the prompt cache.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from warroom.agents.backend import StepRequest

MAX_CHARS = 16_000
MAX_ITEMS = 12
MAX_STRING = 300
MAX_SERIES = 24
HEADING = (
    "Evidence summary: what the evidence readers found (alerts with their labels, Kubernetes objects, events "
    "and table rows, failure signatures with counts and first/last times, log error templates, metric onsets, "
    "change suspects, ranked hypotheses). Cite the original file and line, which the tools open; this summary "
    "is a map, not the evidence."
)


async def shared_evidence_summary(request: StepRequest) -> str:
    """The summary of the request's evidence and alerts ("" when there is neither).

    The analysis is the offline investigator's (cached per incident and evidence set, read off the event
    loop); evidence the readers cannot read is said in the summary and never fails the step: the tools
    can still open it.
    """
    if not request.evidence and not request.incident.alerts:
        return ""
    from warroom.agents.claude.evidence_facts import extra_facts
    from warroom.agents.offline.backend import analysis_for

    try:
        analysis, extra = await asyncio.to_thread(lambda: (analysis_for(request), extra_facts(request)))
    except Exception as exc:  # noqa: BLE001 - the summary is a map; the step goes on without it
        failed = f"(the evidence readers failed: {type(exc).__name__}: {str(exc)[:300]})"
        return f"{HEADING}\n<evidence_summary>\n{failed}\n</evidence_summary>"
    return evidence_summary(analysis, extra)


def evidence_summary(analysis: BaseModel, extra: dict[str, Any] | None = None, *, max_chars: int = MAX_CHARS) -> str:
    """The analysis (after the ``extra`` facts, if any) as a bounded, deterministic text block."""
    lines = [HEADING, "<evidence_summary>"]
    data = {**(extra or {}), **analysis.model_dump(mode="json")}
    used = sum(len(line) + 1 for line in lines)
    for name, value in data.items():
        value = _prune(value)
        if value in (None, "", [], {}, 0):
            continue
        block = _field(name, value)
        if used + len(block) + 1 > max_chars:
            lines.append(f"({name} and later fields left out: the summary is capped at {max_chars} characters)")
            break
        lines.append(block)
        used += len(block) + 1
    lines.append("</evidence_summary>")
    return "\n".join(lines)


def _field(name: str, value: Any) -> str:
    if isinstance(value, list):
        shown = [f"- {_compact(item)}" for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            shown.append(f"- (+{len(value) - MAX_ITEMS} more)")
        return f"{name} ({len(value)}):\n" + "\n".join(shown)
    if isinstance(value, dict) and len(value) > MAX_SERIES and all(_number(v) for v in value.values()):
        return f"{name}: {_series(value)}"
    return f"{name}: {_compact(value)}"


def _series(points: dict[str, Any]) -> str:
    """A long ``key -> number`` map by its shape: how many points, where it peaks, where it starts and ends."""
    keys = list(points)
    peak = max(keys, key=lambda k: (points[k], k))
    nonzero = [k for k in keys if points[k]]
    parts = [f"{len(keys)} points from {keys[0]} to {keys[-1]}", f"peak {points[peak]:g} at {peak}"]
    if nonzero:
        parts.append(f"non-zero from {nonzero[0]} to {nonzero[-1]} ({len(nonzero)} points)")
    return ", ".join(parts)


def _compact(value: Any) -> str:
    return json.dumps(_cut(value), ensure_ascii=False, separators=(", ", ": "))


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + f"... (+{len(value) - MAX_STRING} chars)"
    if isinstance(value, list):
        items = [_cut(v) for v in value[:MAX_ITEMS]]
        return items + [f"(+{len(value) - MAX_ITEMS} more)"] if len(value) > MAX_ITEMS else items
    if isinstance(value, dict):
        if len(value) > MAX_SERIES and all(_number(v) for v in value.values()):
            return _series(value)
        kept = {k: _cut(v) for k, v in list(value.items())[:MAX_SERIES]}
        return kept | {"(more)": f"+{len(value) - MAX_SERIES} keys"} if len(value) > MAX_SERIES else kept
    return value


def _prune(value: Any) -> Any:
    """``value`` without empty strings, lists, maps and nulls inside it (they say nothing)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
