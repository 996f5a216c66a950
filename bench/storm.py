"""Alert storm benchmark: 20,000 alerts in one Alertmanager payload, and a note from another process meanwhile.

Run: ``python bench/storm.py [--alerts N]``. Prints how long ``warroom ingest`` took, the
longest and median time another process waited to append a note while it ran, and, as the
baseline measured in the same run, how long one note takes on an idle database.
Two payloads: one group as Alertmanager sends it (``groupKey``: one incident, 20,000 alerts on it)
and the worst case, 20,000 alerts with no group (20,000 incidents declared).
Nothing here asserts speed; it prints what it measured (the aim: 20,000 alerts in <= 5 s,
no note waiting more than 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.data.test_alert_storm import storm  # noqa: E402
from warroom.data import events as ev  # noqa: E402
from warroom.data.store import EventStore  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


async def _note(store: EventStore, incident_id: str, n: int) -> float:
    start = time.perf_counter()
    await store.append(ev.NoteAdded(incident_id=incident_id, at=T0, actor="bob", text=f"note {n}"))
    return time.perf_counter() - start


async def main(alerts: int) -> None:
    for grouped in (True, False):
        await one_payload(alerts, grouped)


async def one_payload(alerts: int, grouped: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db, payload = Path(tmp) / "w.db", Path(tmp) / "storm.json"
        document = storm(alerts)
        if grouped:
            document["groupKey"] = '{}:{alertname="KubePodCrashLooping"}'
        payload.write_text(json.dumps(document))
        async with await EventStore.open(db) as store:
            iid = (await store.declare(T0, title="Checkout 5xx")).incident_id
            idle = statistics.median([await _note(store, iid, n) for n in range(20)])
            env = {**os.environ, "WARROOM_DB": str(db)}
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "warroom", "ingest", "alertmanager", str(payload)],
                                    env=env, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            waits = []
            while proc.poll() is None:
                waits.append(await _note(store, iid, len(waits)))
                await asyncio.sleep(0.05)
            took = time.perf_counter() - start
        shape = "one Alertmanager group" if grouped else "no group, one incident each"
        print(f"ingest of {alerts:,} alerts ({shape}): {took:.1f} s (exit {proc.returncode}); aim <= 5 s")
        print(f"notes from another process meanwhile: {len(waits)}, longest wait {max(waits):.3f} s, "
              f"median {statistics.median(waits):.3f} s; aim <= 1 s")
        print(f"baseline, one note on an idle database: {idle * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().alerts))
