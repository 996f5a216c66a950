"""Both playbooks run headless with the Claude backend against the fake Messages API: a well-behaved stand-in
completes them; every stray behaviour (stand_in.BEHAVIOURS) completes them or fails its steps cleanly."""

from __future__ import annotations

from pathlib import Path
import pytest

from tests.agents.claude.fake_messages_api import FakeMessagesAPI
from tests.agents.claude.stand_in import BEHAVIOURS, StandIn
from tests.agents.conftest import FakeClock, declare
from warroom.agents.runner import run_headless
from warroom.data.store import EventStore

claude = StandIn("tool")


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


STRUCTURED_STEPS = {"itil": {"priority", "five_whys", "mitigation_recommendation", "validation", "preventive_actions"},
                    "sre": {"detection_classification", "initial_mitigation", "deep_debugging", "deployment_validation",
                            "system_hardening"}}


@pytest.mark.parametrize("playbook", ["itil", "sre"])
@pytest.mark.parametrize("behaviour", [b for b in BEHAVIOURS if b != "tool"])
async def test_every_stray_behaviour_completes_the_playbook_or_fails_its_steps_cleanly(
    store: EventStore, fake_api: FakeMessagesAPI, make_backend, evidence: Path, playbook: str, behaviour: str
):
    clock = FakeClock()
    incident_id = await declare(store, clock)
    fake_api.responder = StandIn(behaviour)
    lines: list[str] = []
    backend = make_backend(structured_output="json_schema" if behaviour == "json_schema" else "tool")
    summary = await run_headless(store, incident_id, playbook=playbook, backend=backend, auto=True, now=clock,
                                 out=lines.append, evidence_root=evidence, interactive=False, poll_interval=0.01)
    await backend.aclose()
    runs = list(summary.incident.runs.values())
    failed = [run for run in runs if run.state.value == "failed"]
    log = "\n".join(lines + [f"{r.step_id}: {r.error}" for r in failed])
    assert runs and all(run.state.value in ("finished", "failed") for run in runs), log
    assert summary.outcome in ("completed", "failed"), log
    for run in failed:  # a clean failure: the backend's one sentence, and only where a structured answer was due
        assert run.error.startswith("Claude") and "Traceback" not in run.error, log
        assert run.step_id in STRUCTURED_STEPS[playbook] and run.structured is None, log
    if behaviour in ("prose_always", "refusal"):
        assert failed, log
        for run in failed:
            if behaviour == "refusal":
                assert "declined the step (stop_reason refusal); its last text: \"I can't help with that.\"" in run.error
            else:
                assert "not valid after one corrective retry: no structured answer was given" in run.error
                assert "its last text: '" in run.error and "the pool is exhausted" in run.error
        if behaviour == "prose_always":  # the corrective retry forced the record tool
            assert any((b.get("tool_choice") or {}).get("type") == "tool" for b in fake_api.bodies)
        return
    assert summary.outcome == "completed" and not failed, log
    structured = {run.step_id for run in runs if run.structured}
    assert STRUCTURED_STEPS[playbook] <= structured, sorted(structured)
    assert summary.incident.resolved_at is not None
