"""``warroom stats`` over 1,000 incidents of 200 events each (aim: under 2 s).

Run: ``python bench/stats.py [--incidents N] [--events M]``. The database is
built with batch appends (``append_many``, ten incidents per transaction).
Figures, all in the same run on the same file:

* baseline: read and replay every incident (``store.events`` + the fold), no figures;
* the read ``warroom stats`` does (``load_history(chunks=False)``: no agent output chunks);
* the figures (``compute_figures``) on the replayed history;
* ``find_similar`` for one incident against the whole history;
* ``warroom stats`` end to end in a fresh process (interpreter start included).

Nothing asserts speed; it prints what it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warroom.data import events as ev  # noqa: E402
from warroom.data.insights import compute_figures, find_similar, load_history  # noqa: E402
from warroom.data.models import ActionStatus, MitigationStrategy, NormalisedAlert, Role, Severity  # noqa: E402
from warroom.data.store import EventStore  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
START = NOW - timedelta(days=365)
SERVICES = ["checkout", "search", "payments", "auth", "ledger", "gateway", "catalog", "notifications"]
CAUSES = ["connection pool exhausted by a retry storm", "expired TLS certificate on the load balancer",
          "bad feature flag rollout disabled the cache", "disk full after log rotation stopped",
          "memory leak in the image resizer", "DNS TTL misconfigured after migration"]  # fmt: skip
LOG = "ERROR pool: timeout acquiring connection after {n} ms (in use {k}/50) request_id={r:x}"


def incident_events(i: int, iid: str, detected: datetime, count: int) -> list[ev.BaseEvent]:
    sev = list(Severity)[i % 4]
    at = lambda minutes: detected + timedelta(minutes=minutes)  # noqa: E731
    head: list[ev.BaseEvent] = [
        ev.AlertReceived(incident_id=iid, at=at(1), alert=NormalisedAlert(
            source="alertmanager", fingerprint=f"fp{i}", title="errors", severity=sev,
            service=SERVICES[i % 8], labels={"alertname": f"HighErrorRate{i % 5}"})),
        ev.Acknowledged(incident_id=iid, at=at(3)),
        ev.RoleAssigned(incident_id=iid, at=at(9), role=Role.TECHNICAL_LEAD, person="tl"),
        ev.AgentStepStarted(incident_id=iid, at=at(10), run_id="tier1", step_id="tier1_response"),
    ]  # fmt: skip
    tail: list[ev.BaseEvent] = [
        ev.AgentStepFinished(incident_id=iid, at=at(60), run_id="tier1", output="see chunks"),
        ev.ReviewUpdated(incident_id=iid, at=at(61), section="root_cause", text=f"{CAUSES[i % 6]} ({i % 40})"),
        ev.MitigationExecuted(incident_id=iid, at=at(70), strategy=MitigationStrategy.ROLLBACK, outcome="succeeded"),
        ev.IncidentResolved(incident_id=iid, at=at(90), resolution="rolled back"),
        ev.ActionItemAdded(incident_id=iid, at=at(91), item_id="A1", title="fix it", owner="alice",
                           due=detected + timedelta(days=14)),
        ev.ReviewCompleted(incident_id=iid, at=at(92)),
        ev.IncidentClosed(incident_id=iid, at=at(93)),
        ev.ActionItemUpdated(incident_id=iid, at=detected + timedelta(days=10), item_id="A1", status=ActionStatus.DONE),
    ]  # fmt: skip
    chunks = []
    for k in range(count - 1 - len(head) - len(tail)):
        text = LOG.format(n=1000 + k, k=k % 50, r=i * 1000 + k) if k % 4 == 0 else f"Step {k}: checked dashboards for {SERVICES[i % 8]}"
        chunks.append(ev.AgentStepOutput(incident_id=iid, at=at(10 + k * 0.2), run_id="tier1", text=text))
    return head + chunks + tail


async def build(path: Path, incidents: int, per_incident: int) -> None:
    store = await EventStore.open(path, synchronous="OFF")
    try:
        batch: list[ev.BaseEvent] = []
        for i in range(incidents):
            detected = START + timedelta(hours=8.7 * i)
            year_ids = sum(1 for j in range(i) if (START + timedelta(hours=8.7 * j)).year == detected.year)
            iid = f"INC-{detected.year}-{year_ids + 1:04d}"
            batch.append(ev.IncidentDeclared(incident_id=iid, at=detected + timedelta(minutes=2), title=f"Incident {i}",
                                             severity=list(Severity)[i % 4], service=SERVICES[i % 8],
                                             detected_at=detected))  # fmt: skip
            batch += incident_events(i, iid, detected, per_incident)
            if (i + 1) % 10 == 0:
                await store.append_many(batch)
                batch = []
        if batch:
            await store.append_many(batch)
    finally:
        await store.close()


async def measure(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    store = await EventStore.open(path)
    try:
        t = time.perf_counter()
        history = await load_history(store)
        out["replay"] = time.perf_counter() - t
        t = time.perf_counter()
        await load_history(store, chunks=False)
        out["fast"] = time.perf_counter() - t
    finally:
        await store.close()
    t = time.perf_counter()
    compute_figures(history, NOW)
    out["figures"] = time.perf_counter() - t
    target, events = history[-1]
    t = time.perf_counter()
    find_similar(target, events, history)
    out["similar"] = time.perf_counter() - t
    out["events"] = sum(len(e) for _, e in history)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.db"
        t = time.perf_counter()
        asyncio.run(build(path, args.incidents, args.events))
        built = time.perf_counter() - t
        figures = asyncio.run(measure(path))
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "warroom", "stats", "--db", str(path)], capture_output=True, text=True)
        cli = time.perf_counter() - t
        if done.returncode:
            raise SystemExit(done.stderr)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "warroom", "--version"], capture_output=True, check=True)
        startup = time.perf_counter() - t
    print(f"warroom stats: {args.incidents} incidents x {args.events} events = {int(figures['events']):,} events "
          f"(built in {built:.1f} s with batch appends)\n")  # fmt: skip
    rows = [
        ("baseline: read + replay every incident", figures["replay"]),
        ("stats read: replay without output chunks", figures["fast"]),
        ("figures on the replayed history", figures["figures"]),
        ("find_similar (one incident vs all)", figures["similar"]),
        ("baseline: python -m warroom --version", startup),
        ("warroom stats end to end (aim < 2 s)", cli),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  seconds")
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds:7.3f}")
    print(f"\nstats end to end is {cli / figures['replay']:.2f}x the full-replay baseline; "
          f"aim {'met' if cli < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
