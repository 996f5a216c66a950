"""Guidance steers the run: which steps, which gates, which escalations, and the timeline says so."""

from __future__ import annotations

import pytest

from warroom.agents.guidance import keywords, steer
from warroom.agents.orchestrator import Orchestrator
from warroom.agents.playbook import load_playbook
from warroom.data.store import EventStore

from .conftest import FakeClock, ScriptedBackend, declare


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Security incident suspected, preserve forensics before mitigation", {"security"}),
        ("Performance degradation, focus on database query optimization", {"performance"}),
        ("Payment processing down, revenue impact critical", {"revenue"}),
        ("Tight SLA window, prioritize fast rollback over investigation", {"tight sla", "rollback"}),
        ("customer data loss confirmed", {"data loss"}),
        ("possible breach of the admin API", {"breach"}),
        ("no data loss, not a security issue", set()),
        ("SLA breach imminent", set()),
        ("", set()),
    ],
)
def test_keywords(text: str, expected: set[str]) -> None:
    assert keywords(text) == expected


async def _incident(store: EventStore, clock: FakeClock, guidance: str, **fields: object):  # type: ignore[no-untyped-def]
    incident_id = await declare(store, clock, guidance=guidance, **fields)
    return await store.load(incident_id)


async def test_security_moves_the_assessment_before_any_mitigation_with_a_forensics_gate(store: EventStore, clock: FakeClock) -> None:
    incident = await _incident(store, clock, "security incident suspected")
    shaped = steer(load_playbook("sre"), incident)
    ids = [s.id for s in shaped.playbook.steps]
    assert ids.index("security_assessment") < ids.index("initial_mitigation")
    moved = shaped.playbook.step("security_assessment")
    assert moved.phase == "detection_triage" and moved.gate is not None and "forensic" in moved.gate.question.lower()
    assert any("forensics" in c for c in shaped.changes)
    plain = steer(load_playbook("sre"), await _incident(store, clock, ""))
    assert plain.playbook.step("security_assessment").gate is None


async def test_rollback_first_and_tight_sla(store: EventStore, clock: FakeClock) -> None:
    incident = await _incident(store, clock, "tight SLA")
    gate = steer(load_playbook("sre"), incident).playbook.step("initial_mitigation").gate
    assert gate is not None and gate.options[0] == "rollback"
    itil = steer(load_playbook("itil"), await _incident(store, clock, "prefer a fast roll-back"))
    assert itil.playbook.step("mitigation_recommendation").gate.options[0] == "rollback"  # type: ignore[union-attr]


async def test_guidance_effects_land_on_the_timeline(store: EventStore, clock: FakeClock) -> None:
    incident = await _incident(store, clock, "revenue impact; customer data loss; performance regression; security")
    orch = Orchestrator(store, incident.incident_id, "itil", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02)
    summary = await orch.run()
    final = summary.incident
    assert final.management_notified_at == clock() and final.executive_notified_at == clock()
    events = await store.events(incident.incident_id)
    notes = [e.text for e in events if e.kind == "note.added"]
    assert any(n.startswith("Guidance applied") and "forensics" in n and "performance analysis included" in n for n in notes)
    steps = {v.step_id: v.state.value for v in summary.steps}
    assert steps["security_assessment"] == "done" and steps["performance_analysis"] == "done"
    assert steps["executive_notification"] == "done"
    forensics = [d for d in final.decisions if d.gate == "forensics preservation"]
    assert forensics and forensics[0].choice == "evidence preserved" and forensics[0].auto
    seqs = {e.kind + ":" + getattr(e, "gate", ""): e.seq for e in events if e.kind == "decision.taken"}
    assert seqs["decision.taken:forensics preservation"] < seqs["decision.taken:mitigation strategy"]
    # The executive notification drafted later is published as an executive update, not a second notification.
    assert any(u.audience.value == "executive" for u in final.updates)


async def test_without_guidance_no_security_or_performance_steps(store: EventStore, clock: FakeClock) -> None:
    incident = await _incident(store, clock, "")
    orch = Orchestrator(store, incident.incident_id, "itil", ScriptedBackend(), now=clock, auto=True, poll_interval=0.02)
    summary = await orch.run()
    steps = {v.step_id: v.state.value for v in summary.steps}
    assert steps["security_assessment"] == "skipped" and steps["performance_analysis"] == "skipped"
    assert not [e for e in await store.events(incident.incident_id) if e.kind == "note.added"]


async def test_breach_or_data_loss_is_treated_as_security(store: EventStore, clock: FakeClock) -> None:
    from warroom.agents.guidance import active_keywords

    assert "security" in active_keywords(await _incident(store, clock, "customer data loss confirmed"))
    assert "security" in active_keywords(await _incident(store, clock, "", incident_type="data loss"))
    assert "security" not in active_keywords(await _incident(store, clock, "SLA breach imminent"))
    shaped = steer(load_playbook("itil"), await _incident(store, clock, "possible breach"))
    assert shaped.playbook.step("security_assessment").gate is not None
