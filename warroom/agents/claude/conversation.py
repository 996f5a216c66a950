"""One step's conversation with Claude: which turn comes next, and what each turn's answer means.

The backend does the I/O (the request, the evidence tools); :class:`Conversation`
decides. A step whose output has a schema must end with a valid answer:

- Claude may gather evidence with the tools for as long as the step's budget
  (turns, tokens, time: :class:`StepBudget`) allows; when a limit is reached the
  next turn *forces* the answer instead of failing the step.
- An answer that is missing (prose instead of the ``record_*`` call, no JSON
  block either) or invalid gets one corrective retry, and that retry is forced
  too: ``tool_choice`` names the record tool (the turn's tool results are sent
  with it), or, where the model has it and the config asks for it, the API's
  JSON-schema output format constrains the reply.
- A model that ignores even that fails the step with its last text quoted, so
  the record says what it wrote (the offline investigator can take the step over).

``stop_reason`` is read on every turn: ``pause_turn`` continues the same turn,
``refusal`` and a full context window fail the step, and ``max_tokens`` is said
on the record (a cut answer counts as a missing one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from warroom.agents.claude import answers
from warroom.agents.claude.messages import tool_result
from warroom.agents.claude.pricing import Usage
from warroom.agents.claude.turn import Turn
from warroom.data.redact import redact

TOOL, JSON, NO_TOOLS = "tool", "json_schema", "none"
RECORDED = "Recorded."
EXTRA_TURNS = 2  # after the budget: the forced answer may still get its one corrective retry


@dataclass
class StepBudget:
    """How far one step's tool loop may go: calls, tokens (all input and output) and seconds."""

    max_turns: int = 8
    max_tokens: int = 250_000
    max_seconds: float = 300.0
    clock: Callable[[], float] = time.monotonic
    started: float | None = None

    def reached(self, turns: int, usage: Usage) -> str:
        """Why the next turn must give the answer, or "" while the budget lasts."""
        if self.started is None:
            self.started = self.clock()
        if turns + 1 >= self.max_turns:
            return f"turn {turns + 1} is the last of the step's {self.max_turns}"
        used = usage.total_input + usage.output_tokens
        if used >= self.max_tokens:
            return f"the step has used {used:,} of its {self.max_tokens:,}-token budget"
        elapsed = self.clock() - self.started
        if elapsed >= self.max_seconds:
            return f"the step has run {elapsed:.0f} s of its {self.max_seconds:.0f} s budget"
        return ""


@dataclass
class TurnPlan:
    """How the next request asks: ``tool_choice`` and ``output_config`` (None: the API's defaults)."""

    tool_choice: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    mode: str = ""  # "" (free), TOOL, JSON or NO_TOOLS
    note: str = ""  # said on the step's output before the turn: why it is forced


