"""A stand-in for Claude behind the fake Messages API, with the ways real models stray.

:class:`StandIn` is a ``FakeMessagesAPI.responder``: it reads each request as a
model would (the prompt names the record tool the step answers with;
``tool_choice`` and ``output_config`` are honoured or, for the stray behaviours,
ignored) and replies in one of these manners:

- ``tool``: looks at the logs once, then answers through the record tool;
- ``prose_after_tools``: looks at the logs, then answers in prose; a forced
  ``tool_choice`` makes it call the tool (as the real API guarantees);
- ``prose_always``: prose even when the tool call is forced (a proxy or model that ignores it);
- ``fenced_json``: the answer as a JSON block in a code fence;
- ``bad_args_once``: the first answer call's arguments fail the schema;
- ``max_tokens``: the first answer stops at ``max_tokens`` mid-way (tool input cut; prose cut);
- ``pause_turn``: each step's first reply stops with ``pause_turn``, then it goes on;
- ``refusal``: structured steps stop with ``stop_reason: refusal``;
- ``json_schema``: answers as bare JSON text when ``output_config`` asks for it, else in prose.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.agents.claude.fake_messages_api import Reply, Text, ToolUse

ANSWERS: dict[str, dict[str, Any]] = {
    "record_severity_proposal": {"impact": "HIGH", "urgency": "HIGH", "severity": "P1",
                                 "impact_reasons": ["checkout down"], "urgency_reasons": ["revenue"]},
    "record_mitigation_recommendation": {"recommended": "rollback", "rationale": "the 08:55 deploy lowered the pool",
                                         "ranking": ["rollback", "configuration_change"]},
    "record_five_whys": {"problem": "checkout 502s", "whys": [{"question": "why 502?", "answer": "pool exhausted",
                                                               "evidence": [{"source": "logs/app.log:4"}]}],
                         "root_cause": "checkout's db pool was lowered from 50 to 10 by the 08:55 deploy"},
    "record_action_items": {"actions": [{"title": "Alert on pool saturation", "horizon": "immediate"}]},
    "record_validation_verdict": {"passed": True, "error_rate": "0.2% (baseline 0.3%)", "latency_p95": "180 ms"},
}
INVALID: dict[str, dict[str, Any]] = {  # each fails its schema
    "record_severity_proposal": {"impact": "ENORMOUS", "urgency": "HIGH", "severity": "P1"},
    "record_mitigation_recommendation": {"recommended": "pray", "rationale": "hope"},
    "record_five_whys": {"whys": "many"},
    "record_action_items": {"actions": "later"},
    "record_validation_verdict": {"error_rate": "fine"},
}
BEHAVIOURS = ("tool", "prose_after_tools", "prose_always", "fenced_json", "bad_args_once", "max_tokens",
              "pause_turn", "refusal", "json_schema")
_WANTED = re.compile(r"calling the (record_\w+) tool")


class StandIn:
    """A responder for the fake API replying in ``behaviour``'s manner."""

    def __init__(self, behaviour: str) -> None:
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviour = behaviour

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        prompt = messages[0]["content"] if isinstance(messages[0]["content"], str) else messages[0]["content"][0]["text"]
        title = prompt.splitlines()[0].lstrip("# ")
        wanted = m.group(1) if (m := _WANTED.search(prompt)) else None
        choice = body.get("tool_choice") or {}
        forced = choice.get("type") == "tool"
        json_format = (body.get("output_config") or {}).get("format")
        tools = {t["name"] for t in body.get("tools", [])}
        manner = self.behaviour
        resumed = len(messages) == 2 and messages[-1]["role"] == "assistant"  # after a pause_turn
        if manner == "pause_turn" and len(messages) == 1:
            return Reply([Text(f"Looking into {title}.")], stop_reason="pause_turn")
        if (len(messages) == 1 or resumed) and "search_logs" in tools and not choice:
            return Reply([Text(f"Checking the logs for {title}."), ToolUse("search_logs", {"pattern": "ERROR"})],
                         stop_reason="tool_use", input_tokens=900, cache_read=2000)
        if wanted is None:
            prose = f"{title}: the db pool is exhausted since 09:00 (logs/app.log:2)."
            return Reply([Text(prose)], stop_reason="max_tokens" if manner == "max_tokens" else "end_turn")
        answer = ANSWERS[wanted]
        prose = Reply([Text(f"{title}: the pool is exhausted, so I would roll back; severity P1.")])
        if manner == "refusal":
            return Reply([Text("I can't help with that.")], stop_reason="refusal")
        if json_format is not None:
            return Reply([Text(json.dumps(answer))])
        if manner in ("prose_always", "json_schema") or (manner == "prose_after_tools" and not forced):
            return prose
        if manner == "fenced_json":
            return Reply([Text(f"{title}, my answer:\n```json\n{json.dumps(answer, indent=1)}\n```")])
        corrected = _corrected(messages)
        if manner == "bad_args_once" and not corrected:
            return Reply([ToolUse(wanted, INVALID[wanted])], stop_reason="tool_use")
        if manner == "max_tokens" and not corrected:
            return Reply([Text("Recording."), ToolUse(wanted, raw_json=json.dumps(answer)[:30])], stop_reason="max_tokens")
        return Reply([Text(f"{title}: answer recorded."), ToolUse(wanted, answer)], stop_reason="tool_use")


def _corrected(messages: list[dict[str, Any]]) -> bool:
    """Whether the last user turn corrects an answer (an error tool result or a request to answer)."""
    last = messages[-1]
    if last["role"] != "user" or isinstance(last["content"], str):
        return False
    return any(block.get("is_error") or block.get("type") == "text" for block in last["content"])
