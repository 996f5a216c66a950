"""Stop at every gate of both playbooks, reopen from the database alone, finish: the record is the same.

The demo incident (real logs, metrics, alerts, a git repository) runs on the offline
investigator. The uninterrupted run answers each gate in the same orchestrator; the
interrupted one stops at every gate, closes the database, and reopens it the way
``warroom open ID`` / ``warroom run ID`` do (no playbook named, no evidence folder
given: both come from the events and the database's location). The clock is fixed, so
"the same apart from times" is byte-identical.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.screens.seeding import NOW, fixed_now
from warroom.agents.offline.demo.incident import create_demo_incident
from warroom.agents.playbook_choice import PlaybookMismatch, orchestrator_for_incident
from warroom.agents.registry import get_backend
from warroom.data.attachments import evidence_root
from warroom.data.export.render import render_incident
from warroom.data.store import EventStore

RATIONALE = "as recommended"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One demo incident (database and evidence folder), copied for each run."""
    if shutil.which("git") is None:
        pytest.skip("the demo incident needs git")
    folder = tmp_path_factory.mktemp("demo-template")

    async def make() -> str:
        store = await EventStore.open(folder / "demo.db")
        try:
            return (await create_demo_incident(store, folder / "demo.db", now=NOW, actor="alice")).incident_id
        finally:
            await store.close()

    return folder, asyncio.run(make())


def _copy(template: tuple[Path, str], to: Path) -> tuple[Path, str]:
    shutil.copytree(template[0], to)
    return to / "demo.db", template[1]


class InOrder:
    """The offline investigator, one step at a time in the order they start: a parallel group's steps
    then finish in playbook order in every run (their finish order is otherwise a race, which the
    timeline rightly records)."""

    name = "offline"

    def __init__(self) -> None:
        self.inner, self.lock = get_backend("offline"), asyncio.Lock()

    async def run_step(self, request: Any, emit: Any) -> Any:
        async with self.lock:
            return await self.inner.run_step(request, emit)


async def _orchestrator(store: EventStore, incident_id: str, requested: str | None, **extra: Any) -> Any:
    return await orchestrator_for_incident(store, incident_id, requested=requested, backend=InOrder,
                                           now=fixed_now, operator="alice", poll_interval=0.01, **extra)  # fmt: skip


async def _uninterrupted(db: Path, incident_id: str, playbook: str) -> tuple[dict[str, str], int]:
    store = await EventStore.open(db)
    gates = 0
    try:
        orchestrator: Any = None

        async def answer(gate: Any) -> None:
            nonlocal gates
            gates += 1
            await orchestrator.decide(gate.gate_id, gate.recommended, RATIONALE, actor="alice")

        orchestrator = await _orchestrator(store, incident_id, playbook, on_gate=answer,
                                           evidence_root=evidence_root(db, incident_id))  # as the demo names it
        summary = await orchestrator.run()
        assert summary.outcome == "completed", summary.reason
        return render_incident(await store.events(incident_id)), gates
    finally:
        await store.close()


async def _stopping_at_every_gate(db: Path, incident_id: str, playbook: str) -> tuple[dict[str, str], list[str]]:
    stopped: list[str] = []
    requested: str | None = playbook  # named once, at the start; every reopen takes it from the events
    for _ in range(40):
        store = await EventStore.open(db)
        try:
            orchestrator = await _orchestrator(store, incident_id, requested, stop_at_gates=True)
            assert orchestrator is not None and orchestrator.playbook.name == playbook
            summary = await orchestrator.run()
            if summary.outcome == "completed":
                return render_incident(await store.events(incident_id)), stopped
            assert summary.outcome == "waiting", summary.reason
        finally:
            await store.close()  # quit at the gate
        store = await EventStore.open(db)  # reopen, answer the gate from a fresh process's view
        try:
            orchestrator = await _orchestrator(store, incident_id, None, stop_at_gates=True)
            gate = orchestrator.pending_gates(await store.load(incident_id))[0]
            stopped.append(gate.gate_id)
            await orchestrator.decide(gate.gate_id, gate.recommended, RATIONALE, actor="alice")
        finally:
            await store.close()
        requested = None
    raise AssertionError("the playbook did not finish")


@pytest.mark.slow
@pytest.mark.parametrize("playbook", ["itil", "sre"])
async def test_stop_at_every_gate_reopen_finish_gives_the_same_record(
    demo_template: tuple[Path, str], tmp_path: Path, playbook: str,
) -> None:  # fmt: skip
    baseline, gates = await _uninterrupted(*_copy(demo_template, tmp_path / "straight"), playbook)
    resumed, stopped = await _stopping_at_every_gate(*_copy(demo_template, tmp_path / "stopped"), playbook)
    assert len(stopped) == gates >= 3, (stopped, gates)
    assert sorted(resumed) == sorted(baseline)
    for name, text in baseline.items():
        assert resumed[name] == text, f"{name} differs after stopping at every gate"
    # the analysis survived: the root cause names the guilty change, not "the evidence does not establish a cause"
    assert "does not establish a cause" not in resumed.get("root-cause-analysis.md", "")


async def test_a_different_playbook_on_a_started_incident_is_refused(demo_template: tuple[Path, str], tmp_path: Path) -> None:
    db, incident_id = _copy(demo_template, tmp_path / "db")
    store = await EventStore.open(db)
    try:
        assert await _orchestrator(store, incident_id, None) is None  # nothing started, nothing asked for
        first = await _orchestrator(store, incident_id, "sre", stop_at_gates=True)
        assert (await first.run()).outcome == "waiting"
        incident = await store.load(incident_id)
        assert (incident.playbook, incident.playbook_source) == ("sre", "sre")
        with pytest.raises(PlaybookMismatch, match=f"{incident_id} was started with the sre playbook"):
            await _orchestrator(store, incident_id, "itil")
        again = await _orchestrator(store, incident_id, None)
        assert again.playbook.name == "sre" and again.pending_gates(incident)
    finally:
        await store.close()
