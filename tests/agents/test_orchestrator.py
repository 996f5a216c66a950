"""The orchestrator on a real store: both playbooks to completion, parallel groups, gates, failures, resume."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from warroom.agents.backend import Emit, StepRequest, StepResult
from warroom.agents.orchestrator import GateError, Orchestrator, StepState
from warroom.data import events as ev
from warroom.data.models import Status
from warroom.data.store import EventStore

from .conftest import FakeClock, ScriptedBackend, declare


def finished_counts(events: list[ev.BaseEvent]) -> Counter[str]:
    runs = {e.run_id: e.step_id for e in events if isinstance(e, ev.AgentStepStarted)}
    return Counter(runs[e.run_id] for e in events if isinstance(e, ev.AgentStepFinished))


async def test_itil_runs_to_completion_auto(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend()
    orch = Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02, operator="alice")
    summary = await orch.run()
    assert summary.outcome == "completed"
    final = summary.incident
    assert final.status is Status.RESOLVED and final.severity.value == "P1" and final.tier == 2
    events = await store.events(incident_id)
    counts = finished_counts(events)
    assert set(counts.values()) == {1} and len(counts) == 20  # every step that ran, ran once
    skipped = {v.step_id for v in summary.steps if v.state is StepState.SKIPPED}
    assert skipped == {"tier3_response", "executive_notification", "security_assessment", "performance_analysis"}
    kinds = [e.kind for e in events]
    assert kinds.count("phase.changed") == 7
    statuses = [e.status for e in events if isinstance(e, ev.StatusChanged)]
    assert statuses == [Status.INVESTIGATING, Status.MITIGATING]
    mitigation = final.mitigations[0]
    assert mitigation.strategy.value == "configuration_change" and mitigation.outcome == "succeeded"
    assert mitigation.validation["latency_p95"] == "180ms"
    assert [a.title for a in final.actions.values()][0] == "Alert on pool saturation" and len(final.actions) == 3
    assert all(d.auto and d.rationale.startswith("auto-decided: ") for d in final.decisions)
    assert final.roles and set(final.roles.values()) == {"alice"}
    assert "auto-decided" in final.severity_reason
    assert kinds.count("agent.output") >= 20
    # Earlier outputs reach the steps that read them.
    tier2 = next(c for c in backend.calls if c.step_id == "tier2_response")
    assert tier2.inputs == ["incident_record", "tier1_response"] and "Tier 2" in tier2.prompt
    # The mitigation recommendation marked the agent's choice, not the playbook's default.
    mitigation_gate = next(d for d in final.decisions if d.gate == "mitigation strategy")
    assert mitigation_gate.recommended == "configuration_change" and mitigation_gate.options[0] == "rollback"
    # Running again repeats nothing.
    again = await Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run()
    assert again.outcome == "completed" and finished_counts(await store.events(incident_id)) == counts


async def test_sre_runs_to_completion_auto(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    orch = Orchestrator(store, incident_id, "sre", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02)
    summary = await orch.run()
    assert summary.outcome == "completed" and summary.incident.status is Status.RESOLVED
    counts = finished_counts(await store.events(incident_id))
    assert len(counts) == 13 and set(counts.values()) == {1}
    assert len(summary.incident.actions) == 3 and summary.incident.updates[0].audience.value == "status_page"


async def test_parallel_groups_run_concurrently(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(delays={"impact_assessment": 0.3, "urgency_assessment": 0.3,
                                      "five_whys": 0.3, "contributing_factors": 0.3})  # fmt: skip
    await Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run()
    calls = {c.step_id: c for c in backend.calls}
    for a, b in (("impact_assessment", "urgency_assessment"), ("five_whys", "contributing_factors")):
        wall = max(calls[a].ended, calls[b].ended) - min(calls[a].started, calls[b].started)
        assert 0.29 <= wall < 0.55, (a, b, wall)  # about the slowest step (0.3 s), not the sum (0.6 s)


async def test_gates_wait_for_a_decision_and_decide_applies_its_effect(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    orch = Orchestrator(store, incident_id, "itil", ScriptedBackend(), now=clock, poll_interval=0.02, stop_at_gates=True, operator="bob")
    summary = await orch.run()
    assert summary.outcome == "waiting"
    [gate] = summary.gates
    assert gate.gate_id == "itil:priority" and gate.kind == "approve" and gate.recommended == "approve"
    assert "P1" in gate.question and "HIGH" in gate.question
    assert [v.state for v in summary.steps if v.step_id == "priority"] == [StepState.NEEDS_DECISION]
    with pytest.raises(GateError, match="not a pending decision"):
        await orch.decide("itil:tier2_response", "approve")
    with pytest.raises(GateError, match="not one of"):
        await orch.decide(gate.gate_id, "maybe")
    decision = await orch.decide(gate.gate_id, "approve", "matches the impact")
    assert decision.actor == "bob" and not decision.auto
    incident = await store.load(incident_id)
    assert incident.severity.value == "P1" and incident.status is Status.TRIAGED
    summary = await orch.run()
    assert [g.gate_id for g in summary.gates] == ["itil:tier2_response"]
    await orch.decide("itil:tier2_response", "decline", "Tier 1 fixed it")
    summary = await orch.run()
    states = {v.step_id: v.state for v in summary.steps}
    assert states["tier2_response"] is StepState.SKIPPED and states["tier3_response"] is StepState.SKIPPED
    assert (await store.load(incident_id)).tier == 1
    assert summary.gates[0].gate_id == "itil:management_notification"


async def test_plan_is_derived_from_the_events_alone(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    first = Orchestrator(store, incident_id, "sre", ScriptedBackend(), now=clock, poll_interval=0.02, stop_at_gates=True)
    await first.run()
    incident = await store.load(incident_id)
    other = Orchestrator(store, incident_id, "sre", ScriptedBackend(), now=clock)
    assert other.plan(incident) == first.plan(incident)
    assert [g.gate_id for g in other.pending_gates(incident)] == ["sre:detection_classification"]


async def test_decision_from_another_process_wakes_the_run(store: EventStore, clock: FakeClock, incident_id: str,
                                                          db_path: Path) -> None:  # fmt: skip
    gates: list[str] = []
    orch = Orchestrator(store, incident_id, "sre", ScriptedBackend(), now=clock, poll_interval=0.02, on_gate=lambda g: gates.append(g.gate_id))
    task = asyncio.create_task(orch.run())
    try:
        for _ in range(200):
            if gates:
                break
            await asyncio.sleep(0.01)
        assert gates == ["sre:detection_classification"]
        code = (
            "import asyncio, sys\n"
            "from tests.agents.conftest import FakeClock, ScriptedBackend\n"
            "from warroom.agents.orchestrator import Orchestrator\n"
            "from warroom.data.store import EventStore\n"
            "async def main():\n"
            "    store = await EventStore.open(sys.argv[1])\n"
            "    orch = Orchestrator(store, sys.argv[2], 'sre', ScriptedBackend(), now=FakeClock(), operator='carol')\n"
            "    await orch.decide('sre:detection_classification', 'approve', 'from another terminal')\n"
            "    await store.close()\n"
            "asyncio.run(main())\n"
        )
        root = Path(__file__).resolve().parents[2]
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", code, str(db_path), incident_id, cwd=root,
                                                     env={**os.environ, "PYTHONPATH": str(root)},
                                                     stderr=asyncio.subprocess.PIPE)  # fmt: skip
        _, err = await child.communicate()
        assert child.returncode == 0, err.decode()
        for _ in range(200):
            if len(gates) > 1:
                break
            await asyncio.sleep(0.01)
        assert gates[1] == "sre:initial_mitigation"
        decision = next(d for d in (await store.load(incident_id)).decisions)
        assert decision.decided_by == "carol" and decision.rationale == "from another terminal"
        assert (await store.load(incident_id)).severity.value == "P1"  # its effect came with it
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_timers_escalate_with_a_fake_clock(store: EventStore, clock: FakeClock) -> None:
    incident_id = await declare(store, clock, severity="P1")
    seen: list[str] = []

    async def answer(gate: Any) -> None:
        seen.append(gate.gate_id)
        if gate.gate_id == "itil:tier2_response":
            clock.advance(minutes=31)  # Tier 2 is due 30 min after detection at P1: the timer enters it
        elif gate.gate_id != "itil:tier3_response":  # left waiting
            await orch.decide(gate.gate_id, gate.recommended)

    orch = Orchestrator(store, incident_id, "itil", ScriptedBackend(), now=clock, poll_interval=0.02, on_gate=answer)
    task = asyncio.create_task(orch.run())
    try:
        for _ in range(300):
            if "itil:tier3_response" in seen:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    events = await store.events(incident_id)
    escalations = [e for e in events if isinstance(e, ev.TierEscalated)]
    assert [(e.tier, e.by_timer) for e in escalations] == [(2, True)]
    assert "still at Tier 1" in escalations[0].reason
    assert not any(d.decision_id == "itil:tier2_response" for d in (await store.load(incident_id)).decisions)
    assert finished_counts(events)["tier2_response"] == 1
    clock.advance(hours=2)
    assert await orch._apply_timers()
    incident = await store.load(incident_id)
    assert incident.tier == 3 and incident.management_notified_at == clock()
    # The timer found the management notification due: nobody was told, so it is drafted, not "notified".
    assert not incident.management_told
    (draft,) = [e for e in await store.events(incident_id) if isinstance(e, ev.NotificationDrafted)]
    assert draft.audience == "management" and "notification due" in draft.subject and incident.incident_id in draft.text
    timer = [e for e in await store.events(incident_id) if isinstance(e, ev.ManagementNotified)][-1]
    assert "nobody has been told" in ev.describe(timer)


async def test_failed_step_lets_the_run_continue_and_can_be_taken_over(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(failures={"tier1_response": 1})
    orch = Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02)
    summary = await orch.run()
    assert summary.outcome == "completed"
    states = {v.step_id: v.state for v in summary.steps}
    assert states["tier1_response"] is StepState.FAILED
    failed = [e for e in await store.events(incident_id) if isinstance(e, ev.AgentStepFailed)]
    assert len(failed) == 1 and "scripted failure" in failed[0].error and not failed[0].interrupted
    with pytest.raises(GateError, match="only a failed or interrupted"):
        await orch.rerun("incident_record")
    takeover = ScriptedBackend()
    takeover.name = "offline"
    await orch.rerun("tier1_response", backend=takeover)
    incident = await store.load(incident_id)
    states = {v.step_id: v.state for v in orch.plan(incident)}
    assert states["tier1_response"] is StepState.DONE
    assert incident.runs["tier1_response-2"].backend == "offline"


async def test_required_step_failure_stops_the_run_until_rerun(store: EventStore, clock: FakeClock, incident_id: str, tmp_path: Any) -> None:
    from tests.agents.test_playbook import MINIMAL
    from warroom.agents.playbook import parse_playbook

    playbook = parse_playbook(MINIMAL.replace('reads = ["record"]', 'reads = ["record"]\nrequired = true'), "req.toml")
    backend = ScriptedBackend(failures={"alert": 1})
    orch = Orchestrator(store, incident_id, playbook, backend, now=clock, poll_interval=0.02)
    summary = await orch.run()
    assert summary.outcome == "failed"
    await orch.rerun("alert")
    assert (await orch.run()).outcome == "completed"


async def test_cancelled_run_resumes_without_repeating(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(delays={"tier1_response": 5})
    orch = Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02)
    task = asyncio.create_task(orch.run())
    for _ in range(300):
        if any(c.step_id == "tier1_response" for c in backend.calls):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    events = await store.events(incident_id)
    assert [e.reason for e in events if isinstance(e, ev.AgentStepCancelled)] == ["the run was stopped"]
    before = finished_counts(events)
    resumed = ScriptedBackend()
    summary = await Orchestrator(store, incident_id, "itil", resumed, now=clock, auto=True, poll_interval=0.02).run()
    assert summary.outcome == "completed"
    assert resumed.calls[0].step_id == "tier1_response"
    assert not {c.step_id for c in resumed.calls} & set(before)
    assert set(finished_counts(await store.events(incident_id)).values()) == {1}


async def test_stale_running_step_is_marked_interrupted_and_rerun(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    await store.append(ev.AgentStepStarted(incident_id=incident_id, at=clock(), run_id="incident_record-1",
                                           step_id="incident_record", backend="dead"))  # fmt: skip
    summary = await Orchestrator(store, incident_id, "itil", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02).run()
    assert summary.outcome == "completed"
    incident = summary.incident
    assert incident.runs["incident_record-1"].state.value == "interrupted"
    assert incident.runs["incident_record-2"].state.value == "finished"


async def test_failed_validation_keeps_the_incident_open(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    summary = await Orchestrator(store, incident_id, "itil", ScriptedBackend(passed=False), now=clock, auto=True,
                                 poll_interval=0.02).run()  # fmt: skip
    incident = summary.incident
    assert incident.status is Status.MITIGATING and incident.mitigations[0].outcome == "failed"
    assert next(d for d in incident.decisions if d.gate == "resolution").choice == "decline"
    states = {v.step_id: v.state for v in summary.steps}
    assert states["post_incident_review"] is StepState.SKIPPED and states["resolution_communication"] is StepState.SKIPPED


class ChattyBackend(ScriptedBackend):
    """Streams many tiny chunks, then answers with hostile or oversized content."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        if request.step_id == "incident_record":
            for i in range(400):
                await emit(f"w{i} ")
            return StepResult(output="x" * 300_000)
        if request.step_id == "initial_alert":
            raise RuntimeError("backend bug \x1b[31m")
        return await super().run_step(request, emit)


