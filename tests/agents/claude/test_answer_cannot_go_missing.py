"""A structured step ends with a valid answer or fails cleanly: forced retries, the budget, stop reasons."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.agents.claude.conftest import T0, Chunks, request
from tests.agents.claude.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse
from warroom.agents.backend import StepFailed, Task
from warroom.agents.claude.answers import supports_json_output
from warroom.data.models import Evidence

SEVERITY = {"impact": "HIGH", "urgency": "HIGH", "severity": "P1", "impact_reasons": ["checkout down"]}
FORCED = {"type": "tool", "name": "record_severity_proposal"}


def _severity(evidence_root: Path | str = "", **fields):
    return request(evidence_root, step_id="priority", task=Task.SEVERITY_PROPOSAL, output_schema="SeverityProposal",
                   **fields)


def _results(body: dict) -> list[dict]:
    return [b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"]
            if b.get("type") == "tool_result"]


async def test_prose_after_tool_results_gets_a_retry_that_forces_the_record_tool(
    fake_api: FakeMessagesAPI, make_backend, chunks: Chunks, evidence: Path
):
    fake_api.script(
        Reply([Text("Looking."), ToolUse("search_logs", {"pattern": "ERROR"})], stop_reason="tool_use"),
        Reply([Text("It is a P1: checkout is down for everyone.")]),
        Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"),
    )
    result = await make_backend().run_step(_severity(evidence), chunks)
    assert result.structured["severity"] == "P1"
    first, second, retry = fake_api.bodies
    assert "tool_choice" not in first and "tool_choice" not in second
    assert retry["tool_choice"] == FORCED
    [search] = _results(retry)  # the evidence the model read is still in the conversation
    assert "db timeout" in search["content"] and not search.get("is_error")
    assert "record_severity_proposal" in retry["messages"][-1]["content"][-1]["text"]
    assert "P1: checkout is down" in result.output


async def test_an_invalid_answer_beside_evidence_calls_keeps_their_results_in_the_forced_retry(
    fake_api: FakeMessagesAPI, make_backend, chunks: Chunks, evidence: Path
):
    fake_api.script(
        Reply([ToolUse("search_logs", {"pattern": "pool"}), ToolUse("record_severity_proposal", {**SEVERITY, "urgency": "SOON"})],
              stop_reason="tool_use"),
        Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"),
    )
    result = await make_backend().run_step(_severity(evidence), chunks)
    assert result.structured["urgency"] == "HIGH"
    retry = fake_api.bodies[1]
    assert retry["tool_choice"] == FORCED
    search, error = retry["messages"][-1]["content"]
    assert "pool exhausted" in search["content"] and not search.get("is_error")
    assert error["is_error"] is True and "urgency: Input should be" in error["content"]


async def test_prose_even_after_the_forced_choice_fails_with_the_last_text(
    fake_api: FakeMessagesAPI, make_backend, chunks: Chunks
):
    fake_api.script(Reply([Text("I would say P1.")]), Reply([Text("Still prose:   P1, really.\n")]))
    with pytest.raises(StepFailed) as failed:
        await make_backend().run_step(_severity(), chunks)
    message = str(failed.value)
    assert message.startswith("Claude's SeverityProposal answer was not valid after one corrective retry: no structured")
    assert "(the retry required the record_severity_proposal call (tool_choice))" in message
    assert message.endswith("its last text: 'Still prose: P1, really.'")
    assert len(fake_api.requests) == 2 and fake_api.bodies[1]["tool_choice"] == FORCED
    assert "I would say P1." in chunks.text and "Still prose" in chunks.text  # both went to the step's output


async def test_the_json_schema_output_format_where_the_model_has_it(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("Probably a P1.")]), Reply([Text(json.dumps(SEVERITY))]))
    result = await make_backend(structured_output="json_schema").run_step(_severity(), chunks)
    assert result.structured["severity"] == "P1"
    retry = fake_api.bodies[1]
    assert retry["tool_choice"] == {"type": "none"}
    schema = retry["output_config"]["format"]["schema"]
    assert retry["output_config"]["format"]["type"] == "json_schema" and schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"impact", "urgency", "severity"}
    assert result.output == "Probably a P1."  # the JSON is the structured answer, not prose


async def test_json_schema_is_not_sent_to_a_model_without_it(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("P1.")]), Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"))
    await make_backend(structured_output="json_schema", model="claude-3-5-haiku-latest").run_step(_severity(), chunks)
    assert "output_config" not in fake_api.bodies[1] and fake_api.bodies[1]["tool_choice"] == FORCED


async def test_json_ignored_even_in_the_json_schema_format_fails_naming_it(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("P1.")]), Reply([Text("```\nnot json\n```")]))
    with pytest.raises(StepFailed, match=r"no structured answer .* \(the retry required the JSON-schema output format\)"):
        await make_backend(structured_output="json_schema").run_step(_severity(), chunks)


@pytest.mark.parametrize(("model", "has_it"), [
    ("claude-sonnet-4-6", True), ("claude-haiku-4-5-20251001", True), ("claude-opus-4-1", True),
    ("claude-sonnet-5", True), ("claude-sonnet-4-20250514", False), ("claude-opus-4-0", False),
    ("claude-3-7-sonnet-latest", False), ("my-proxy-model", False),
])
def test_which_models_have_the_json_schema_output_format(model: str, has_it: bool):
    assert supports_json_output(model) is has_it


async def test_an_answer_cut_at_max_tokens_mid_tool_call_is_asked_again_shorter(
    fake_api: FakeMessagesAPI, make_backend, chunks: Chunks
):
    cut = json.dumps(SEVERITY)[:25]
    fake_api.script(
        Reply([Text("Recording."), ToolUse("record_severity_proposal", raw_json=cut)], stop_reason="max_tokens"),
        Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"),
    )
    result = await make_backend().run_step(_severity(), chunks)
    assert result.structured["severity"] == "P1"
    retry = fake_api.bodies[1]
    error, ask = retry["messages"][-1]["content"]
    assert retry["tool_choice"] == FORCED and error["is_error"] and "not valid JSON" in error["content"]
    assert "cut off at the output limit" in ask["text"]
    assert "[the answer reached the 4096-token output limit and is cut short]" in chunks.text
    assert "cut short" not in result.output


async def test_a_paused_turn_is_continued(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    fake_api.script(Reply([Text("Searching the logs... ")], stop_reason="pause_turn"),
                    Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"))
    result = await make_backend().run_step(_severity(), chunks)
    assert result.structured["severity"] == "P1"
    resumed = fake_api.bodies[1]["messages"]
    assert resumed[-1] == {"role": "assistant", "content": [{"type": "text", "text": "Searching the logs..."}]}


@pytest.mark.parametrize("schema", ["SeverityProposal", None])
async def test_a_refusal_fails_the_step_cleanly(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks, schema):
    fake_api.script(Reply([Text("I can't help with that.")], stop_reason="refusal"))
    req = _severity() if schema else request()
    with pytest.raises(StepFailed, match=r"^Claude declined the step \(stop_reason refusal\); its last text: \"I can't"):
        await make_backend().run_step(req, chunks)
    assert len(fake_api.requests) == 1


async def test_a_filled_context_window_fails_the_step_cleanly(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([], stop_reason="model_context_window_exceeded"))
    with pytest.raises(StepFailed, match="filled the model's context window; it wrote no text"):
        await make_backend().run_step(_severity(), chunks)


async def test_another_steps_record_tool_is_answered_with_the_right_one(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([ToolUse("record_five_whys", {"problem": "x"})], stop_reason="tool_use"),
                    Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"))
    result = await make_backend().run_step(_severity(), chunks)
    assert result.structured["severity"] == "P1"
    [wrong] = fake_api.bodies[1]["messages"][-1]["content"]
    assert wrong["is_error"] and "records a SeverityProposal with record_severity_proposal, not record_five_whys" in wrong["content"]


async def test_a_prose_step_calling_a_record_tool_is_told_to_write_text(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([ToolUse("record_five_whys", {"problem": "x"})], stop_reason="tool_use"),
                    Reply([Text("The pool is exhausted.")]))
    result = await make_backend().run_step(request(), chunks)
    assert result.output == "The pool is exhausted." and result.structured is None
    assert "asks for none: write the answer as text" in fake_api.bodies[1]["messages"][-1]["content"][0]["content"]


# ---- the tool loop's budget ------------------------------------------------------------------------------


def _searches(n: int, **reply) -> list[Reply]:
    return [Reply([ToolUse("search_logs", {"pattern": "ERROR"})], stop_reason="tool_use", **reply) for _ in range(n)]


async def test_the_token_budget_forces_the_answer(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(*_searches(2, input_tokens=700, output_tokens=100),
                    Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"))
    result = await make_backend(max_step_tokens=1500).run_step(_severity(evidence), chunks)
    assert result.structured["severity"] == "P1"
    assert [b.get("tool_choice") for b in fake_api.bodies] == [None, None, FORCED]
    assert "[the step has used 1,600 of its 1,500-token budget: this turn gives the answer]" in chunks.text


async def test_the_time_budget_forces_the_answer(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    ticks = itertools.count(0, 200)  # every reading of the clock is 200 s later
    fake_api.script(*_searches(1), Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"))
    from datetime import timedelta

    backend = make_backend(max_step_time=timedelta(minutes=5), clock=lambda: float(next(ticks)))
    result = await backend.run_step(_severity(evidence), chunks)
    assert result.structured["severity"] == "P1"
    assert [b.get("tool_choice") for b in fake_api.bodies] == [None, FORCED]
    assert "of its 300 s budget: this turn gives the answer" in chunks.text


async def test_a_prose_step_at_its_budget_is_asked_for_text(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(*_searches(2, input_tokens=900), Reply([Text("The pool is exhausted.")]))
    result = await make_backend(max_step_tokens=1000).run_step(request(evidence), chunks)
    assert result.output == "The pool is exhausted."
    assert [b.get("tool_choice") for b in fake_api.bodies] == [None, None, {"type": "none"}]


async def test_the_budget_never_lets_a_loop_run_on(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.responder = lambda body: _searches(1)[0]  # a model that only ever searches, whatever it is told
    with pytest.raises(StepFailed, match="record_severity_proposal call \\(tool_choice\\) was required, but Claude called search_logs"):
        await make_backend(max_turns=3).run_step(_severity(evidence), chunks)
    assert len(fake_api.requests) == 4  # two free turns, the forced answer, its one corrective retry


# ---- the evidence summary in the cached shared context --------------------------------------------------


def _attached(evidence: Path) -> list[Evidence]:
    log = evidence / "logs" / "app.log"
    return [Evidence(evidence_id="ev-1", kind="log", path="logs/app.log", name="app.log", size=log.stat().st_size,
                     attached_at=T0)]


async def test_the_evidence_summary_is_in_the_cached_system_context_of_every_step(
    fake_api: FakeMessagesAPI, make_backend, chunks, evidence: Path
):
    fake_api.script(Reply([Text("Hypothesis.")]), Reply([ToolUse("record_severity_proposal", SEVERITY)]))
    backend = make_backend()
    await backend.run_step(request(evidence, evidence=_attached(evidence)), chunks)
    await backend.run_step(_severity(evidence, evidence=_attached(evidence), system="You are the triage agent."), chunks)
    tier2, severity = fake_api.bodies
    summary, context = tier2["system"]
    assert summary["cache_control"] == context["cache_control"] == {"type": "ephemeral"}
    assert "<evidence_summary>" in summary["text"] and "upstream db timeout" in summary["text"]
    assert '"source": "app.log:2"' in summary["text"]  # the template cites its example line
    assert context["text"].startswith("Incident INC-2026-0001")
    # the prefix the cache keys on (tools, then the summary) is the same for steps of different roles
    assert tier2["tools"] == severity["tools"] and tier2["system"][0] == severity["system"][0]
    assert severity["system"][1]["text"] == "You are the triage agent."


# ---- the conclusion: one specific sentence with citations ------------------------------------------------

WHYS = {"problem": "checkout 502s", "whys": [{"question": "Why 502?", "answer": "the pool is exhausted",
                                             "evidence": [{"source": "logs/app.log:4", "detail": "pool exhausted max=10"}]}]}
RAMBLING = {**WHYS, "whys": [{"question": "Why?", "answer": "pool"}],
            "root_cause": "The pool was lowered. Then traffic rose and checkout queued on it."}


def _whys():
    return request(step_id="five_whys", task=Task.FIVE_WHYS, output_schema="FiveWhys")


async def test_a_conclusion_that_is_not_one_sentence_is_sent_back_once(fake_api: FakeMessagesAPI, make_backend, chunks):
    better = {**WHYS, "root_cause": "checkout-api's db pool was lowered from 50 to 10 by deploy d-42 at 08:55."}
    fake_api.script(Reply([ToolUse("record_five_whys", RAMBLING)], stop_reason="tool_use"),
                    Reply([ToolUse("record_five_whys", better)], stop_reason="tool_use"))
    result = await make_backend().run_step(_whys(), chunks)
    assert result.structured["root_cause"] == better["root_cause"]
    retry = fake_api.bodies[1]
    [draft] = retry["messages"][-1]["content"]
    assert draft["is_error"] and "Recorded as a draft, but root_cause must be one sentence" in draft["content"]
    assert retry["tool_choice"] == {"type": "tool", "name": "record_five_whys"}


async def test_a_draft_is_kept_when_the_retry_goes_wrong(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([ToolUse("record_five_whys", RAMBLING)], stop_reason="tool_use"),
                    Reply([Text("I stand by it.")]))
    result = await make_backend().run_step(_whys(), chunks)
    assert result.structured["root_cause"] == RAMBLING["root_cause"]


@pytest.mark.parametrize(("answer", "flaw"), [
    ({**WHYS, "root_cause": "checkout-api's pool max was lowered to 10 by deploy d-42."}, ""),
    ({**WHYS, "root_cause": "The certificate db-certs expired on 2024-08-03 (see kubectl_logs.txt:46)."}, ""),
    ({**WHYS, "root_cause": "", "evidence_ends": "No change history was attached; a deploy log would settle it."}, ""),
    ({**WHYS, "root_cause": ""}, "evidence_ends does not say"),
    ({**WHYS, "root_cause": "x" * 401}, "one sentence of at most 400"),
    ({**WHYS, "whys": [{"question": "Why?", "answer": "pool"}], "root_cause": "The pool was lowered to 10."},
     "no why cites its evidence"),
])
def test_what_a_five_whys_conclusion_must_have(answer: dict, flaw: str):
    from warroom.agents.claude.answers import shortcomings

    found = shortcomings("FiveWhys", answer)
    assert flaw in found and bool(found) is bool(flaw)
    assert shortcomings("SeverityProposal", answer) == ""
