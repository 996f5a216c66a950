"""``warroom run --auto`` when the rollback's validation fails: P0, the hold on, nothing more executed.

Also: an auto run on a security incident preserves evidence (the playbook's forensics
gate) before any mitigation, and an auto run under a hold stops at the mitigation gate.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.agents.branches.conftest import ROSTER_TOML
from tests.agents.conftest import FakeClock, ScriptedBackend, declare
from warroom.agents.registry import register_backend
from warroom.agents.runner import run_headless
from warroom.app import cli
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.models import MitigationStrategy, Role, Severity
from warroom.data.store import EventStore


async def _read(db: str, query: Any) -> Any:
    async with await EventStore.open(db) as store:
        return await query(store)


def test_run_auto_with_failed_rollback_validation_ends_p0_on_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text(ROSTER_TOML)
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    register_backend("scripted-rollback-fails", lambda cfg: ScriptedBackend(recommend="rollback", passed=False))
    db = str(tmp_path / "w.db")
    assert cli.main(["new", "Checkout 5xx after deploy", "--severity", "P1", "--service", "checkout", "--no-tui", "--db", db]) == 0
    [incident_id] = asyncio.run(_read(db, lambda store: store.incident_ids()))
    code = cli.main(["run", incident_id, "--backend", "scripted-rollback-fails", "--auto", "--db", db])
    assert code in (0, 3)
    state = asyncio.run(_read(db, lambda store: store.load(incident_id)))
    kinds = [e.kind for e in asyncio.run(_read(db, lambda store: store.events(incident_id)))]
    assert state.severity is Severity.P0
    assert state.hold is not None and state.hold.reason.startswith("rollback failed")
    assert [(m.strategy, m.outcome) for m in state.mitigations] == [(MitigationStrategy.ROLLBACK, "failed")]
    assert kinds.count("mitigation.executed") == 1 and kinds.count("hold.placed") == 1
    assert kinds.index("hold.placed") > kinds.index("mitigation.executed")
    assert state.is_open and state.roles[Role.INCIDENT_COMMANDER]
    assert any(o.gate == "after failed rollback" for o in state.pending_offers)


async def test_auto_run_on_a_security_incident_preserves_evidence_before_mitigating(store: EventStore) -> None:
    clock = FakeClock()
    incident_id = await declare(store, clock, severity="P1", security=True)
    config = parse_config(ROSTER_TOML)
    summary = await run_headless(store, incident_id, playbook="itil", backend=ScriptedBackend(recommend="rollback"),
                                 auto=True, config=config, now=clock, out=lambda line: None, poll_interval=0.02)  # fmt: skip
    state = await store.load(incident_id)
    events = await store.events(incident_id)
    assert summary.outcome == "completed" and "security" in state.branch_marks
    first = {e.kind: e.seq for e in reversed(events)}
    assert first["security.declared"] < first["mitigation.executed"]
    forensics = next(e for e in events if e.kind == "decision.taken" and e.gate == "forensics preservation")
    assert state.evidence_preserved_at == forensics.at and forensics.seq < first["mitigation.executed"]
    assert state.regulatory_started_at is not None and "GDPR" not in state.regulators_notified


async def test_auto_run_under_a_hold_stops_at_the_mitigation_gate(store: EventStore) -> None:
    clock = FakeClock()
    incident_id = await declare(store, clock, severity="P1")
    await store.append(ev.HoldPlaced(incident_id=incident_id, at=clock(), actor="carol", reason="assessment pending"))
    summary = await run_headless(store, incident_id, playbook="itil", backend=ScriptedBackend(recommend="rollback"),
                                 auto=True, config=parse_config(ROSTER_TOML), now=clock, out=lambda line: None,
                                 poll_interval=0.02)  # fmt: skip
    state = await store.load(incident_id)
    assert summary.outcome == "waiting"
    assert state.mitigations == [] and not any(d.gate == "mitigation strategy" for d in state.decisions)
    assert any(g.gate_id.endswith("mitigation_recommendation") for g in summary.gates)