async def test_hostile_backend_output(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ChattyBackend(structured={"priority": {"impact": "HUGE", "severity": "P9"}})
    summary = await Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run()
    assert summary.outcome == "completed"
    events = await store.events(incident_id)
    outputs = [e for e in events if isinstance(e, ev.AgentStepOutput) and e.run_id == "incident_record-1"]
    assert 1 <= len(outputs) <= 10 and "".join(o.text for o in outputs) == "".join(f"w{i} " for i in range(400))
    incident = summary.incident
    assert len(incident.runs["incident_record-1"].output) == ev.MAX_TEXT
    assert incident.runs["initial_alert-1"].state.value == "failed" and "RuntimeError" in incident.runs["initial_alert-1"].error
    notes = [e.text for e in events if isinstance(e, ev.NoteAdded)]
    assert any("not valid and is ignored" in n for n in notes)
    assert not any(d.gate == "severity" for d in incident.decisions) and incident.severity.value == "P2"


async def test_hostile_user_template_fails_the_step_not_the_run(store: EventStore, clock: FakeClock, incident_id: str, tmp_path: Any) -> None:
    from tests.agents.test_playbook import MINIMAL
    from warroom.agents.playbook import load_playbook

    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "evil.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    (tmp_path / "evil.toml").write_text(MINIMAL.replace('"itil/initial_alert.j2"', '"evil.j2"'))
    backend = ScriptedBackend()
    summary = await Orchestrator(store, incident_id, load_playbook(tmp_path / "evil.toml"), backend, now=clock,
                                 poll_interval=0.02).run()  # fmt: skip
    assert summary.outcome == "completed" and [c.step_id for c in backend.calls] == ["record"]
    run = summary.incident.runs["alert-1"]
    assert run.state.value == "failed" and "evil.j2 failed" in run.error and "unsafe" in run.error


async def test_running_a_closed_incident_is_refused(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    from warroom.agents.runner import run_headless

    await store.append_many([ev.IncidentResolved(incident_id=incident_id, at=clock()),
                             ev.IncidentClosed(incident_id=incident_id, at=clock())])  # fmt: skip
    with pytest.raises(ValueError, match="is closed"):
        await run_headless(store, incident_id, backend=ScriptedBackend(), now=clock, out=lambda line: None)


async def test_resolved_incident_runs_the_rest_without_reopening(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    await store.append(ev.IncidentResolved(incident_id=incident_id, at=clock(), resolution="fixed by hand"))
    summary = await Orchestrator(store, incident_id, "itil", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02).run()
    assert summary.outcome == "completed" and summary.incident.status is Status.RESOLVED
    assert summary.incident.severity.value == "P2"  # a severity proposal does not change a resolved incident
    assert {v.step_id for v in summary.steps if v.state is StepState.DONE} >= {"post_incident_review", "preventive_actions"}


async def test_unverified_validation_records_a_note_not_a_failed_mitigation(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(structured={"validation": {"passed": None, "checks": {"error_rate": {"latest": 0.23}}}})
    summary = await Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run()
    incident = summary.incident
    assert incident.mitigations == [] and incident.status is Status.MITIGATING
    resolution = next(d for d in incident.decisions if d.gate == "resolution")
    assert resolution.choice == "decline" and "could not verify" in resolution.rationale
    notes = [e.text for e in await store.events(incident_id) if isinstance(e, ev.NoteAdded)]
    assert any("could not be verified" in n for n in notes)


async def test_auto_run_waits_when_the_fold_refuses_the_mitigation_decision(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    await store.append(ev.HoldPlaced(incident_id=incident_id, at=clock(), reason="rollback failed: no further changes"))
    summary = await Orchestrator(store, incident_id, "itil", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02).run()
    assert summary.outcome == "waiting" and "hold on" in summary.reason
    assert [g.gate_id for g in summary.gates] == ["itil:mitigation_recommendation"]
    assert not any(d.gate == "mitigation strategy" for d in summary.incident.decisions)


@pytest.mark.parametrize(("template", "said"), [
    ("{{ 1/0 }}\n", "raised ZeroDivisionError"),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}\n", "recursed too deep"),
    ("{% include 'evil.j2' %}\n", "recursed too deep"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n", "took longer than"),
    ("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}\n", "rendered more than"),
])  # fmt: skip
async def test_a_template_that_raises_loops_or_floods_fails_its_step_saying_which(
    store: EventStore, clock: FakeClock, incident_id: str, tmp_path: Any, template: str, said: str
) -> None:
    from tests.agents.test_playbook import MINIMAL
    from warroom.agents.playbook import load_playbook

    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "evil.j2").write_text(template)
    (tmp_path / "evil.toml").write_text(MINIMAL.replace('"itil/initial_alert.j2"', '"evil.j2"'))
    started = time.monotonic()
    summary = await Orchestrator(store, incident_id, load_playbook(tmp_path / "evil.toml"), ScriptedBackend(),
                                 now=clock, poll_interval=0.02).run()  # fmt: skip
    assert time.monotonic() - started < 20
    run = summary.incident.runs["alert-1"]
    assert run.state.value == "failed" and "step alert: the template evil.j2 failed" in run.error, run.error
    assert said in run.error and "Traceback" not in run.error
