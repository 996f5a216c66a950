"""A seeded incident for screen, pilot and snapshot tests: a P1 with history, a streaming run and breaches."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warroom.data import events as ev
from warroom.data.clocks import pending_breaches
from warroom.data.models import Audience, Level, Role, Severity
from warroom.data.store import EventStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
#: The fixed "now" of every screen test: 12 minutes after detection (acknowledge is breached).
NOW = T0 + timedelta(minutes=12)

HOSTILE = "upstream said [bold red]PANIC[/] \x1b]0;owned\x07 and \x1b[31mred\x1b[0m"


def fixed_now() -> datetime:
    return NOW


@dataclass(frozen=True)
class Seeded:
    db_path: Path
    active: str  # an open P1 with a streaming run and breached clocks
    resolved: str  # a resolved P2 (for close and review)


async def seed(db_path: Path) -> Seeded:
    """Write the seeded incidents into a fresh database at ``db_path``."""
    store = await EventStore.open(db_path)
    try:
        at = lambda minutes: T0 + timedelta(minutes=minutes)  # noqa: E731
        declared = await store.declare(
            T0, title="Checkout API returning 502s", summary="error rate 14% on /checkout",
            severity=Severity.P1, impact=Level.HIGH, urgency=Level.MEDIUM, service="checkout-api",
            reporter="alertmanager", detection_method="alert", actor="alertmanager",
        )  # fmt: skip
        iid = declared.incident_id
        await store.append_many([
            ev.NoteAdded(incident_id=iid, at=at(1), actor="carol", text=HOSTILE),
            ev.PhaseChanged(incident_id=iid, at=at(2), actor="warroom", phase="triage", title="Triage"),
            ev.AgentStepStarted(incident_id=iid, at=at(2), run_id="run-1", step_id="classify", phase="triage",
                                role="triage-analyst", backend="offline", model="investigator"),
            ev.AgentStepOutput(incident_id=iid, at=at(3), run_id="run-1", text="## Severity\n\nImpact **HIGH**"),
            ev.AgentStepFinished(incident_id=iid, at=at(4), run_id="run-1", output="## Severity\n\nImpact **HIGH**, urgency MEDIUM: P1.",
                                 structured={"impact": "HIGH", "urgency": "MEDIUM", "severity": "P1"},
                                 input_tokens=1200, output_tokens=340),
            ev.AgentStepStarted(incident_id=iid, at=at(5), run_id="run-2", step_id="diagnose", phase="investigate",
                                role="tier1-diagnostics", backend="offline", model="investigator"),
            ev.AgentStepOutput(incident_id=iid, at=at(6), run_id="run-2", text="# Diagnosis\n\n- 502s began at 08:58 "),
            ev.AgentStepOutput(incident_id=iid, at=at(7), run_id="run-2", text="after deploy `v2.4.0`\n- log line: " + HOSTILE),
            ev.RoleAssigned(incident_id=iid, at=at(8), actor="carol", role=Role.TECHNICAL_LEAD, person="dave"),
            ev.StatusUpdatePublished(incident_id=iid, at=at(9), actor="carol", audience=Audience.INTERNAL,
                                     text="Investigating 502s on checkout."),
        ])  # fmt: skip
        state = await store.load(iid)
        await store.append_many([
            ev.SlaBreached(incident_id=iid, at=deadline, actor="warroom", clock=clock, deadline=deadline)
            for clock, deadline in pending_breaches(state, NOW)
        ])  # fmt: skip

        second = await store.declare(T0, title="Search latency p99 over 2s", severity=Severity.P2, actor="erin")
        rid = second.incident_id
        await store.append_many([
            ev.Acknowledged(incident_id=rid, at=at(3), actor="erin"),
            ev.RoleAssigned(incident_id=rid, at=at(3), actor="erin", role=Role.INCIDENT_COMMANDER, person="erin"),
            ev.IncidentResolved(incident_id=rid, at=at(10), actor="erin", resolution="cache warmed",
                                validation={"error_rate": "0.1%", "latency": "p99 300ms"}),
        ])  # fmt: skip
        return Seeded(db_path, iid, rid)
    finally:
        await store.close()


def seed_sync(db_path: Path) -> Seeded:
    """:func:`seed` for plain ``def`` tests (snapshot tests)."""
    return asyncio.run(seed(db_path))
