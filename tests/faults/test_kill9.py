"""Kill -9 the headless runner at seeded points of full ``itil`` runs; every time nothing is lost.

The suite kills at 12 points (``WARROOM_KILL_POINTS``); ``python bench/soak.py`` runs the same test
at 100 (a soak run: it takes minutes, so it lives in ``bench/``).


The demo incident (real logs, metrics, alerts, a git repository) is run with
``warroom run ID --auto --backend offline`` in a subprocess, killed with SIGKILL either after a
seeded number of new events or after a seeded delay, and run again. After each kill: every
event committed before is still there unchanged, the incident replays, no step that finished
ever started again and none finished twice. When a run completes before its kill point the
next point uses a fresh demo incident, so every point is a real kill; every incident's
final resume completes.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.conftest import cli, cli_env, count, require_git, rows, step_history
from warroom.data.store import EventStore

POINTS = int(os.environ.get("WARROOM_KILL_POINTS", "12"))
SEED = 20261123


def _new_demo(db: Path) -> str:
    require_git()
    proc = cli(db, "demo", "--no-run")
    assert proc.returncode == 0, proc.stderr
    return next(w for w in proc.stdout.split() if w.startswith("INC-")).rstrip(":")


def _check(db: Path, before: list[tuple], incident_id: str) -> list[tuple]:
    now = rows(db)
    assert now[: len(before)] == before, "a committed event changed or vanished after SIGKILL"
    for step, history in step_history(now, incident_id).items():
        finished = [seq for kind, seq in history if kind == "agent.finished"]
        assert len(finished) <= 1, f"{step} finished {len(finished)} times"
        if finished:
            restarted = [seq for kind, seq in history if kind == "agent.started" and seq > finished[0]]
            assert not restarted, f"{step} started again after it finished"
    return now


async def _replays(db: Path, incident_id: str) -> None:
    store = await EventStore.open(db)
    try:
        incident = await store.load(incident_id)
        assert incident.event_count == sum(1 for r in rows(db) if r[1] == incident_id)
    finally:
        await store.close()


@pytest.mark.slow
def test_sigkill_at_seeded_points(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "w.db"
    incident = _new_demo(db)
    incidents = [incident]
    before = rows(db)
    kills = 0
    while kills < POINTS:
        by_events = rng.random() < 0.6
        target = count(db) + rng.randint(1, 5)
        delay = rng.uniform(0.35, 1.0)
        child = subprocess.Popen([sys.executable, "-m", "warroom", "--db", str(db), "run", incident, "--auto",
                                  "--backend", "offline"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, cwd=tmp_path, env=cli_env())
        started = time.monotonic()
        while child.poll() is None:
            if (count(db) >= target) if by_events else (time.monotonic() - started >= delay):
                child.send_signal(signal.SIGKILL)
                child.wait()
                kills += 1
                break
            time.sleep(0.002)
        err = child.stderr.read().decode() if child.stderr else ""
        assert "Traceback" not in err, err
        before = _check(db, before, incident)
        asyncio.run(_replays(db, incident))
        if child.returncode == 0:  # completed before its kill point: the next point uses a fresh incident
            incident = _new_demo(db)
            incidents.append(incident)
            before = rows(db)
        else:
            assert child.returncode == -signal.SIGKILL, (child.returncode, err)
    for incident in incidents:  # the last resume of each completes
        final = cli(db, "run", incident, "--auto", "--backend", "offline")
        assert final.returncode == 0 and "Traceback" not in final.stderr, final.stderr
        assert "Steps:" in final.stdout and "0 failed" in final.stdout, final.stdout[-800:]
        before = _check(db, before, incident)
    assert kills == POINTS
