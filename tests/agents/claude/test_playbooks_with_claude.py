"""Both playbooks run headless to completion with the Claude backend against the fake Messages API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agents.claude.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse
from tests.agents.conftest import FakeClock, declare
from warroom.agents.runner import run_headless
from warroom.data.store import EventStore

ANSWERS: dict[str, dict[str, Any]] = {
    "record_severity_proposal": {"impact": "HIGH", "urgency": "HIGH", "severity": "P1",
                                 "impact_reasons": ["checkout down"], "urgency_reasons": ["revenue"]},
    "record_mitigation_recommendation": {"recommended": "rollback", "rationale": "the 08:55 deploy lowered the pool",
                                         "ranking": ["rollback", "configuration_change"]},
    "record_five_whys": {"problem": "checkout 502s", "whys": [{"question": "why 502?", "answer": "pool exhausted"}],
                         "root_cause": "pool lowered from 50 to 10"},
    "record_action_items": {"actions": [{"title": "Alert on pool saturation", "horizon": "immediate"}]},
    "record_validation_verdict": {"passed": True, "error_rate": "0.2% (baseline 0.3%)", "latency_p95": "180 ms"},
}


def claude(body: dict[str, Any]) -> Reply:
    """A stand-in for Claude: looks at the logs once, then answers (with the structured tool when offered)."""
    tools = {t["name"] for t in body.get("tools", [])}
    answer_tool = next((name for name in tools if name.startswith("record_")), None)
    title = body["messages"][0]["content"].splitlines()[0].lstrip("# ")
    if len(body["messages"]) == 1 and "search_logs" in tools:
        return Reply([Text(f"Checking the logs for {title}."), ToolUse("search_logs", {"pattern": "ERROR"})],
                     stop_reason="tool_use", input_tokens=900, cache_read=2000)
    if answer_tool:
        return Reply([Text(f"{title}: answer recorded."), ToolUse(answer_tool, ANSWERS[answer_tool])],
                     stop_reason="tool_use")
    return Reply([Text(f"{title}: the db pool is exhausted since 09:00 (logs/app.log:2).")])


@pytest.mark.parametrize("playbook", ["itil", "sre"])
async def test_playbook_completes_with_every_output_on_the_timeline(
    store: EventStore, fake_api: FakeMessagesAPI, make_backend, evidence: Path, playbook: str
):
    clock = FakeClock()
    incident_id = await declare(store, clock)
    fake_api.responder = claude
    lines: list[str] = []
    backend = make_backend()
    summary = await run_headless(store, incident_id, playbook=playbook, backend=backend, auto=True, now=clock,
                                 out=lines.append, evidence_root=evidence, interactive=False, poll_interval=0.01)
    assert summary.outcome == "completed", "\n".join(lines)
    runs = summary.incident.runs.values()
    assert runs and {run.state.value for run in runs} == {"finished"}
    assert all(run.output for run in runs)
    assert any("db pool is exhausted" in run.output for run in runs)
    assert all(run.model == "claude-sonnet-4-6" and run.cost_usd > 0 for run in runs if run.state.value == "finished")
    structured = {run.step_id: run.structured for run in runs if run.structured}
    assert any(s.get("severity") == "P1" for s in structured.values())
    assert any(s.get("recommended") == "rollback" for s in structured.values())
    assert summary.incident.mitigations and summary.incident.mitigations[-1].outcome == "succeeded"
    assert summary.incident.resolved_at is not None
    # every request carried the cached system block
    assert all(body["system"][0]["cache_control"] == {"type": "ephemeral"} for body in fake_api.bodies)
    await backend.aclose()


def test_warroom_run_auto_with_the_anthropic_backend_through_the_cli(fake_api: FakeMessagesAPI, tmp_path: Path):
    """``warroom run ID --auto --backend anthropic`` in a real subprocess, the SDK talking to the fake API."""
    import os
    import subprocess
    import sys

    fake_api.responder = claude
    env = {**os.environ, "WARROOM_DB": str(tmp_path / "cli.db")}
    warroom = [sys.executable, "-m", "warroom"]
    new = subprocess.run([*warroom, "new", "Checkout 502s", "--severity", "P1", "--no-tui"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert new.returncode == 0, new.stderr
    incident_id = new.stdout.strip().split()[-1]
    run = subprocess.run([*warroom, "run", incident_id, "--auto", "--backend", "anthropic"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "❌" not in run.stdout and "Traceback" not in run.stderr
    assert len(fake_api.requests) >= 10
    assert all(r.headers["authorization"] == f"Bearer {os.environ['ANTHROPIC_API_KEY']}" for r in fake_api.requests)
    show = subprocess.run([*warroom, "show", incident_id], capture_output=True, text=True, env=env, timeout=60)
    assert show.returncode == 0
