"""The event store under real processes: SIGKILL mid-stream, two writers at once, one following the other.

Each test runs on both engines (an SQLite file, a PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.fold import replay
from warroom.data.store_api import open_store

ROOT = Path(__file__).resolve().parents[2]

# A writer: appends notes to one incident, printing each committed seq (flushed) as soon as append returns.
WRITER = r"""
import asyncio, sys
from datetime import datetime, timedelta, timezone
from warroom.data import events as ev
from warroom.data.store_api import open_store

async def main(path, incident_id, who, count):
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    store = await open_store(path)
    try:
        for i in range(count):
            note = ev.NoteAdded(incident_id=incident_id, at=t0 + timedelta(milliseconds=i), actor=who, text=f"{who} {i}")
            stored = await store.append(note)
            print(stored.seq, flush=True)
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


def start_writer(db: Path | str, incident_id: str, who: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), incident_id, who, str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip


async def declared(db: Path | str) -> str:
    store = await open_store(db)
    try:
        return (await store.declare(T0, title="Checkout down")).incident_id
    finally:
        await store.close()


async def test_sigkill_mid_stream_loses_nothing_committed(db_location: Path | str) -> None:
    incident_id = await declared(db_location)
    writer = start_writer(db_location, incident_id, "writer", 1_000_000)
    assert writer.stdout is not None
    reported: list[int] = []
    try:
        while len(reported) < 300:
            line = writer.stdout.readline()
            assert line, writer.stderr.read() if writer.stderr else "writer exited"
            reported.append(int(line))
    finally:
        os.kill(writer.pid, signal.SIGKILL)
    rest, _ = writer.communicate(timeout=30)
    reported += [int(line) for line in rest.split()]  # committed before the kill, still in the pipe
    assert writer.returncode == -signal.SIGKILL

    store = await open_store(db_location)
    try:
        stored = await store.events(incident_id)
        seqs = {e.seq for e in stored}
        assert set(reported) <= seqs
        # the declaration, plus at most the one note committed between its print and the kill
        assert len(seqs) - len(reported) <= 2
        incident = await store.load(incident_id)
        assert incident.notes == len(stored) - 1 and incident.event_count == len(stored)
        assert replay(stored) == incident
        after = await store.append(ev.NoteAdded(incident_id=incident_id, at=T0, text="after the crash"))
        assert after.seq > max(seqs)
    finally:
        await store.close()


async def test_two_processes_append_concurrently_and_follow_each_other(db_location: Path | str) -> None:
    incident_id = await declared(db_location)
    count = 500
    writers = [start_writer(db_location, incident_id, who, count) for who in ("alice", "bob")]
    follower = await open_store(db_location)
    followed: list[ev.BaseEvent] = []
    try:
        last = 0
        while any(w.poll() is None for w in writers) or len(followed) < 2 * count + 1:
            fresh = await follower.events_since(incident_id, last)
            followed += fresh
            last = fresh[-1].seq if fresh else last
            if not fresh and all(w.poll() is not None for w in writers):
                break
            await asyncio.sleep(0.01)
        outputs = [w.communicate(timeout=60) for w in writers]
        for w, (_, err) in zip(writers, outputs):
            assert w.returncode == 0 and "locked" not in err, err
        stored = await follower.events(incident_id)
        assert followed == stored  # following with events_since saw every event, in order, once
        assert len(stored) == 2 * count + 1
        seqs = [e.seq for e in stored]
        assert seqs == sorted(set(seqs))
        for who, (out, _) in zip(("alice", "bob"), outputs):
            mine = [e for e in stored if e.actor == who]
            assert [e.text for e in mine] == [f"{who} {i}" for i in range(count)]  # type: ignore[attr-defined]
            assert [int(s) for s in out.split()] == [e.seq for e in mine]
        incident = await follower.load(incident_id)
        assert incident.notes == 2 * count and incident.last_seq == seqs[-1]
    finally:
        await follower.close()
        for w in writers:
            if w.poll() is None:
                w.kill()
