"""The PostgreSQL store under real processes: eight writers at once, a lease holder killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import T0
from warroom.data.leases import LeaseHolder
from warroom.data.pg import PgEventStore

ROOT = Path(__file__).resolve().parents[3]
WRITERS = 8

# Eight writer processes, forked from one that imported warroom once (eight interpreters would start slowly):
# each declares an incident, then appends notes (single and in batches of three) to its own and to a shared
# incident, printing every committed seq.
WRITERS_SCRIPT = r"""
import asyncio, os, sys
from datetime import datetime, timedelta, timezone
from warroom.data import events as ev
from warroom.data.pg import PgEventStore

def say(*words):
    os.write(1, (" ".join(map(str, words)) + "\n").encode())  # one write: the children's lines never interleave

async def main(url, shared, who, rounds):
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    store = await PgEventStore.open(url)
    try:
        mine = await store.declare(t0, title=f"from {who}")
        say(mine.incident_id, mine.seq)
        for i in range(rounds):
            at = t0 + timedelta(milliseconds=i)
            one = await store.append(ev.NoteAdded(incident_id=shared, at=at, actor=who, text=f"{who} {i}"))
            three = await store.append_many(
                [ev.NoteAdded(incident_id=target, at=at, actor=who, text=f"{who} {i}.{k}") for k, target in
                 enumerate((mine.incident_id, shared, mine.incident_id))]
            )
            say(mine.incident_id, *(e.seq for e in [one, *three]))
    finally:
        await store.close()

url, shared, count, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
children = []
for n in range(count):
    pid = os.fork()
    if pid == 0:
        try:
            asyncio.run(main(url, shared, f"w{n}", rounds))
        except BaseException as exc:
            print("failed", n, repr(exc), file=sys.stderr, flush=True)
            os._exit(1)
        os._exit(0)
    children.append(pid)
failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
sys.exit(1 if failed else 0)
"""

# A lease holder: takes the lease, says so, then waits to be killed. It names another host, so only
# the database (not a pid check on this host) can tell that it died.
HOLDER = r"""
import asyncio, os, secrets, sys, time
from warroom.data.leases import LeaseHolder
from warroom.data.pg import PgEventStore

async def main(url, incident_id):
    store = await PgEventStore.open(url)
    lease = await store.acquire_lease(incident_id, LeaseHolder('another-host', os.getpid(), secrets.token_hex(16)), now=time.time(), seconds=3600)
    print(lease.holder.token, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def run(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


async def test_eight_writers_get_gap_free_unique_seqs_in_commit_order(pg_url: str) -> None:
    async with await PgEventStore.open(pg_url) as store:
        shared = (await store.declare(T0, title="shared")).incident_id
    rounds = 12
    writers = run(WRITERS_SCRIPT, pg_url, shared, str(WRITERS), str(rounds))
    out, err = writers.communicate(timeout=120)
    assert writers.returncode == 0, err
    reported: list[int] = [1]
    for line in out.splitlines():
        reported += [int(seq) for seq in line.split()[1:]]
    total = 1 + WRITERS * (1 + rounds * 4)
    assert sorted(reported) == list(range(1, total + 1))  # no gap, no duplicate

    async with await PgEventStore.open(pg_url) as store:
        assert await store.last_seq() == total
        ids = await store.incident_ids()
        assert sorted(ids) == [f"INC-2026-{n:04d}" for n in range(1, WRITERS + 2)]  # every id once, none skipped
        seen: list[int] = []
        for incident_id in ids:
            stored = await store.events(incident_id)
            seqs = [e.seq for e in stored]
            assert seqs == sorted(seqs)
            seen += seqs
            incident = await store.load(incident_id)
            assert incident.notes == len(stored) - 1 and incident.last_seq == seqs[-1]
        assert sorted(seen) == list(range(1, total + 1))
        assert (await store.load(shared)).notes == WRITERS * rounds * 2


async def test_a_sigkilled_holders_lease_is_abandoned_at_once(pg_url: str) -> None:
    async with await PgEventStore.open(pg_url) as store:
        incident_id = (await store.declare(T0, title="driven")).incident_id
        holder = run(HOLDER, pg_url, incident_id)
        assert holder.stdout is not None
        token = holder.stdout.readline().strip()
        assert token, holder.stderr.read() if holder.stderr else "the holder exited"
        me = LeaseHolder("elsewhere", 1, "mine")  # another host's orchestrator: no pid check can help it
        try:
            lease = await store.acquire_lease(incident_id, me, now=time.time(), seconds=30)
            assert lease.holder.token == token  # alive and connected: it keeps the lease
        finally:
            os.kill(holder.pid, signal.SIGKILL)
            holder.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while True:  # the server notices the dropped connection and releases the holder's advisory lock
            lease = await store.acquire_lease(incident_id, me, now=time.time(), seconds=30)
            if lease.held_by(me) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert lease.held_by(me), "the lease of a killed holder (expiring in an hour) was not taken over"
        assert await store.renew_lease(incident_id, me, now=time.time(), seconds=30)
        assert await store.release_lease(incident_id, me)
        assert await store.lease(incident_id) is None
