"""Claude as an agent backend, through the official ``anthropic`` SDK.

``AnthropicBackend.run_step`` sends the shared incident context (the incident's
system text and a compact summary of what the evidence readers found) as cached
system blocks, the step's prompt and the earlier outputs it reads as the user
turn, streams the answer through ``emit``, lets Claude call the read-only
evidence tools within the step's budget (turns, tokens, time from ``[anthropic]``),
and returns the output with its token usage and estimated cost. A step whose
output has a schema ends with a valid answer or fails: see
:mod:`warroom.agents.claude.conversation`. Everything sent is redacted first.
Transient faults are retried with backoff; anything else becomes a
:class:`StepFailed` naming the error, so the orchestrator can record it (and the
offline investigator can take the step over).

``anthropic`` is imported on first use, not at import time: it costs over a second.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from warroom.agents import tools as evidence_tools
from warroom.agents.backend import Emit, StepFailed, StepRequest, StepResult
from warroom.agents.claude import answers
from warroom.agents.claude.conversation import Conversation, StepBudget, TurnPlan
from warroom.agents.claude.evidence_summary import shared_evidence_summary
from warroom.agents.claude.messages import DEFAULT_SYSTEM, cache_conversation, tool_result, user_prompt
from warroom.agents.claude.pricing import Usage
from warroom.agents.claude.retry import RetryPolicy, describe, is_transient, retry_after
from warroom.agents.claude.turn import ToolCall, Turn, read_turn
from warroom.data.answers import SCHEMAS
from warroom.data.redact import redact

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

DEFAULT_MODEL = "claude-sonnet-4-6"
class ClaudeStepResult(StepResult):
    """A :class:`StepResult` with the prompt-cache side of the usage (``input_tokens`` counts all input)."""

    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    calls: int = 0


class AnthropicBackend:
    """The ``anthropic`` backend: Claude with evidence tools, prompt caching, retries and a budget."""

    name = "anthropic"

    def __init__(
        self,
        config: Any = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        max_turns: int | None = None,
        max_tokens: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        settings = getattr(config, "anthropic", config)
        self.model: str = getattr(settings, "model", None) or DEFAULT_MODEL
        self.max_budget_usd: float | None = getattr(settings, "max_budget_usd", None)
        retries = getattr(settings, "max_retries", None)
        self.retry = retry or RetryPolicy(max_retries=2 if retries is None else int(retries))
        self.api_key, self.base_url, self.timeout = api_key, base_url, timeout
        self.max_turns = max(1, max_turns or getattr(settings, "max_turns", None) or 8)
        self.max_tokens = max_tokens or getattr(settings, "max_output_tokens", None) or 4096
        self.max_step_tokens: int = getattr(settings, "max_step_tokens", None) or 250_000
        step_time = getattr(settings, "max_step_time", None)
        self.max_step_seconds = step_time.total_seconds() if isinstance(step_time, timedelta) else 300.0
        self.structured_output: str = getattr(settings, "structured_output", None) or "tool"
        self.clock = clock
        self._client: AsyncAnthropic | None = None

    # ---- client ------------------------------------------------------------------------------------------

    def client(self) -> AsyncAnthropic:
        """The SDK client, created on first use (the base URL comes from ``ANTHROPIC_BASE_URL`` if set)."""
        if self._client is None:
            key = self.api_key or os.environ.get("ANTHROPIC_API_KEY", "").strip()
            if not key:
                raise StepFailed(
                    "ANTHROPIC_API_KEY is not set: export it to use the anthropic backend, or run with --backend offline"
                )
            from anthropic import AsyncAnthropic

            self._client = AsyncAnthropic(api_key=key, base_url=self.base_url, max_retries=0, timeout=self.timeout)
        return self._client

    async def aclose(self) -> None:
        """Close the SDK client's connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    # ---- one step ----------------------------------------------------------------------------------------

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        """Run one playbook step with Claude; raises :class:`StepFailed` with a clear reason."""
        schema: type[BaseModel] | None = None
        if request.output_schema:
            schema = SCHEMAS.get(request.output_schema)
            if schema is None:
                raise StepFailed(f"unknown structured output {request.output_schema!r} (known: {', '.join(SCHEMAS)})")
        elif request.task in answers.IMPLICIT_SCHEMAS:  # the program acts on it though the step names no schema
            schema_name, schema = answers.IMPLICIT_SCHEMAS[request.task]
            request = request.model_copy(update={"output_schema": schema_name})
        usage = Usage()
        self._check_budget(request, usage)
        client = self.client()
        answer_name = answers.tool_name(request.output_schema) if schema and request.output_schema else ""
        tools = (evidence_tools.definitions() if request.evidence_root else []) + answers.answer_tools()
        system = await self._system(request)
        step = Conversation(
            schema=schema, schema_name=request.output_schema or "", answer_name=answer_name,
            messages=[{"role": "user", "content": redact(user_prompt(request, answer_name))}],
            budget=StepBudget(self.max_turns, self.max_step_tokens, self.max_step_seconds, self.clock),
            json_output=self.structured_output == "json_schema" and answers.supports_json_output(self.model),
        )  # fmt: skip
        while (plan := step.next_turn(usage)) is not None:
            if plan.note:
                await emit(f"\n\n[{plan.note}]\n\n")
            turn = await self._call(client, request, emit, usage, system, step.messages, tools, plan)
            results = {call.id: await self._run_tool(request, call, emit) for call in step.evidence_calls(turn)}
            step.take(turn, plan, results)
            if turn.stop_reason == "max_tokens":
                note = f"[the answer reached the {self.max_tokens}-token output limit and is cut short]"
                if schema is None:
                    step.texts.append(note)
                await emit(f"\n\n{note}\n")
        if step.failure or (step.structured is None and schema is not None):
            raise StepFailed(step.failure or f"Claude gave no valid {request.output_schema} answer")
        output = redact("\n\n".join(step.texts))
        if step.structured is not None and not output:
            output = answers.render(step.structured)
            await emit(output)
        if not output:
            raise StepFailed("Claude returned an empty answer")
        return ClaudeStepResult(
            output=output,
            structured=step.structured,
            model=self.model,
            input_tokens=usage.total_input,
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd(self.model),
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            calls=usage.calls,
        )

    # ---- parts -------------------------------------------------------------------------------------------

    async def _system(self, request: StepRequest) -> list[dict[str, Any]]:
        """The shared context, each block followed by a cache breakpoint: first the evidence summary (the same
        for every step of the incident, so it is read from the cache whatever the step), then the step's system
        text (its role and the incident's state)."""
        blocks = []
        summary = await shared_evidence_summary(request)
        if summary:
            blocks.append({"type": "text", "text": redact(summary), "cache_control": {"type": "ephemeral"}})
        blocks.append({"type": "text", "text": redact(request.system or DEFAULT_SYSTEM), "cache_control": {"type": "ephemeral"}})
        return blocks

    def _check_budget(self, request: StepRequest, usage: Usage) -> None:
        if self.max_budget_usd is None:
            return
        earlier = sum(run.cost_usd for run_id, run in request.incident.runs.items() if run_id != request.run_id)
        spent = earlier + usage.cost_usd(self.model)
        if spent >= self.max_budget_usd:
            raise StepFailed(
                f"the incident's Claude budget is spent: ${spent:.4f} of ${self.max_budget_usd:.2f} "
                "(raise [anthropic] max_budget_usd in the config to allow more calls)"
            )

    async def _call(
        self,
        client: AsyncAnthropic,
        request: StepRequest,
        emit: Emit,
        usage: Usage,
        system: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        plan: TurnPlan,
    ) -> Turn:
        """One streamed request, retried on transient faults; its usage is added to ``usage``."""
        import anthropic
        import httpx2

        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": system,
            "messages": cache_conversation(messages),
            "stream": True,
            "metadata": {"user_id": f"warroom:{request.incident.incident_id}"},
        }
        if tools:
            params["tools"] = tools
        if plan.tool_choice:
            params["tool_choice"] = plan.tool_choice
        if plan.output_config:
            params["output_config"] = plan.output_config
        attempt = 0
        while True:
            self._check_budget(request, usage)
            emitted = False

            async def tracked(text: str) -> None:
                nonlocal emitted
                emitted = True
                await emit(text)

            try:
                stream = await client.messages.create(**params)
                try:
                    turn = await read_turn(stream, tracked)
                finally:
                    await stream.close()
            except Exception as exc:
                if not isinstance(exc, (anthropic.AnthropicError, httpx2.HTTPError)) and not is_transient(exc):
                    raise  # a bug of ours, not an API fault
                wait = retry_after(exc)
                if not is_transient(exc) or attempt >= self.retry.max_retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise StepFailed(f"Claude call failed{tries}: {describe(exc)}") from exc
                if wait is not None and wait > self.retry.max_retry_after:
                    raise StepFailed(f"Claude asked to retry after {wait:.0f}s, longer than allowed: {describe(exc)}") from exc
                attempt += 1
                if emitted:
                    await emit("\n\n[the answer was cut off; retrying]\n\n")
                await self.retry.sleep(self.retry.delay(attempt, wait))
                continue
            usage.add(turn.usage)
            return turn

    async def _run_tool(self, request: StepRequest, call: ToolCall, emit: Emit) -> dict[str, Any]:
        """Answer one evidence tool call (off the event loop); bad calls get an ``is_error`` result."""
        shown = json.dumps(call.input, ensure_ascii=False)[:200] if call.input is not None else call.raw_input[:200]
        await emit(f"\n\n[tool] {call.name} {redact(shown)}\n\n")
        if call.error:
            return tool_result(call.id, f"{call.name} was not run: {call.error}", error=True)
        try:
            text = await asyncio.to_thread(evidence_tools.run_tool, request.evidence_root, call.name, call.input)
        except evidence_tools.ToolError as exc:
            return tool_result(call.id, str(exc), error=True)
        except Exception as exc:  # a file the readers choke on must not end the step
            return tool_result(call.id, f"{call.name} failed on this evidence: {type(exc).__name__}: {exc}"[:500], error=True)
        return tool_result(call.id, text)
