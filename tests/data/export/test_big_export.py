"""A big incident exported through the store (snapshot, no chunks read) equals the same events exported whole.

``warroom export`` loads the state from the incident's snapshot and reads only the timeline's
events (not the streamed chunks); ``render_incident(events)`` folds every event from scratch.
The documents (markdown and JSON) must be byte-identical. The incident: 12,000 events of a P0
with streamed runs, notes, re-fired alerts, status updates and escalations that come late (so
the quality gates find overdue ones), snapshots written every 1,500 events along the way.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from warroom.app import cli
from warroom.data import events as ev
from warroom.data import snapshots
from warroom.data.export import render_incident, render_json
from warroom.data.models import Audience, Horizon, Level, MitigationStrategy, NormalisedAlert, Role, Severity
from warroom.data.store import EventStore

ID = "INC-2026-0001"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TOTAL = 12_000
STEPS = [("tier1_response", "diagnostics/tier1-data.md"), ("root_cause", "root-cause-analysis.md"),
         ("mitigation_plan", "mitigation-report.md")]  # fmt: skip


def big_incident() -> list[ev.BaseEvent]:
    out: list[ev.BaseEvent] = []

    def add(cls: type[ev.BaseEvent], **fields: Any) -> None:
        out.append(cls(incident_id=ID, at=T0 + timedelta(milliseconds=750 * len(out)), actor=fields.pop("actor", "alice"), **fields))

    add(ev.IncidentDeclared, title="Checkout API returning 503", severity=Severity.P0, impact=Level.HIGH,
        urgency=Level.HIGH, service="checkout-api", detected_at=T0)  # fmt: skip
    add(ev.Acknowledged)
    add(ev.RoleAssigned, role=Role.INCIDENT_COMMANDER, person="alice")
    run = 0
    while len(out) < TOTAL - 20:
        run += 1
        step, artifact = STEPS[run % len(STEPS)]
        add(ev.AgentStepStarted, actor="agent", run_id=f"r{run}", step_id=step, role="sre", backend="offline")
        parts = []
        for k in range(700):
            parts.append(f"pod checkout-{k} restarted {k % 7} times | p95 {100 + k} ms\n")
            add(ev.AgentStepOutput, actor="agent", run_id=f"r{run}", text=parts[-1])
            if k % 5 == 0:
                add(ev.NoteAdded, actor=("bob", "carol")[k % 2], text=f"observation {len(out)}: pool {k % 100}/100 `x`")
            if k % 300 == 7:
                add(ev.AlertReceived, actor="alertmanager", alert=NormalisedAlert(
                    source="alertmanager", fingerprint="fp", title="HighErrorRate", severity=Severity.P0))  # fmt: skip
            if k == 350:
                add(ev.StatusUpdatePublished, audience=Audience.STATUS_PAGE, text=f"Update {run}: investigating.")
        add(ev.AgentStepFinished, actor="agent", run_id=f"r{run}", output="".join(parts), artifact=artifact)
        if run == 3:
            add(ev.TierEscalated, tier=2, reason="late")
    add(ev.MitigationExecuted, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded", validation={"error_rate": "0.2%"})
    add(ev.IncidentResolved, resolution="rolled back")
    add(ev.ActionItemAdded, item_id="A1", title="Alert on pool saturation", owner="bob", due=T0 + timedelta(days=7),
        horizon=Horizon.SHORT_TERM)  # fmt: skip
    add(ev.ReviewUpdated, section="summary", text="Pool exhausted after the deploy.")
    add(ev.AgentStepStarted, actor="agent", run_id="late", step_id="review_notes")
    for k in range(5):  # a run still streaming when exported: its chunks are the last events
        add(ev.AgentStepOutput, actor="agent", run_id="late", text=f"late chunk {k}")
    return out


def test_the_store_export_equals_the_whole_events_export(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1_500)
    db = tmp_path / "big.db"

    async def seed() -> list[ev.BaseEvent]:
        stored: list[ev.BaseEvent] = []
        events = big_incident()
        async with await EventStore.open(db, synchronous="OFF") as store:
            for start in range(0, len(events), 1_000):
                stored += await store.append_many(events[start : start + 1_000])
                store._cache.clear()  # the next load starts cold: from the snapshot, if one is due
                await store.load(ID)
        return stored

    stored = asyncio.run(seed())
    with sqlite3.connect(db) as conn:  # the export starts from a snapshot, not from the first event
        assert conn.execute("SELECT seq FROM snapshots").fetchone()[0] > TOTAL - 2_000
    assert sum(e.kind == "agent.output" for e in stored) > TOTAL // 2
    expected = render_incident(stored)
    out = tmp_path / "out"
    assert cli.main(["export", ID, "--db", str(db), "--out", str(out)]) == 0
    written = {str(p.relative_to(out / ID)): p.read_text(encoding="utf-8") for p in (out / ID).rglob("*") if p.is_file()}
    assert written == expected
    assert "Tier 2 due" in expected["quality-gates.md"]  # an escalation came late: the gates saw it
    capsys.readouterr()
    assert cli.main(["export", ID, "--db", str(db), "--format", "json", "--out", "-"]) == 0
    assert capsys.readouterr().out == render_json(stored)
