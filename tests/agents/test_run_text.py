"""A run's streamed text is joined once, at its end, into the event that ends it; older files still read.

A finished run's event has always carried its output; a failed or cancelled run's event now
carries the chunks it streamed, joined, so no reader joins them again. A failed event written
before that (no ``output``) folds to a run with no text, and the pane joins its chunks as before.
"""

from __future__ import annotations

import asyncio

import pytest

from warroom.agents.orchestrator import Orchestrator
from warroom.data import events as ev
from warroom.data.fold import replay
from warroom.data.models import RunState
from warroom.data.rows import row_to_event
from warroom.data.store import EventStore

from .conftest import FakeClock, ScriptedBackend


def _chunks(events: list[ev.BaseEvent], run_id: str) -> str:
    return "".join(e.text for e in events if isinstance(e, ev.AgentStepOutput) and e.run_id == run_id)


async def test_a_failed_run_stores_its_joined_text(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(failures={"tier1_response": 1})
    await Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run()
    events = await store.events(incident_id)
    failed = next(e for e in events if isinstance(e, ev.AgentStepFailed))
    assert failed.output and failed.output == _chunks(events, failed.run_id)
    run = (await store.load(incident_id)).runs[failed.run_id]
    assert run.state is RunState.FAILED and run.output == failed.output and "Tier 1" in run.output.title()


async def test_a_cancelled_run_stores_its_joined_text(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(delays={"tier1_response": 5})
    task = asyncio.create_task(Orchestrator(store, incident_id, "itil", backend, now=clock, auto=True, poll_interval=0.02).run())
    for _ in range(300):
        if any(c.step_id == "tier1_response" for c in backend.calls):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # its first chunk is emitted and flushed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    events = await store.events(incident_id)
    cancelled = next(e for e in events if isinstance(e, ev.AgentStepCancelled))
    assert cancelled.output.startswith("# ") and cancelled.output == _chunks(events, cancelled.run_id)
    assert (await store.load(incident_id)).runs[cancelled.run_id].output == cancelled.output


def test_a_failed_event_from_an_older_file_folds_without_text() -> None:
    rows = [
        (1, "INC-2026-0001", "2026-11-23T09:00:00+00:00", "a", "incident.declared", '{"title": "x"}'),
        (2, "INC-2026-0001", "2026-11-23T09:00:01+00:00", "a", "agent.started", '{"run_id": "r", "step_id": "s"}'),
        (3, "INC-2026-0001", "2026-11-23T09:00:02+00:00", "a", "agent.output", '{"run_id": "r", "text": "half "}'),
        (4, "INC-2026-0001", "2026-11-23T09:00:03+00:00", "a", "agent.failed", '{"run_id": "r", "error": "boom"}'),
    ]  # what a file written before the joined text holds
    state = replay([row_to_event(row) for row in rows])
    assert state is not None and state.runs["r"].state is RunState.FAILED and state.runs["r"].output == ""
