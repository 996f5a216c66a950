"""Fixtures for the orchestrator tests: a fake clock, a seeded incident, and a scripted backend.

:class:`ScriptedBackend` is a real, deterministic backend: it answers every task
with markdown streamed in chunks and the structured answer the program acts on,
after a configurable delay per step (to prove parallel groups run at once), and
can fail chosen steps. It records when each step started and ended.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from warroom.agents.backend import Emit, StepFailed, StepRequest, StepResult, Task
from warroom.data.store import EventStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock the test advances by hand; never reads the wall clock."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@dataclass
class Call:
    step_id: str
    task: Task
    started: float
    ended: float = 0.0
    prompt: str = ""
    inputs: list[str] = field(default_factory=list)


class ScriptedBackend:
    """Answers each task deterministically; ``delays`` (seconds) and ``failures`` by step id."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, *, delay: float = 0.0, delays: dict[str, float] | None = None,
                 failures: dict[str, int] | None = None, severity: str = "P1", impact: str = "HIGH",
                 urgency: str = "MEDIUM", recommend: str = "configuration_change", passed: bool = True,
                 structured: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.delay, self.delays, self.failures = delay, dict(delays or {}), dict(failures or {})
        self.severity, self.impact, self.urgency = severity, impact, urgency
        self.recommend, self.passed = recommend, passed
        self.overrides = dict(structured or {})
        self.calls: list[Call] = []

    def answer(self, request: StepRequest) -> dict[str, Any] | None:
        if request.step_id in self.overrides:
            return self.overrides[request.step_id]
        task = request.task
        if task is Task.SEVERITY_PROPOSAL:
            return {"impact": self.impact, "urgency": self.urgency, "severity": self.severity,
                    "impact_reasons": ["checkout errors for 30% of users"], "urgency_reasons": ["error rate stable"]}  # fmt: skip
        if task in (Task.MITIGATION_RECOMMENDATION, Task.INITIAL_MITIGATION):
            return {"recommended": self.recommend, "rationale": f"{self.recommend} fits the evidence",
                    "ranking": [self.recommend, "rollback"], "rollback_plan": "revert the change"}  # fmt: skip
        if task is Task.FIVE_WHYS:
            return {"problem": "checkout fails", "whys": [{"question": "why?", "answer": "pool exhausted"}],
                    "root_cause": "connection pool too small"}  # fmt: skip
        if task in (Task.PREVENTIVE_ACTIONS, Task.SYSTEM_HARDENING):
            return {"actions": [
                {"title": "Alert on pool saturation", "horizon": "immediate", "owner": "sre"},
                {"title": "Load test the pool settings", "horizon": "short_term"},
                {"title": "Adaptive pool sizing", "horizon": "long_term", "owner": "platform"},
            ]}  # fmt: skip
        if task in (Task.VALIDATION, Task.DEPLOYMENT_VALIDATION):
            return {"passed": self.passed, "error_rate": "0.1%", "latency_p95": "180ms", "throughput": "1200 req/s"}
        return None

    async def run_step(self, request: StepRequest, emit: Emit) -> StepResult:
        loop = asyncio.get_running_loop()
        call = Call(request.step_id, request.task, loop.time(), prompt=request.prompt, inputs=sorted(request.inputs))
        self.calls.append(call)
        delay = self.delays.get(request.step_id, self.delay)
        await emit(f"# {request.title}\n\n")
        if delay:
            await asyncio.sleep(delay)
        if self.failures.get(request.step_id, 0) > 0:
            self.failures[request.step_id] -= 1
            call.ended = loop.time()
            raise StepFailed(f"scripted failure of {request.step_id}")
        body = f"{request.role} wrote {request.task.value} for {request.incident.incident_id}.\n"
        await emit(body)
        call.ended = loop.time()
        return StepResult(output=f"# {request.title}\n\n{body}", structured=self.answer(request), model=self.model,
                          input_tokens=len(request.prompt) // 4, output_tokens=len(body) // 4)  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def declare(store: EventStore, clock: FakeClock, **fields: Any) -> str:
    values = {"title": "Checkout failing for some users", "summary": "HTTP 500 on /checkout since 08:55",
              "severity": "P2", "service": "checkout", "reporter": "alertmanager",
              "detection_method": "automated-alert"}  # fmt: skip
    values.update(fields)
    declared = await store.declare(clock(), **values)
    return declared.incident_id


@pytest.fixture
async def incident_id(store: EventStore, clock: FakeClock) -> str:
    return await declare(store, clock)
