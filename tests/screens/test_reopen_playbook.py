"""Quit the war room at the mitigation gate and reopen it the way an engineer would: the playbook and its
analysis come back from the events (``warroom open ID`` with no ``--playbook``, and Enter on the list)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.screens.helpers import events_of, until, war_room_loaded
from warroom.app.cli import main
from warroom.app.commands.tui import build_app
from warroom.data.store import EventStore
from warroom.screens.incident_list import IncidentListScreen
from warroom.screens.modals import GateModal, MitigationModal
from warroom.screens.war_room import WarRoomScreen


async def _demo(tmp_path: Path) -> tuple[argparse.Namespace, str]:
    import shutil

    from warroom.agents.offline.demo.incident import create_demo_incident

    if shutil.which("git") is None:
        pytest.skip("the demo incident needs git")
    db = tmp_path / "demo.db"
    store = await EventStore.open(db)
    try:
        demo = await create_demo_incident(store, db, now=datetime.now(timezone.utc), actor="alice")
    finally:
        await store.close()
    args = argparse.Namespace(db=str(db), config=str(tmp_path / "none.toml"), actor="alice",
                              export_dir=str(tmp_path / "out"))  # fmt: skip
    return args, demo.incident_id


def _gates(screen: Any) -> list[Any]:
    if screen.orchestrator is None or screen.state is None:
        return []
    return list(screen.orchestrator.pending_gates(screen.state))


async def test_quit_at_the_mitigation_gate_and_reopen_from_the_list(tmp_path: Path) -> None:
    args, incident_id = await _demo(tmp_path)
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    first = build_app(args, lambda: WarRoomScreen(incident_id), playbook="itil")
    async with first.run_test(size=(160, 48)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        for _ in range(30):  # the gates before the mitigation one take their recommendation
            await until(pilot, lambda: bool(_gates(screen)), timeout=60)
            gate = _gates(screen)[0]
            if gate.step_id == "mitigation_recommendation":
                break
            await screen.orchestrator.decide(gate.gate_id, gate.recommended, "taken in the test")
            await until(pilot, lambda g=gate: all(p.gate_id != g.gate_id for p in _gates(screen)))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(pilot.app.screen, MitigationModal))
        await pilot.press("tab", *"redeploy v2.40.3", "ctrl+s")
        await until(pilot, lambda: any(d.decision_id == gate.gate_id for d in screen.state.decisions))
        await pilot.press("q")  # quit right after the mitigation choice
    assert first.return_value == 0

    second = build_app(args, IncidentListScreen)  # `warroom`, then Enter: no --playbook anywhere
    async with second.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: incident_id in getattr(pilot.app.screen, "open_ids", []), timeout=20)
        await pilot.press("enter")
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        await until(pilot, lambda: screen.orchestrator is not None, timeout=30)
        assert screen.orchestrator.playbook.name == "itil"
        await until(pilot, lambda: bool(_gates(screen)), timeout=60)  # execution and validation ran, resolve waits
        gate = _gates(screen)[0]
        assert gate.gate_id == "itil:validation"
        await pilot.press("g")
        await until(pilot, lambda: isinstance(pilot.app.screen, GateModal))
        await pilot.press("escape")
    finished = {e.run_id: e for e in await events_of(Path(args.db), incident_id, "agent.finished")}
    started = {e.run_id: e.step_id for e in await events_of(Path(args.db), incident_id, "agent.started")}
    after = [e for run, e in finished.items() if started[run] in ("mitigation_execution", "validation")]
    assert len(after) == 2
    for event in after:  # the analysis survived the quit: they name the guilty change, not "no cause"
        assert "does not establish a cause" not in event.output
    assert "rollback" in after[0].output.lower()


def test_open_with_another_playbook_is_refused_in_one_sentence(tmp_path: Path, capsys: Any) -> None:
    import asyncio

    args, incident_id = asyncio.run(_demo(tmp_path))
    assert main(["run", incident_id, "--db", args.db, "--playbook", "sre"]) == 3  # started with sre, waits at a gate
    capsys.readouterr()
    assert main(["open", incident_id, "--db", args.db, "--playbook", "itil"]) == 2
    err = capsys.readouterr().err
    assert err == (f"warroom: {incident_id} was started with the sre playbook; it cannot be run with itil "
                   f"(leave out --playbook to carry on with sre)\n")  # fmt: skip
