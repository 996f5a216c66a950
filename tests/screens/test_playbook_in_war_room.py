"""The war room drives the real orchestrator (itil playbook, offline investigator): gates are answered with g."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screens.helpers import events_of, until, war_room_loaded
from tests.screens.seeding import NOW, fixed_now
from warroom.agents.orchestrator import Orchestrator
from warroom.agents.registry import get_backend
from warroom.app.app import WarroomApp
from warroom.data.store import EventStore
from warroom.screens.modals import GateModal
from warroom.screens.war_room import WarRoomScreen


async def _demo_war_room(tmp_path: Path) -> tuple[WarroomApp, Path, Any]:
    """The demo incident in a war room whose itil playbook runs on the offline investigator."""
    from warroom.agents.offline.demo.incident import create_demo_incident

    db = tmp_path / "demo.db"
    store = await EventStore.open(db)
    demo = await create_demo_incident(store, db, now=NOW, actor="alice", say=lambda line: None)
    await store.close()

    def factory(app_store: Any, incident_id: str) -> Orchestrator:
        return Orchestrator(app_store, incident_id, "itil", get_backend("offline"), now=fixed_now,
                            evidence_root=demo.evidence_root, operator="alice", poll_interval=0.05)  # fmt: skip

    app = WarroomApp(db, lambda: WarRoomScreen(demo.incident_id), actor="alice", now=fixed_now,
                     export_dir=tmp_path / "out", orchestrator_factory=factory)  # fmt: skip
    return app, db, demo


async def test_gate_answered_from_the_keyboard(tmp_path: Path) -> None:
    app, db, demo = await _demo_war_room(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        await until(pilot, lambda: screen.orchestrator is not None and screen.state is not None
                    and bool(screen.orchestrator.pending_gates(screen.state)), timeout=60)  # fmt: skip
        gate = screen.orchestrator.pending_gates(screen.state)[0]
        await pilot.press("g")
        await until(pilot, lambda: isinstance(pilot.app.screen, GateModal))
        await pilot.press("ctrl+s")  # the recommendation is highlighted: no rationale needed
        for _ in range(200):
            decisions = [d for d in await events_of(db, demo.incident_id, "decision.taken") if d.decision_id == gate.gate_id]
            if decisions:
                break
            await pilot.pause(0.05)
        assert decisions and decisions[0].choice == gate.recommended and decisions[0].actor == "alice"
        assert any(s.state == "done" for s in screen.orchestrator.plan(screen.state))


async def test_m_answers_the_playbooks_pending_mitigation_gate(tmp_path: Path) -> None:
    """With the mitigation gate waiting, the m modal's choice decides that gate (not a free-standing decision)."""
    from warroom.screens.modals import MitigationModal

    app, db, demo = await _demo_war_room(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        for _ in range(30):  # the gates before the mitigation one take their recommendation
            await until(pilot, lambda: screen.orchestrator is not None and screen.state is not None
                        and bool(screen.orchestrator.pending_gates(screen.state)), timeout=60)  # fmt: skip
            gate = screen.orchestrator.pending_gates(screen.state)[0]
            if "mitigation" in gate.gate_id:
                break
            await screen.orchestrator.decide(gate.gate_id, gate.recommended, "taken in the test")
            await until(pilot, lambda g=gate: all(p.gate_id != g.gate_id for p in screen.orchestrator.pending_gates(screen.state)))
        assert "mitigation" in gate.gate_id
        await pilot.press("m")
        await until(pilot, lambda: isinstance(pilot.app.screen, MitigationModal))
        await pilot.press("tab", *"redeploy v2.40.3", "ctrl+s")  # rollback (the first option) with its plan
        for _ in range(200):
            decisions = [d for d in await events_of(db, demo.incident_id, "decision.taken") if d.decision_id == gate.gate_id]
            if decisions:
                break
            await pilot.pause(0.05)
        assert decisions and decisions[0].choice == "rollback" and decisions[0].actor == "alice"
        assert "rollback plan: redeploy v2.40.3" in decisions[0].rationale
