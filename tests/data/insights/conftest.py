"""A seeded history of 60 incidents over six months (May–October 2026) with known answers.

Incident ``i`` (0–59, id ``INC-2026-{i+1:04d}``) is detected on day ``1 + 2*(i % 10)``
of month ``5 + i // 10`` at 09:00 UTC and declared 2 minutes later; its priority is
``P0..P3`` by ``i % 4`` and its service ``checkout/search/payments`` by ``i % 3``.
Acknowledge, engage and resolve delays are fixed per priority (see ``DELAYS``).
Tier at resolution: ``i % 10`` 0–6 → 1, 7–8 → 2, 9 → 3. All resolved; 0–54 closed.
Reviews completed for every resolved P0/P1 except incidents 0, 1 and 4.
One preventive action ``A1`` each, due 14 days after detection: open when
``i % 7 == 0``, else done late when ``i % 5 == 0``, else done on time.
Root causes are unique words, except incident 40, which repeats incident 30's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from warroom.data import events as ev
from warroom.data.models import ActionStatus, Level, MitigationStrategy, NormalisedAlert, Role, Severity
from warroom.data.store import EventStore

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
PRIORITIES = [Severity.P0, Severity.P1, Severity.P2, Severity.P3]
SERVICES = ["checkout", "search", "payments"]
M = timedelta(minutes=1)
DELAYS = {  # priority: (acknowledge, engage, resolve) after detection
    Severity.P0: (1 * M, 10 * M, 90 * M),
    Severity.P1: (4 * M, 20 * M, 180 * M),
    Severity.P2: (20 * M, 60 * M, 600 * M),
    Severity.P3: (60 * M, 120 * M, 1800 * M),
}
NO_REVIEW = {0, 1, 4}
SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ri", "so", "tu", "va", "ze"]


def nonsense(i: int, salt: int) -> str:
    """A word unique to ``(i, salt)``."""
    return "x" + SYLLABLES[i // 10 % 10] + SYLLABLES[i % 10] + SYLLABLES[salt % 10] + "q"


def root_cause_for(i: int) -> str:
    j = 30 if i == 40 else i
    return f"{nonsense(j, 1)} {nonsense(j, 2)} exhausted the {nonsense(j, 3)} {nonsense(j, 4)} pool"


def detected(i: int) -> datetime:
    return datetime(2026, 5 + i // 10, 1 + 2 * (i % 10), 9, 0, tzinfo=timezone.utc)


def tier_of(i: int) -> int:
    return 1 if i % 10 <= 6 else 2 if i % 10 <= 8 else 3


def action_state(i: int) -> str:
    return "open" if i % 7 == 0 else "late" if i % 5 == 0 else "on_time"


def incident_events(i: int, incident_id: str) -> list[ev.BaseEvent]:
    """Every event after the declaration for seeded incident ``i``."""
    sev, t0 = PRIORITIES[i % 4], detected(i)
    ack, engage, resolve = DELAYS[sev]
    at = lambda d: t0 + d  # noqa: E731
    out: list[ev.BaseEvent] = [
        ev.AlertReceived(incident_id=incident_id, at=at(2 * M), alert=NormalisedAlert(
            source="alertmanager", fingerprint=f"fp{i}", title=f"{SERVICES[i % 3]} errors",
            severity=sev, service=SERVICES[i % 3], labels={"alertname": f"HighErrorRate{SERVICES[i % 3].title()}"})),
        ev.Acknowledged(incident_id=incident_id, at=at(ack), actor="oncall"),
        ev.RoleAssigned(incident_id=incident_id, at=at(engage), role=Role.TECHNICAL_LEAD, person="tl"),
    ]  # fmt: skip
    if tier_of(i) >= 2:
        out.append(ev.TierEscalated(incident_id=incident_id, at=at(engage + M), tier=2))
    if tier_of(i) == 3:
        out.append(ev.TierEscalated(incident_id=incident_id, at=at(engage + 2 * M), tier=3))
    cause = root_cause_for(i)
    if i % 3 == 0:
        out += [
            ev.AgentStepStarted(incident_id=incident_id, at=at(engage + 3 * M), run_id=f"r{i}", step_id="five_whys"),
            ev.AgentStepOutput(incident_id=incident_id, at=at(engage + 3 * M), run_id=f"r{i}", text=f"ERROR {i} retries"),
            ev.AgentStepFinished(incident_id=incident_id, at=at(engage + 4 * M), run_id=f"r{i}",
                                 structured={"problem": "p", "whys": [], "root_cause": cause}),
        ]  # fmt: skip
    elif i % 3 == 1:
        out.append(ev.ReviewUpdated(incident_id=incident_id, at=at(engage + 3 * M), section="root_cause", text=cause))
    out.append(ev.MitigationExecuted(incident_id=incident_id, at=at(resolve - M),
                                     strategy=MitigationStrategy.ROLLBACK, outcome="succeeded"))  # fmt: skip
    out.append(ev.IncidentResolved(incident_id=incident_id, at=at(resolve), resolution=cause if i % 3 == 2 else "Rolled back"))
    due = t0 + timedelta(days=14)
    out.append(ev.ActionItemAdded(incident_id=incident_id, at=at(resolve + M), item_id="A1",
                                  title=f"Prevent {nonsense(i, 5)}", owner="alice" if i % 2 else "bob", due=due))  # fmt: skip
    if i == 2:
        out.append(ev.ActionItemAdded(incident_id=incident_id, at=at(resolve + M), item_id="U1", title="No due date"))
    if i == 3:
        out.append(ev.ActionItemAdded(incident_id=incident_id, at=at(resolve + M), item_id="C1", title="Dropped",
                                      due=due, status=ActionStatus.CANCELLED))  # fmt: skip
    if i == 59:
        out.append(ev.ActionItemAdded(incident_id=incident_id, at=at(resolve + M), item_id="F1",
                                      title="Future work", due=NOW + timedelta(days=10)))  # fmt: skip
    if sev in (Severity.P0, Severity.P1) and i not in NO_REVIEW:
        out.append(ev.ReviewCompleted(incident_id=incident_id, at=at(resolve + 2 * M)))
    if i < 55:
        out.append(ev.IncidentClosed(incident_id=incident_id, at=at(resolve + 3 * M)))
    state = action_state(i)
    if state != "open":
        when = due - timedelta(days=1) if state == "on_time" else due + timedelta(days=1)
        out.append(ev.ActionItemUpdated(incident_id=incident_id, at=when, item_id="A1", status=ActionStatus.DONE))
    return out


async def seed_history(store: EventStore, count: int = 60) -> None:
    for i in range(count):
        sev = PRIORITIES[i % 4]
        impact, urgency = {Severity.P0: (Level.HIGH, Level.HIGH), Severity.P1: (Level.HIGH, Level.MEDIUM),
                           Severity.P2: (Level.MEDIUM, Level.MEDIUM), Severity.P3: (Level.LOW, Level.LOW)}[sev]  # fmt: skip
        declared = await store.declare(
            detected(i) + 2 * M, title=f"Incident {i}", severity=sev, impact=impact, urgency=urgency,
            service=SERVICES[i % 3], detected_at=detected(i), detection_method="alert",
        )  # fmt: skip
        await store.append_many(incident_events(i, declared.incident_id))


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, built once per session (tests get their own copy)."""
    import asyncio

    path = tmp_path_factory.mktemp("insights") / "seeded.db"

    async def build() -> None:
        store = await EventStore.open(path, synchronous="OFF")
        try:
            await seed_history(store)
        finally:
            await store.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def history_store(seeded_template: Path, db_path: Path) -> AsyncIterator[EventStore]:
    """A copy of the seeded database at ``db_path``, open."""
    import shutil

    shutil.copyfile(seeded_template, db_path)
    store = await EventStore.open(db_path)
    try:
        yield store
    finally:
        await store.close()
