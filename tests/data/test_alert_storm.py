"""An alert storm: thousands of alerts in one payload are recorded by batches, and others can write meanwhile."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from warroom.data import events as ev
from warroom.data.alerts.intake import BATCH, BATCH_SECONDS, MAX_BATCH, next_batch_size, parse_alerts, take_in
from warroom.data.store import EventStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def storm(count: int, offset: int = 0) -> dict:
    alerts = [{"status": "firing", "startsAt": "2026-11-23T08:59:00Z", "fingerprint": f"{i + offset:016x}",
               "labels": {"alertname": "KubePodCrashLooping", "pod": f"api-{i + offset}", "severity": "warning"},
               "annotations": {"summary": f"pod api-{i + offset} is crash looping"}} for i in range(count)]
    return {"version": "4", "status": "firing", "receiver": "warroom", "groupLabels": {"alertname": "KubePodCrashLooping"},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts}


async def test_a_storm_declares_one_incident_per_fingerprint_with_distinct_ids(tmp_path: Path) -> None:
    count = BATCH * 3 + 17
    alerts = parse_alerts(json.dumps(storm(count)).encode(), "alertmanager")
    async with await EventStore.open(tmp_path / "w.db") as store:
        first = await take_in(store, alerts, at=T0, actor="alertmanager")
        again = await take_in(store, alerts[:BATCH + 5], at=T0, actor="alertmanager")  # the same alerts re-sent
        ids = [o.incident_id for o in first]
        assert [o.action for o in first] == ["declared"] * count and len(set(ids)) == count
        assert ids[0] == "INC-2026-0001" and ids[-1] == f"INC-2026-{count:04d}"
        assert [(o.action, o.incident_id) for o in again] == [("updated", i) for i in ids[: BATCH + 5]]
        state = await store.load(ids[BATCH])  # the first of the second batch
        assert state is not None and len(state.alerts) == 2 and state.title.startswith("KubePodCrashLooping")


async def test_another_writer_gets_in_while_a_storm_of_20000_alerts_is_recorded(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    payload = tmp_path / "storm.json"
    document = storm(20_000)
    document["groupKey"] = '{}:{alertname="KubePodCrashLooping"}'  # one group, as Alertmanager sends a storm
    payload.write_text(json.dumps(document))
    async with await EventStore.open(db) as store:
        declared = await store.declare(T0, title="Checkout 5xx")
    env = {**os.environ, "WARROOM_DB": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "warroom", "ingest", "alertmanager", str(payload)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    notes = 0
    async with await EventStore.open(db) as store:
        while proc.poll() is None:
            await store.append(ev.NoteAdded(incident_id=declared.incident_id, at=T0, actor="bob", text=f"note {notes}"))
            notes += 1
            await asyncio.sleep(0.02)
        assert proc.wait() == 0, proc.stderr.read().decode()[-2000:]
        events = await store.events(declared.incident_id)
    alert_seqs = [row[0] for row in _alert_seqs(db)]
    note_seqs = [e.seq for e in events if isinstance(e, ev.NoteAdded)]
    assert len(alert_seqs) == 20_000
    async with await EventStore.open(db) as store:
        storm_incident = await store.load("INC-2026-0002")  # the group's one incident, with every alert
        assert len(storm_incident.alerts) == 20_000 and await store.incident_ids() == ["INC-2026-0001", "INC-2026-0002"]
    # a note landed between the storm's first and last alert: the lock was released between batches
    assert any(alert_seqs[0] < seq < alert_seqs[-1] for seq in note_seqs), (notes, alert_seqs[0], alert_seqs[-1])


def _alert_seqs(db: Path) -> list[tuple[int]]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT seq FROM events WHERE kind = 'alert.received' ORDER BY seq").fetchall()


def test_batches_are_sized_to_hold_the_lock_about_the_aimed_time() -> None:
    assert next_batch_size(BATCH, BATCH_SECONDS / 10) == 2 * BATCH  # fast: grows, but at most doubles
    assert next_batch_size(1000, BATCH_SECONDS) == 1000  # on aim: stays
    assert next_batch_size(1000, BATCH_SECONDS * 4) == 250  # slow disk or busy machine: shrinks
    assert next_batch_size(BATCH, 60.0) == BATCH // 2  # never below half the first batch
    assert next_batch_size(MAX_BATCH, 0.0) == MAX_BATCH  # never above the cap, even when instant
