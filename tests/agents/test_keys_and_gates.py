"""Keys and gates in step: a decision taken by key (or command) answers the playbook's gate for the same
decision, in the same transaction, and a gate is never asked for what was already done.

Real store on disk, the real itil playbook and orchestrator, the scripted backend. :class:`Decider` is
what the war room's keys and the ``warroom`` decision commands call.
"""

from __future__ import annotations

from typing import Any

from tests.agents.conftest import FakeClock, ScriptedBackend
from warroom.agents.decide import Decider
from warroom.agents.orchestrator import Orchestrator
from warroom.data import events as ev
from warroom.data.models import Audience, Level, MitigationStrategy, Severity, Status
from warroom.data.store import EventStore


async def _to_gate(orch: Orchestrator, store: EventStore, incident_id: str, step_id: str) -> Any:
    """Run, taking each gate's recommendation, until ``step_id``'s gate is the one waiting."""
    for _ in range(30):
        summary = await orch.run()
        assert summary.outcome == "waiting", summary.reason
        gates = orch.pending_gates(await store.load(incident_id))
        if gates[0].step_id == step_id:
            return gates[0]
        await orch.decide(gates[0].gate_id, gates[0].recommended, "taken in the test")
    raise AssertionError(f"never reached {step_id}")


def _decisions(events: list[ev.BaseEvent], gate_id: str) -> list[ev.DecisionTaken]:
    return [e for e in events if isinstance(e, ev.DecisionTaken) and e.decision_id == gate_id]


async def test_keys_answer_the_waiting_gates(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    orch = Orchestrator(store, incident_id, "itil", ScriptedBackend(severity="P0", impact="HIGH", urgency="HIGH"),
                        now=clock, poll_interval=0.01, stop_at_gates=True, operator="alice")  # fmt: skip
    keys = Decider(store, incident_id, "alice", clock)

    gate = await _to_gate(orch, store, incident_id, "priority")  # "Set the priority to P0?"
    await keys.severity(Severity.P1, Level.HIGH, Level.MEDIUM, "only EU checkout", "with the s key")
    events = await store.events(incident_id)
    (decision,) = _decisions(events, gate.gate_id)
    assert decision.choice == "decline" and decision.actor == "alice"  # P1 was chosen, not the proposed P0
    assert decision.rationale.startswith("severity set to P1 (impact HIGH, urgency MEDIUM) with the s key by alice")
    assert [e.severity for e in events if isinstance(e, ev.SeveritySet)] == [Severity.P1]  # one severity, the human's
    assert all(g.gate_id != gate.gate_id for g in orch.pending_gates(await store.load(incident_id)))

    gate = await _to_gate(orch, store, incident_id, "management_notification")
    draft = orch.plan(await store.load(incident_id))  # the draft is the step's output
    await keys.escalate("management", "per the matrix", "with the e key")
    events = await store.events(incident_id)
    (decision,) = _decisions(events, gate.gate_id)
    assert decision.choice == "approve" and "with the e key by alice" in decision.rationale
    (notified,) = [e for e in events if isinstance(e, ev.ManagementNotified)]
    run = next(r for r in (await store.load(incident_id)).runs.values() if r.step_id == "management_notification")
    assert notified.message == run.output.strip() and notified.message  # what was sent is the draft, on record
    assert draft

    gate = await _to_gate(orch, store, incident_id, "status_page_update")
    await keys.publish(Audience.STATUS_PAGE, "We are investigating checkout errors. Next update by 09:45 UTC.",
                       "with the u key")  # fmt: skip
    events = await store.events(incident_id)
    (decision,) = _decisions(events, gate.gate_id)
    assert decision.choice == "approve" and decision.rationale == "published with the u key by alice (edited)"
    published = [e for e in events if isinstance(e, ev.StatusUpdatePublished) and e.audience is Audience.STATUS_PAGE]
    assert [p.text for p in published] == ["We are investigating checkout errors. Next update by 09:45 UTC."]

    gate = await _to_gate(orch, store, incident_id, "mitigation_recommendation")
    try:
        await keys.mitigate(MitigationStrategy.ROLLBACK, "", "with the m key")
        raise AssertionError("a rollback without its plan was accepted")
    except ValueError as exc:
        assert "rollback plan" in str(exc)
    await keys.mitigate(MitigationStrategy.ROLLBACK, "redeploy v2.40.3", "with the m key")
    incident = await store.load(incident_id)
    (decision,) = _decisions(await store.events(incident_id), gate.gate_id)
    assert decision.choice == "rollback" and "rollback plan: redeploy v2.40.3" in decision.rationale
    assert incident.status is Status.MITIGATING

    gate = await _to_gate(orch, store, incident_id, "validation")  # "Mark the incident RESOLVED?"
    await keys.resolve("rolled back to v2.40.3", {"error_rate": "0.1%", "latency": "p95 180ms"}, "with the x key")
    events = await store.events(incident_id)
    (decision,) = _decisions(events, gate.gate_id)
    assert decision.choice == "approve" and decision.rationale.startswith("resolved with the x key by alice")
    assert sum(isinstance(e, ev.IncidentResolved) for e in events) == 1


async def test_a_gate_is_never_asked_for_what_was_already_done(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    orch = Orchestrator(store, incident_id, "itil", ScriptedBackend(severity="P0", impact="HIGH", urgency="HIGH"),
                        now=clock, poll_interval=0.01, stop_at_gates=True, operator="alice")  # fmt: skip
    keys = Decider(store, incident_id, "alice", clock)
    await _to_gate(orch, store, incident_id, "tier2_response")
    clock.advance(minutes=1)
    await keys.escalate("tier3", "architecture needed now", "with warroom escalate")  # before its gate is asked
    await keys.escalate("executive", "board must know", "with warroom escalate")
    await _to_gate(orch, store, incident_id, "management_notification")  # the tier 2 and tier 3 gates were not asked
    events = await store.events(incident_id)
    assert not _decisions(events, "itil:tier2_response") and not _decisions(events, "itil:tier3_response")
    assert [e.tier for e in events if isinstance(e, ev.TierEscalated)] == [3]
    await orch.decide("itil:management_notification", "approve", "send it")
    summary = await orch.run()
    (executive,) = _decisions(await store.events(incident_id), "itil:executive_notification")
    assert executive.rationale.startswith("already done: the executive notified")
    assert all(g.step_id != "executive_notification" for g in summary.gates)
    notified = [e for e in await store.events(incident_id) if isinstance(e, ev.ExecutiveNotified)]
    assert len(notified) == 1 and "board must know" in notified[0].message  # sent with a message, on record


async def test_acknowledging_twice_records_one_acknowledgement(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    keys = Decider(store, incident_id, "alice", clock)
    first = await keys.acknowledge()
    assert [e.kind for e in first] == ["incident.acknowledged", "role.assigned"]
    assert await keys.acknowledge() == []
    assert await keys.assign(first[1].role, "alice") == []  # already hers