@dataclass
class Conversation:
    """The state of one step's tool loop."""

    schema: type[BaseModel] | None
    schema_name: str
    answer_name: str
    messages: list[dict[str, Any]]
    budget: StepBudget
    json_output: bool = False  # the forced answer uses the JSON-schema output format, not tool_choice
    texts: list[str] = field(default_factory=list)
    structured: dict[str, Any] | None = None
    failure: str = ""
    turns: int = 0
    forced: str = ""
    corrected: bool = False
    done: bool = False
    last_text: str = ""
    draft: dict[str, Any] | None = None  # a valid answer sent back once for its shortcomings

    # ---- the next turn -----------------------------------------------------------------------------------

    def next_turn(self, usage: Usage) -> TurnPlan | None:
        """The plan for the next request, or None when the step is over (see ``structured`` / ``failure``)."""
        if self.done:
            return None
        if self.turns >= self.budget.max_turns + EXTRA_TURNS:
            return self._fail(f"Claude gave no valid {self.schema_name} answer within {self.turns} turns")
        note = ""
        if not self.forced and (reason := self.budget.reached(self.turns, usage)):
            self.forced = self._answer_mode() if self.schema is not None else NO_TOOLS
            note = f"{reason}: this turn gives the answer"
        return self._plan(self.forced, note)

    def _answer_mode(self) -> str:
        return JSON if self.json_output else TOOL

    def _plan(self, mode: str, note: str) -> TurnPlan:
        if mode == TOOL:
            return TurnPlan({"type": "tool", "name": self.answer_name}, None, mode, note)
        if mode == JSON and self.schema is not None:
            return TurnPlan({"type": "none"}, answers.json_output_format(self.schema), mode, note)
        if mode == NO_TOOLS:
            return TurnPlan({"type": "none"}, None, mode, note)
        return TurnPlan(mode=mode, note=note)

    # ---- what a turn means -------------------------------------------------------------------------------

    def evidence_calls(self, turn: Turn) -> list[Any]:
        """The turn's calls of evidence tools (the backend runs them); answer tools are checked here."""
        names = answers.answer_tool_names()
        return [call for call in turn.tool_calls if call.name not in names]

    def take(self, turn: Turn, plan: TurnPlan, results: dict[str, dict[str, Any]]) -> None:
        """Read one turn: ``results`` are the evidence tools' results by tool-use id."""
        self.turns += 1
        text = turn.text.strip()
        if text:
            self.last_text = text
            if plan.mode != JSON:
                self.texts.append(text)
        if turn.stop_reason == "refusal":
            self._fail(f"Claude declined the step (stop_reason refusal){self._quoted()}")
            return
        if turn.stop_reason == "model_context_window_exceeded":
            self._fail(f"the step's conversation filled the model's context window{self._quoted()}")
            return
        self.messages.append(turn.as_message())
        if turn.stop_reason == "pause_turn" and not turn.tool_calls:
            _strip_trailing_space(self.messages[-1])  # the API continues a paused turn from the assistant message
            return
        if self.schema is None:
            self._prose_step(turn, results)
            return
        structured, problem, replies = self._answer(turn, plan, results)
        if structured is not None:
            flaw = "" if self.corrected else answers.shortcomings(self.schema_name, structured)
            if not flaw:
                self.structured, self.done = structured, True
                return
            self.draft, problem = structured, flaw  # kept: a retry that goes wrong falls back to it
            replies = [_as_draft(r, flaw, self.answer_name) for r in replies]
        if not problem and plan.mode in (TOOL, JSON):
            problem = f"the {self._how()} was required, but Claude called {', '.join(c.name for c in turn.tool_calls)}"
        if not problem:  # evidence gathering: send the results and carry on
            self.messages.append({"role": "user", "content": replies})
            return
        if self.corrected:
            self._fail(f"Claude's {self.schema_name} answer was not valid after one corrective retry: {problem} "
                       f"(the retry required {self._how()}){self._quoted()}")
            return
        self.corrected, self.forced = True, self._answer_mode()
        self.messages.append({"role": "user", "content": replies + self._correction(turn, problem)})

    def _prose_step(self, turn: Turn, results: dict[str, dict[str, Any]]) -> None:
        if not turn.tool_calls:
            self.done = True
            return
        replies = [results.get(call.id) or tool_result(
            call.id, f"{call.name} records a structured answer, and this step asks for none: write the answer as text.",
            error=True) for call in turn.tool_calls]  # fmt: skip
        self.messages.append({"role": "user", "content": replies})

    def _answer(self, turn: Turn, plan: TurnPlan, results: dict[str, dict[str, Any]]
                ) -> tuple[dict[str, Any] | None, str, list[dict[str, Any]]]:  # fmt: skip
        """(the valid answer or None, what was wrong with it, the tool results to send back)."""
        assert self.schema is not None
        replies: list[dict[str, Any]] = []
        problem, valid = "", None
        for call in turn.tool_calls:
            if call.id in results:
                replies.append(results[call.id])
            elif call.name != self.answer_name:
                message = f"This step records a {self.schema_name} with {self.answer_name}, not {call.name}."
                replies.append(tool_result(call.id, message, error=True))
            elif valid is not None:
                replies.append(tool_result(call.id, "Already recorded: one answer per step.", error=True))
            else:
                structured, problem = (None, call.error) if call.error else answers.validate(self.schema, call.input)
                if structured is not None:
                    valid, problem = structured, ""
                    replies.append(tool_result(call.id, RECORDED))
                    continue
                fix = f"Not a valid {self.schema_name}: {problem}. Fix it and call {self.answer_name} again."
                replies.append(tool_result(call.id, fix, error=True))
        if valid is not None:
            return valid, "", replies
        if turn.tool_calls and plan.mode != JSON:
            answered = any(call.name == self.answer_name for call in turn.tool_calls)
            return None, problem if answered or plan.mode == TOOL else "", replies
        structured, problem = answers.from_json_text(self.schema, turn.text) if plan.mode == JSON \
            else answers.from_text(self.schema, turn.text)  # fmt: skip
        return structured, problem, replies

    def _correction(self, turn: Turn, problem: str) -> list[dict[str, Any]]:
        cut = " Your last answer was cut off at the output limit: give it again, more briefly." \
            if turn.stop_reason == "max_tokens" else ""  # fmt: skip
        if any(call.name == self.answer_name for call in turn.tool_calls) and not cut:
            return []  # the tool result already says what was wrong
        if self.forced == JSON:
            return [{"type": "text", "text": f"Reply with only the {self.schema_name} JSON object: {problem}.{cut}"}]
        return [{"type": "text", "text": f"Give your answer by calling {self.answer_name}: {problem}.{cut}"}]

    # ---- failing -----------------------------------------------------------------------------------------

    def _how(self) -> str:
        return "the JSON-schema output format" if self.json_output else f"the {self.answer_name} call (tool_choice)"

    def _quoted(self) -> str:
        if not self.last_text:
            return "; it wrote no text"
        flat = " ".join(self.last_text.split())
        return f"; its last text: {redact(flat[:300])!r}" + (" (cut)" if len(flat) > 300 else "")

    def _fail(self, reason: str) -> None:
        """End the step: with the draft answer if there is one (its shortcomings were asked about), else failed."""
        if self.draft is not None:
            self.structured, self.done = self.draft, True
            return None
        self.failure, self.done = reason, True
        return None


def _as_draft(reply: dict[str, Any], flaw: str, answer_name: str) -> dict[str, Any]:
    """The answer call's result, turned into the request to fix ``flaw`` (other results unchanged)."""
    if reply.get("content") != RECORDED:
        return reply
    return {**reply, "content": f"Recorded as a draft, but {flaw}. Call {answer_name} again with that fixed.",
            "is_error": True}


def _strip_trailing_space(message: dict[str, Any]) -> None:
    for block in reversed(message["content"]):
        if block.get("type") == "text":
            block["text"] = block["text"].rstrip() or "(paused)"
            return
