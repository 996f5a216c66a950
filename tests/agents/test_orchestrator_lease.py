"""One orchestrator per incident drives the playbook: the lease, across connections and real processes.

Two orchestrators on two connections to one file: only the lease holder runs steps, the other
reports who drives (``busy``) or follows and takes over when the holder releases. A real child
process that holds the lease and is killed with SIGKILL leaves its lease and its RUNNING step:
they are taken over (at once on this host, where its pid is seen dead; after expiry, on a fake
lease clock, when it names another host) and the step is marked interrupted and run again once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from warroom.agents.orchestrator import Orchestrator
from warroom.data import events as ev
from warroom.data.leases import HOST, LeaseHolder
from warroom.data.models import RunState
from warroom.data.store import EventStore
from warroom.data.store_api import open_store

from .conftest import FakeClock, ScriptedBackend

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}

# A war room or `warroom run` in its own process: it takes the lease as `HOST:pid` and sits in its first step.
HOLDER = """
import asyncio, os, sys
from tests.agents.conftest import FakeClock, ScriptedBackend
from warroom.agents.orchestrator import Orchestrator
from warroom.data.leases import LeaseHolder
from warroom.data.store_api import open_store

async def main(db, incident_id, host):
    store = await open_store(db)
    holder = LeaseHolder(host, os.getpid(), "child-token")
    await Orchestrator(store, incident_id, "sre", ScriptedBackend(delay=120), now=FakeClock(), auto=True,
                       poll_interval=0.02, holder=holder).run()

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    """The store of the lease tests: one run per engine (SQLite, PostgreSQL)."""
    return any_store


def started_per_step(events: list[ev.BaseEvent]) -> Counter[str]:
    return Counter(e.step_id for e in events if isinstance(e, ev.AgentStepStarted))


async def until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_only_the_holder_runs_steps_and_the_follower_takes_over_on_release(
    store: EventStore, clock: FakeClock, incident_id: str, db_location: str | Path
) -> None:
    other = await open_store(db_location)
    try:
        first_backend, second_backend = ScriptedBackend(delay=0.2), ScriptedBackend()
        first = Orchestrator(store, incident_id, "sre", first_backend, now=clock, poll_interval=0.02, stop_at_gates=True)
        running = asyncio.create_task(first.run())

        async def first_drives_a_step() -> bool:
            return first.drives and bool(first_backend.calls)

        await until(first_drives_a_step)
        drivers: list[str] = []
        second = Orchestrator(other, incident_id, "sre", second_backend, now=clock, poll_interval=0.02, auto=True,
                              on_lease=drivers.append)  # fmt: skip
        busy = await second.run()
        assert busy.outcome == "busy" and not second_backend.calls
        assert busy.reason == f"another session ({HOST}:{os.getpid()}) is running this playbook"
        assert drivers == [f"{HOST}:{os.getpid()}"] and second.driven_by == str(first.holder)
        assert any(r.state is RunState.RUNNING for r in (await other.load(incident_id)).runs.values())

        following = asyncio.create_task(second.run(follow=True))
        assert (await running).outcome == "waiting"  # stopped at its first gate: the lease is released
        summary = await asyncio.wait_for(following, 30)
        assert summary.outcome == "completed" and drivers == [f"{HOST}:{os.getpid()}", ""]
        assert first_backend.calls and second_backend.calls
        assert not {c.step_id for c in first_backend.calls} & {c.step_id for c in second_backend.calls}
        events = await store.events(incident_id)
        assert set(started_per_step(events).values()) == {1}  # no step ran twice
        assert not [e for e in events if isinstance(e, ev.AgentStepFailed) and e.interrupted]
        assert await store.lease(incident_id) is None  # released at the end of run()
    finally:
        await other.close()


async def test_a_cancelled_run_releases_its_lease(store: EventStore, clock: FakeClock, incident_id: str) -> None:
    backend = ScriptedBackend(delay=5)
    orch = Orchestrator(store, incident_id, "sre", backend, now=clock, poll_interval=0.02, auto=True)
    task = asyncio.create_task(orch.run())

    async def step_running() -> bool:
        return bool(backend.calls)

    await until(step_running)
    assert (await store.lease(incident_id)).held_by(orch.holder)  # type: ignore[union-attr]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert await store.lease(incident_id) is None


