"""The real ``anthropic`` client against the fake Messages API: streaming, caching, usage, the tool loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agents.claude.conftest import TEST_KEY, Chunks, incident, request
from tests.agents.claude.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse
from warroom.agents.anthropic_backend import AnthropicBackend, ClaudeStepResult
from warroom.agents.backend import StepFailed


async def test_streams_chunks_in_order_with_cached_system_and_usage(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    answer = "Hypothesis: the db pool (max=10) is exhausted since 09:00; test by raising it on one pod."
    fake_api.script(Reply([Text(answer, chunk=5)], input_tokens=1200, output_tokens=40, cache_read=3000, cache_write=500))
    result = await make_backend().run_step(request(), chunks)

    assert len(chunks.items) == len(answer) // 5 + 1
    assert chunks.text == answer == result.output
    assert isinstance(result, ClaudeStepResult)
    assert (result.input_tokens, result.output_tokens) == (1200 + 3000 + 500, 40)
    assert (result.cache_read_tokens, result.cache_write_tokens, result.calls) == (3000, 500, 1)
    # sonnet: $3/M input, cache write x1.25, cache read x0.1, $15/M output
    assert result.cost_usd == pytest.approx((1200 * 3 + 500 * 3.75 + 3000 * 0.3 + 40 * 15) / 1_000_000)
    assert result.model == "claude-sonnet-4-6"

    [sent] = fake_api.requests
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["anthropic-version"]
    assert sent.body["model"] == "claude-sonnet-4-6" and sent.body["stream"] is True
    assert sent.body["system"] == [
        {"type": "text", "text": "Incident INC-2026-0001: checkout returns 502 since 09:00 UTC.",
         "cache_control": {"type": "ephemeral"}}
    ]
    [user] = sent.body["messages"]
    assert user["role"] == "user" and "Form a hypothesis" in user["content"]
    # no evidence folder, no evidence tools: only the answer tools every step declares (for the prompt cache)
    assert {t["name"] for t in sent.body["tools"]} == {
        "record_action_items", "record_five_whys", "record_mitigation_recommendation", "record_severity_proposal",
        "record_validation_verdict"}


async def test_earlier_outputs_go_in_the_user_turn(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    fake_api.script(Reply([Text("ok")]))
    req = request(inputs={"tier1_data": "pool exhausted at 09:01"}, structured_inputs={"severity": {"severity": "P1"}})
    await make_backend().run_step(req, chunks)
    content = fake_api.bodies[0]["messages"][0]["content"]
    assert '<earlier_output step="tier1_data">\npool exhausted at 09:01' in content
    assert '"severity": "P1"' in content


async def test_tool_loop_runs_evidence_tools_and_returns_results(
    fake_api: FakeMessagesAPI, make_backend, chunks: Chunks, evidence: Path
):
    fake_api.script(
        Reply([Text("Let me look at the logs."), ToolUse("search_logs", {"pattern": "timeout"})], stop_reason="tool_use"),
        Reply([ToolUse("read_log_window", {"file": "logs/app.log", "line": 4, "before": 0, "after": 0})],
              stop_reason="tool_use"),
        Reply([Text("The db pool is exhausted (logs/app.log:4).")]),
    )
    result = await make_backend().run_step(request(evidence), chunks)

    assert result.output == "Let me look at the logs.\n\nThe db pool is exhausted (logs/app.log:4)."
    assert len(fake_api.requests) == 3
    first, second, third = fake_api.bodies
    assert {t["name"] for t in first["tools"]} >= {"search_logs", "read_log_window", "list_alerts",
                                                    "summarise_metric", "list_changes", "show_diff", "read_document"}
    assert all("input_schema" in t for t in first["tools"])
    assistant, results = second["messages"][1], second["messages"][2]
    assert assistant["content"][1] == {"type": "tool_use", "id": "toolu_001_1", "name": "search_logs",
                                       "input": {"pattern": "timeout"}}
    [tool_result] = results["content"]
    assert tool_result["tool_use_id"] == "toolu_001_1" and "is_error" not in tool_result
    assert tool_result["content"] == (
        "logs/app.log:2: 2026-11-23T09:00:05Z ERROR checkout upstream db timeout after 3000ms\n"
        "logs/app.log:3: 2026-11-23T09:00:06Z ERROR checkout upstream db timeout after 3000ms"
    )
    assert third["messages"][-1]["content"][0]["content"] == "     4> 2026-11-23T09:01:00Z INFO pool exhausted max=10"
    # chunks: streamed text and a line per tool call, in order
    assert chunks.items[0] == "Let me "
    assert chunks.text.index("[tool] search_logs") < chunks.text.index("[tool] read_log_window") < chunks.text.index(
        "The db pool")
    assert result.calls == 3


async def test_the_last_turn_forbids_more_tool_calls(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(
        Reply([ToolUse("list_evidence", {})], stop_reason="tool_use"),
        Reply([Text("Done: one log file.")]),
    )
    result = await make_backend(max_turns=2).run_step(request(evidence), chunks)
    assert result.output == "Done: one log file."
    assert "tool_choice" not in fake_api.bodies[0]
    assert fake_api.bodies[1]["tool_choice"] == {"type": "none"}


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (ToolUse("search_logs", raw_json='{"pattern": "time'), "not valid JSON"),
        (ToolUse("search_logs", raw_json='["timeout"]'), "must be a JSON object"),
        (ToolUse("delete_database", {"really": True}), "unknown tool 'delete_database'"),
        (ToolUse("read_log_window", {"file": "logs/app.log", "line": "four"}), "line: Input should be a valid integer"),
        (ToolUse("search_logs", {"pattern": "(", "regex": True}), "invalid regular expression"),
        (ToolUse("read_document", {"file": "../../etc/passwd"}), "outside the incident's evidence"),
        (ToolUse("read_document", {"file": "/etc/passwd"}), "outside the incident's evidence"),
        (ToolUse("read_document", {"file": "escape/secret.txt"}), "resolves outside"),
        (ToolUse("read_document", {"file": "nope.md"}), "no evidence file named 'nope.md'"),
    ],
)
async def test_bad_tool_calls_get_an_error_result_and_the_step_goes_on(
    fake_api: FakeMessagesAPI, make_backend, chunks, evidence: Path, tmp_path: Path, block, expected
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET OUTSIDE CONTENT")
    (evidence / "escape").symlink_to(outside)
    fake_api.script(Reply([block], stop_reason="tool_use"), Reply([Text("Carrying on without it.")]))
    result = await make_backend().run_step(request(evidence), chunks)
    assert result.output == "Carrying on without it."
    [tool_result] = fake_api.bodies[1]["messages"][2]["content"]
    assert tool_result["is_error"] is True
    assert expected in tool_result["content"]
    assert "TOP SECRET" not in fake_api.raw_text()
    assert "root:" not in fake_api.raw_text()


async def test_tool_output_is_bounded(fake_api: FakeMessagesAPI, make_backend, chunks, evidence: Path):
    (evidence / "logs" / "big.log").write_text("".join(f"2026-11-23T09:00:00Z ERROR line {i}\n" for i in range(50_000)))
    fake_api.script(
        Reply([ToolUse("search_logs", {"pattern": "ERROR", "file": "logs/big.log", "max_matches": 200})]),
        Reply([Text("Many errors.")]),
    )
    await make_backend().run_step(request(evidence), chunks)
    content = fake_api.bodies[1]["messages"][2]["content"][0]["content"]
    assert content.count("\n") == 200 and content.endswith("bytes]") and "[truncated" in content
    assert len(content) < 30_000


async def test_no_api_key_is_a_clear_step_failure(monkeypatch: pytest.MonkeyPatch, make_backend, chunks):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(StepFailed, match="ANTHROPIC_API_KEY is not set"):
        await make_backend().run_step(request(), chunks)


def test_importing_the_backend_does_not_import_the_sdk():
    code = "import sys, warroom.agents.anthropic_backend, warroom.agents.tools; print('anthropic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert out.stdout.strip() == "False"


async def test_the_fake_server_also_answers_non_streaming_requests(fake_api: FakeMessagesAPI):
    from anthropic import AsyncAnthropic

    fake_api.script(Reply([Text("plain json"), ToolUse("list_alerts", {})], stop_reason="tool_use"))
    client = AsyncAnthropic(max_retries=0)
    message = await client.messages.create(
        model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    await client.close()
    assert message.content[0].text == "plain json" and message.content[1].name == "list_alerts"
    assert message.stop_reason == "tool_use" and message.usage.input_tokens == 100
    assert fake_api.bodies[0].get("stream") in (None, False)


def test_config_object_is_read(monkeypatch):
    from warroom.data.config import AnthropicSettings, Config

    backend = AnthropicBackend(Config(anthropic=AnthropicSettings(model="claude-haiku-4-5", max_budget_usd=2.5, max_retries=4)))
    assert (backend.model, backend.max_budget_usd, backend.retry.max_retries) == ("claude-haiku-4-5", 2.5, 4)
    assert AnthropicBackend().model.startswith("claude-sonnet")
    assert incident().runs == {}
    assert json.loads(json.dumps({"ok": 1}))


async def test_an_answer_cut_at_max_tokens_says_so(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    fake_api.script(Reply([Text("The root cause is")], stop_reason="max_tokens"))
    result = await make_backend(max_tokens=64).run_step(request(), chunks)
    assert result.output == "The root cause is\n\n[the answer reached the 64-token output limit and is cut short]"
    assert fake_api.bodies[0]["max_tokens"] == 64
    assert chunks.text.endswith("cut short]\n")


async def test_each_turn_of_a_tool_loop_caches_the_conversation_so_far(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(
        Reply([ToolUse("list_evidence", {})], stop_reason="tool_use"),
        Reply([ToolUse("list_alerts", {})], stop_reason="tool_use"),
        Reply([Text("done")]),
    )
    await make_backend().run_step(request(evidence), chunks)
    first, second, third = fake_api.bodies
    assert isinstance(first["messages"][0]["content"], str)  # a single-turn request needs only the system breakpoint
    marked = [i for i, m in enumerate(third["messages"]) if "cache_control" in json.dumps(m)]
    assert marked == [len(third["messages"]) - 1]
    assert third["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" in json.dumps(second["messages"][-1])
