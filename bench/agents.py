"""Benchmark the orchestrator: parallel groups against the slowest agent, and its own overhead per step.

    python bench/agents.py [--delay 0.3] [--steps 40]

1. A parallel group of k agents (k = 2, 4, 8), each taking ``delay`` seconds,
   against one agent alone (the baseline, same delay): the group's wall time
   should be within 10% of the slowest single agent, not k times it.
2. The orchestrator's own cost per step: a playbook of ``steps`` sequential steps
   with a zero-delay backend on a real on-disk database (events written with
   ``synchronous=FULL``), and the full ``itil`` playbook in auto mode.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from warroom.agents.backend import Emit, StepRequest, StepResult
from warroom.agents.orchestrator import Orchestrator
from warroom.agents.playbook import Playbook, load_playbook, parse_playbook
from warroom.data.store import EventStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class TimedBackend:
    """Sleeps ``delay`` seconds per step, streams two chunks, answers what the program acts on."""

    name = "bench"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.spans: list[tuple[float, float]] = []

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        start = time.perf_counter()
        await emit(f"# {request.title}\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        await emit("done\n")
        self.spans.append((start, time.perf_counter()))
        structured = {
            "severity_proposal": {"impact": "HIGH", "urgency": "MEDIUM", "severity": "P1"},
            "mitigation_recommendation": {"recommended": "rollback", "rationale": "recent deploy"},
            "validation": {"passed": True},
            "preventive_actions": {"actions": [{"title": "Alert on saturation"}]},
            "five_whys": {"problem": "errors"},
        }.get(request.task.value)
        return StepResult(output=f"# {request.title}\n\ndone\n", structured=structured)


def group_playbook(k: int) -> Playbook:
    steps = "".join(
        f'[[steps]]\nid = "agent_{i}"\nphase = "work"\nrole = "worker"\ntitle = "Agent {i}"\n'
        f'task = "observability_sweep"\nprompt = "sre/observability_sweep.j2"\nparallel = "{"group" if k > 1 else ""}"\n\n'
        for i in range(k)
    )
    head = 'name = "bench"\ntitle = "Bench"\n[roles]\nworker = "Worker"\n[[phases]]\nid = "work"\ntitle = "Work"\n\n'
    return parse_playbook(head + steps, "bench.toml")


def chain_playbook(n: int) -> Playbook:
    steps = "".join(
        f'[[steps]]\nid = "step_{i}"\nphase = "work"\nrole = "worker"\ntitle = "Step {i}"\n'
        f'task = "observability_sweep"\nprompt = "sre/observability_sweep.j2"\n'
        + (f'reads = ["step_{i - 1}"]\n' if i else "") + "\n"
        for i in range(n)
    )
    head = 'name = "chain"\ntitle = "Chain"\n[roles]\nworker = "Worker"\n[[phases]]\nid = "work"\ntitle = "Work"\n\n'
    return parse_playbook(head + steps, "chain.toml")


async def timed_run(playbook: Playbook, backend: TimedBackend, *, auto: bool = False) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = await EventStore.open(Path(tmp) / "bench.db")
        try:
            declared = await store.declare(T0, title="bench incident", severity="P2")
            orch = Orchestrator(store, declared.incident_id, playbook, backend, now=lambda: T0, auto=auto, poll_interval=0.05)
            start = time.perf_counter()
            summary = await orch.run()
            elapsed = time.perf_counter() - start
            assert summary.outcome == "completed", summary.outcome
            return elapsed, len(summary.incident.runs)
        finally:
            await store.close()


async def main(delay: float, steps: int) -> None:
    print(f"Parallel group of k agents, {delay:.2f} s each (baseline: one agent alone)")
    single = TimedBackend(delay)
    baseline, _ = await timed_run(group_playbook(1), single)
    slowest = max(end - start for start, end in single.spans)
    print(f"{'k':>3} {'group wall':>11} {'run total':>10} {'vs slowest agent':>17}")
    print(f"{1:>3} {slowest:>10.3f}s {baseline:>9.3f}s {'(baseline)':>17}")
    for k in (2, 4, 8):
        backend = TimedBackend(delay)
        total, _ = await timed_run(group_playbook(k), backend)
        wall = max(e for _, e in backend.spans) - min(s for s, _ in backend.spans)
        print(f"{k:>3} {wall:>10.3f}s {total:>9.3f}s {100 * (wall / slowest - 1):>+16.1f}%")
    print()
    print("Orchestrator overhead per step (zero-delay backend, real database on disk)")
    chain_time, count = await timed_run(chain_playbook(steps), TimedBackend(0.0))
    print(f"  {steps}-step chain:       {1000 * chain_time / count:7.2f} ms/step ({chain_time:.3f} s total)")
    itil_time, count = await timed_run(load_playbook("itil"), TimedBackend(0.0), auto=True)
    print(f"  itil, auto (+gates):  {1000 * itil_time / count:7.2f} ms/step ({itil_time:.3f} s for {count} steps)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.delay, args.steps))