async def test_a_holder_that_lost_its_expired_lease_stops_driving(store: EventStore, clock: FakeClock, incident_id: str,
                                                                 db_location: str | Path) -> None:  # fmt: skip
    wall = [1000.0]
    backend = ScriptedBackend(delay=1.0)
    orch = Orchestrator(store, incident_id, "sre", backend, now=clock, poll_interval=0.02, auto=True,
                        lease_clock=lambda: wall[0])  # fmt: skip
    task = asyncio.create_task(orch.run())

    async def step_running() -> bool:
        return bool(backend.calls)

    await until(step_running)
    thief = LeaseHolder(HOST, os.getpid(), "after-expiry")
    async with await open_store(db_location) as other:  # this process stalled past its expiry: taken over
        assert (await other.acquire_lease(incident_id, thief, now=1015.0, seconds=15)).held_by(thief)
    wall[0] = 1015.0  # the next renewal finds the lease gone
    summary = await asyncio.wait_for(task, 30)
    assert summary.outcome == "busy" and not orch.drives
    assert summary.reason == f"another session ({thief}) took over this playbook"
    assert (await store.lease(incident_id)).held_by(thief)  # type: ignore[union-attr]  # not released by the loser
    assert len(backend.calls) == 1  # the step in flight finished; no further step was started


@pytest.mark.parametrize("host", [HOST, "another-host.example"], ids=["dead-pid-on-this-host", "expired-elsewhere"])
async def test_a_sigkilled_holder_is_taken_over_and_its_running_step_rerun_once(
    store: EventStore, clock: FakeClock, incident_id: str, db_location: str | Path, host: str
) -> None:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_location), incident_id, host], cwd=ROOT, env=ENV,
                             stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        async def child_runs_a_step() -> bool:
            assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
            lease = await store.lease(incident_id)
            runs = (await store.load(incident_id)).runs.values()
            return lease is not None and any(r.state is RunState.RUNNING for r in runs)

        await until(child_runs_a_step, timeout=60)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    left = await store.lease(incident_id)
    assert left is not None and str(left.holder) == f"{host}:{child.pid}"
    stale = {r.run_id: r.step_id for r in (await store.load(incident_id)).runs.values() if r.state is RunState.RUNNING}
    assert stale

    wall = [time.time()]  # the lease clock: a fake wall clock, starting at the real one
    backend = ScriptedBackend()
    orch = Orchestrator(store, incident_id, "sre", backend, now=clock, poll_interval=0.02, auto=True,
                        lease_clock=lambda: wall[0])  # fmt: skip
    if host != HOST and store.engine == "sqlite":  # its pid cannot be checked from here: held until it expires
        # (PostgreSQL frees a killed holder's advisory lock with its connection: taken over at once)
        busy = await orch.run()
        assert busy.outcome == "busy" and busy.reason == f"another session ({host}:{child.pid}) is running this playbook"
        assert not backend.calls
        assert all(busy.incident.runs[run_id].state is RunState.RUNNING for run_id in stale)  # not marked interrupted
        wall[0] = left.expires_at
    summary = await orch.run()
    deadline = time.monotonic() + 10
    while store.engine == "postgresql" and summary.outcome == "busy" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # the server frees the killed session's lock once it sees the connection drop
        summary = await orch.run()
    assert summary.outcome == "completed"
    runs = summary.incident.runs
    assert all(runs[run_id].state is RunState.INTERRUPTED for run_id in stale)
    events = await store.events(incident_id)
    interrupted = [e.run_id for e in events if isinstance(e, ev.AgentStepFailed) and e.interrupted]
    assert sorted(interrupted) == sorted(stale)
    started = started_per_step(events)
    assert {step: started[step] for step in stale.values()} == {step: 2 for step in stale.values()}  # re-run once
    assert all(count == 1 for step, count in started.items() if step not in stale.values())
    finished = Counter(runs[e.run_id].step_id for e in events if isinstance(e, ev.AgentStepFinished))
    assert set(finished.values()) == {1}


def test_warroom_run_exits_4_while_another_session_drives(db_path: Path) -> None:
    async def held() -> str:
        async with await EventStore.open(db_path) as store:
            declared = await store.declare(FakeClock()(), title="Checkout down", severity="P2", service="checkout")
            holder = LeaseHolder.this_process()  # this test process: alive for the whole run
            await store.acquire_lease(declared.incident_id, holder, now=time.time(), seconds=600)
            return declared.incident_id

    incident_id = asyncio.run(held())
    result = subprocess.run([sys.executable, "-m", "warroom", "--db", str(db_path), "run", incident_id, "--auto"],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=ENV)  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert f"another session ({HOST}:{os.getpid()}) is running this playbook" in result.stderr
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM events WHERE kind LIKE 'agent.%'").fetchone() == (0,)
    finally:
        conn.close()
