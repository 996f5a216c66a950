"""The headless runner and ``warroom run``: progress lines, the summary, terminal gates, resume after a kill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from warroom.agents.backend import Emit, StepRequest, StepResult
from warroom.agents.registry import BackendUnavailable, get_backend, register_backend
from warroom.agents.runner import run_headless
from warroom.app import cli
from warroom.data import events as ev
from warroom.data.store import EventStore

from .conftest import FakeClock, ScriptedBackend, declare

ROOT = Path(__file__).resolve().parents[2]


class SlowClockBackend(ScriptedBackend):
    """Each step takes ten minutes of (fake) incident time."""

    def __init__(self, clock: FakeClock, minutes: float = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock, self.minutes = clock, minutes

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        self.clock.advance(minutes=self.minutes)
        return await super().run_step(request, emit)


async def test_progress_lines_and_summary_with_sla_verdicts(store: EventStore, clock: FakeClock) -> None:
    incident_id = await declare(store, clock, severity="P0")
    lines: list[str] = []
    backend = SlowClockBackend(clock, severity="P0", impact="HIGH", urgency="HIGH")
    summary = await run_headless(store, incident_id, playbook="itil", backend=backend, auto=True, now=clock,
                                 out=lines.append, poll_interval=0.02)  # fmt: skip
    text = "\n".join(lines)
    assert summary.outcome == "completed"
    assert "⏳ Incident record (incident-responder, scripted)…" in text
    assert "  ✓ Incident record → incident-record.md" in text
    assert "✓ Priority assigned: P0 (impact HIGH, urgency HIGH)" in text
    assert "⚠ Escalating to Tier 2 (timer)" in text or "⚠ Escalating to Tier 2:" in text
    assert "⚠ Management notified" in text and "✓ Incident RESOLVED" in text
    assert "Incident Response Complete: " + incident_id in text
    assert "- Time to resolve:" in text and "(SLA 2h) MISSED by" in text  # 20 steps x 10 min at P0
    assert "- Acknowledgment: not reached (SLA 1m)" in text
    assert "✓ Tier 1 → escalated" in text and "Preventive actions: 3 tracked" in text


async def test_terminal_gates_take_the_answer_or_the_recommendation(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    answers = iter(["", "9", "2", "Tier 1 found it", *[""] * 40])
    lines: list[str] = []
    summary = await run_headless(store, incident_id, playbook="itil", backend=ScriptedBackend(), auto=False,
                                 interactive=True, now=clock, out=lines.append, operator="dana",
                                 read=lambda prompt: next(answers), poll_interval=0.02)  # fmt: skip
    assert summary.outcome == "completed"
    decisions = {d.decision_id: d for d in summary.incident.decisions}
    assert decisions["itil:priority"].choice == "approve" and decisions["itil:priority"].decided_by == "dana"
    assert decisions["itil:priority"].rationale.startswith("accepted the recommendation")
    assert decisions["itil:tier2_response"].choice == "decline"
    assert decisions["itil:tier2_response"].rationale == "Tier 1 found it" and not decisions["itil:tier2_response"].auto
    assert "  please answer 1-2" in lines and any("(recommended)" in line for line in lines)


async def test_non_interactive_run_stops_at_the_gate_and_resumes(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    lines: list[str] = []
    first = await run_headless(store, incident_id, playbook="sre", backend=ScriptedBackend(), auto=False,
                               interactive=False, now=clock, out=lines.append, poll_interval=0.02)  # fmt: skip
    assert first.outcome == "waiting" and "Incident Response Waiting for a Decision" in "\n".join(lines)
    assert any(line.startswith("⏳ Waiting: Classify the incident as P1") for line in lines)
    second = await run_headless(store, incident_id, playbook="sre", backend=ScriptedBackend(), auto=True,
                                now=clock, out=lines.append, poll_interval=0.02)  # fmt: skip
    assert second.outcome == "completed"


def test_registry_errors() -> None:
    with pytest.raises(BackendUnavailable, match="unknown backend 'gpt'"):
        get_backend("gpt")
    register_backend("broken", lambda config: __import__("warroom.agents.no_such_module"))
    with pytest.raises(BackendUnavailable, match="not available"):
        get_backend("broken")


def test_warroom_run_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_backend("scripted", lambda config: ScriptedBackend())
    db = str(tmp_path / "cli.db")
    assert cli.main(["new", "Checkout down", "--severity", "P1", "--no-tui", "--db", db]) == 0
    incident_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(["run", incident_id, "--backend", "scripted", "--db", db]) == 3  # stdin is not a TTY here
    captured = capsys.readouterr()
    assert "waiting for a decision" in captured.err and "Waiting:" in captured.out
    # started with itil (the default): another playbook is refused in one sentence, without it the run carries on
    assert cli.main(["run", incident_id, "--backend", "scripted", "--auto", "--playbook", "sre", "--db", db]) == 2
    assert f"{incident_id} was started with the itil playbook; it cannot be run with sre" in capsys.readouterr().err
    assert cli.main(["run", incident_id, "--backend", "scripted", "--auto", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Running the itil playbook" in out and "Incident Response Complete" in out
    assert cli.main(["run", incident_id, "--backend", "nope", "--db", db]) == 2
    assert "unknown backend 'nope'" in capsys.readouterr().err
    assert cli.main(["run", incident_id, "--playbook", str(tmp_path / "missing.toml"), "--db", db]) == 2
    assert "no such playbook file" in capsys.readouterr().err
    assert cli.main(["run", "INC-2026-9999", "--backend", "scripted", "--db", db]) == 2
    assert cli.main(["run", "../../etc/passwd", "--db", db]) == 2


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from tests.agents.conftest import FakeClock, ScriptedBackend
    from warroom.agents.runner import run_headless
    from warroom.data.store import EventStore

    async def main(db, incident_id):
        store = await EventStore.open(db)
        backend = ScriptedBackend(delays={"tier1_response": 60})
        await run_headless(store, incident_id, playbook="itil", backend=backend, auto=True, now=FakeClock(),
                           out=lambda line: print(line, flush=True), poll_interval=0.02)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_resume_after_sigkill_repeats_no_finished_step(store: EventStore, clock: FakeClock, incident_id: str, db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db_path), incident_id], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        for _ in range(1500):
            events = await store.events(incident_id)
            if any(isinstance(e, ev.AgentStepStarted) and e.step_id == "tier1_response" for e in events):
                break
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the child never reached tier1_response")
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    before = await store.events(incident_id)
    started = {e.run_id: e.step_id for e in before if isinstance(e, ev.AgentStepStarted)}
    done_before = {started[e.run_id] for e in before if isinstance(e, ev.AgentStepFinished)}
    assert {"incident_record", "priority"} <= done_before and "tier1_response" not in done_before

    backend = ScriptedBackend()
    summary = await run_headless(store, incident_id, playbook="itil", backend=backend, auto=True, now=clock,
                                 out=lambda line: None, poll_interval=0.02)  # fmt: skip
    assert summary.outcome == "completed"
    assert not {c.step_id for c in backend.calls} & done_before and backend.calls[0].step_id == "tier1_response"
    after = await store.events(incident_id)
    started = {e.run_id: e.step_id for e in after if isinstance(e, ev.AgentStepStarted)}
    finished = Counter(started[e.run_id] for e in after if isinstance(e, ev.AgentStepFinished))
    assert set(finished.values()) == {1}
    interrupted = [e for e in after if isinstance(e, ev.AgentStepFailed) and e.interrupted]
    assert [started[e.run_id] for e in interrupted] == ["tier1_response"]
    assert summary.incident.runs["tier1_response-1"].state.value == "interrupted"


def test_warroom_run_asks_gates_on_a_real_terminal(tmp_path: Path) -> None:
    """Over a pty, gates are numbered questions; Enter takes the recommendation (offline backend, no network)."""
    import pty
    import select
    import time

    db = str(tmp_path / "tty.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WARROOM_DB": db, "WARROOM_ACTOR": "erin"}
    made = subprocess.run([sys.executable, "-m", "warroom", "new", "Checkout down", "--severity", "P2", "--no-tui"],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    incident_id = made.stdout.strip().splitlines()[-1]
    leader, follower = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "warroom", "run", incident_id, "--playbook", "sre"], env=env, cwd=ROOT,
                             stdin=follower, stdout=follower, stderr=follower, close_fds=True)  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while child.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                seen += chunk
                if b"choice [" in chunk or b"rationale (optional)" in chunk:
                    os.write(leader, b"\n")
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(leader)
    text = seen.decode(errors="replace")
    assert child.returncode == 0, text[-2000:]
    assert "(recommended)" in text and "Decision at severity: approve (erin)" in text
