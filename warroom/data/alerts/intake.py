"""Alert intake: alerts become incidents, or land on the incident they belong to.

A payload is taken in by batches of alerts, one store transaction each: within a
batch every alert is recorded (and every key bound) or none is, and the write
lock is released between batches so an alert storm never locks people out.

* An alert whose dedup key is bound to an open (or resolved) incident appends
  an :class:`~warroom.data.events.AlertReceived` to it. A resolve is recorded
  on the timeline; the incident itself is resolved by a human.
* A firing or acknowledged alert with no incident declares one (title,
  severity, impact/urgency, service and summary from the alert), records the
  alert and binds its keys. Several alerts in one payload open one incident
  per fingerprint, unless the fingerprint is already bound.
* A firing alert bound to a *closed* incident opens a new incident (the old
  one stays closed and the key moves); a resolve or update for a closed or
  unknown incident is skipped, and the outcome says so.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from warroom.data import events as ev
from warroom.data.alerts.alertmanager import parse_alertmanager
from warroom.data.alerts.pagerduty import INCIDENT_PREFIX, parse_pagerduty
from warroom.data.alerts.payload import AlertPayloadError, decode_json
from warroom.data.models import NormalisedAlert, Status
from warroom.data.policy import levels_for
from warroom.data.store import EventStore, Transaction
from warroom.data.text import strip_control

Format = Literal["alertmanager", "pagerduty", "auto"]
Action = Literal["declared", "updated", "skipped"]
OPENING_STATUSES = ("firing", "acknowledged")


@dataclass(frozen=True)
class AlertOutcome:
    """What intake did with one alert."""

    alert: NormalisedAlert
    action: Action
    incident_id: str | None = None
    reason: str = ""


def parse_alerts(data: bytes, fmt: Format, name: str = "the payload") -> list[NormalisedAlert]:
    """Decode and parse a payload; ``auto`` tells Alertmanager from PagerDuty by shape."""
    document = decode_json(data, name)
    if fmt == "auto":
        fmt = "alertmanager" if isinstance(document, dict) and "alerts" in document else "pagerduty"
    try:
        return parse_alertmanager(document) if fmt == "alertmanager" else parse_pagerduty(document)
    except AlertPayloadError as exc:
        raise AlertPayloadError(f"{name}: {exc}") from None


def detection_method(alert: NormalisedAlert) -> str:
    return "pagerduty" if alert.source.startswith("pagerduty") else alert.source


GROUP_PREFIX = "alertmanager-group:"


def group_key(alert: NormalisedAlert) -> str | None:
    """The dedup key of the Alertmanager group ``alert`` was sent in (its ``groupKey``), if any.

    Alertmanager groups alerts by the route's ``group_by`` labels; one group is one problem to the
    people who configured it, so a storm of one rule (500 pods, one ``groupKey``) is one incident.
    """
    if alert.source != "alertmanager" or not isinstance(alert.raw, dict):
        return None
    group = alert.raw.get("group")
    key = group.get("groupKey") if isinstance(group, dict) else None
    if not isinstance(key, str) or not key:
        return None
    return _group_digest(key)


@lru_cache(maxsize=1_024)
def _group_digest(key: str) -> str:
    """A storm's alerts share their group: its key is hashed once."""
    return GROUP_PREFIX + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def dedup_keys(alert: NormalisedAlert) -> list[str]:
    """The keys that tie ``alert`` to an incident: its fingerprint, the PagerDuty incident id if known,
    and its Alertmanager group (so the alerts of one group go to one incident)."""
    keys = [alert.fingerprint]
    incident = alert.labels.get("pagerduty_incident")
    if incident and INCIDENT_PREFIX + incident not in keys:
        keys.append(INCIDENT_PREFIX + incident)
    group = group_key(alert)
    if group:
        keys.append(group)
    return keys


def declaration_fields(alert: NormalisedAlert, at: datetime) -> dict[str, Any]:
    """The :class:`~warroom.data.events.IncidentDeclared` fields an alert implies."""
    impact, urgency = levels_for(alert.severity)
    notes = alert.annotations
    summary = notes.get("description") or notes.get("summary") or notes.get("message") or ""
    title = strip_control(alert.title).strip() or f"Alert {alert.fingerprint}"
    detected = alert.started_at if alert.started_at and alert.started_at <= at else at
    return {
        "title": title[:500], "summary": summary[: ev.MAX_TEXT], "severity": alert.severity, "impact": impact,
        "urgency": urgency, "detection_method": detection_method(alert), "detected_at": detected,
        "service": strip_control(alert.service)[:200],
    }  # fmt: skip


BATCH = 250  # alerts in the first transaction; later ones are sized to hold the write lock about BATCH_SECONDS
BATCH_SECONDS = 0.2
MAX_BATCH = 5_000


async def take_in(store: EventStore, alerts: list[NormalisedAlert], *, at: datetime, actor: str) -> list[AlertOutcome]:
    """Record every alert (declaring incidents as needed), by batches of one transaction each.

    Keys are looked up once per batch and events written with one statement. A batch is sized
    from how long the last one held the write lock (about :data:`BATCH_SECONDS`), so a storm of
    20,000 alerts commits a few dozen times instead of a hundred on a slow disk, and another
    engineer's note still waits for one batch at most.
    """
    outcomes: list[AlertOutcome] = []
    start, size = 0, BATCH
    while start < len(alerts):
        began = time.perf_counter()
        async with store.transaction() as tx:
            outcomes += await _take_batch(tx, alerts[start : start + size], at=at, actor=actor)
        start += size
        size = next_batch_size(size, time.perf_counter() - began)
    return outcomes


def next_batch_size(size: int, took: float) -> int:
    """The size of the next batch after one of ``size`` alerts held the lock ``took`` seconds: aimed
    at :data:`BATCH_SECONDS`, at most doubling, never below ``BATCH // 2`` nor above :data:`MAX_BATCH`."""
    aimed = int(size * BATCH_SECONDS / max(took, 1e-3))
    return max(BATCH // 2, min(MAX_BATCH, aimed, size * 2))


async def _take_batch(tx: Transaction, alerts: list[NormalisedAlert], *, at: datetime, actor: str) -> list[AlertOutcome]:
    bound = await tx.incidents_for_keys([key for alert in alerts for key in dedup_keys(alert)])
    events: list[ev.BaseEvent] = []
    binds: list[tuple[str, str]] = []
    declared: set[str] = set()
    outcomes = []
    leaders = _most_severe_by_group(alerts)
    for alert in alerts:
        keys = dedup_keys(alert)
        incident = next((bound[key] for key in keys if key in bound), None)
        if incident is not None:
            state = None if incident in declared else await tx.state(incident)
            if incident in declared or (state is not None and state.status is not Status.CLOSED):
                events.append(_received(incident, alert, at))
                binds += [(key, incident) for key in keys]
                bound.update(dict.fromkeys(keys, incident))
                outcomes.append(AlertOutcome(alert, "updated", incident))
                continue
        if alert.status not in OPENING_STATUSES:
            reason = f"{incident} is closed" if incident else "no incident holds this alert"
            outcomes.append(AlertOutcome(alert, "skipped", incident, f"{alert.status} alert not recorded: {reason}"))
            continue
        new_id = await tx.next_id(at.year)
        declared.add(new_id)
        leader = next((leaders[key] for key in keys if key in leaders), alert)  # keys hold the group's already
        fields = declaration_fields(leader, at)
        events += [ev.IncidentDeclared(incident_id=new_id, at=at, actor=actor, reporter=actor, **fields),
                   _received(new_id, alert, at)]
        binds += [(key, new_id) for key in keys]
        bound.update(dict.fromkeys(keys, new_id))
        reason = f"reopened as a new incident; {incident} is closed" if incident else ""
        outcomes.append(AlertOutcome(alert, "declared", new_id, reason))
    await tx.append_many(events)
    await tx.bind_keys(binds)
    return outcomes


def _most_severe_by_group(alerts: list[NormalisedAlert]) -> dict[str, NormalisedAlert]:
    """The most severe firing alert of each group in ``alerts``: a group's incident is declared with its
    severity and title (the first of the group's alerts to arrive may be its mildest)."""
    leaders: dict[str, NormalisedAlert] = {}
    for alert in alerts:
        key = group_key(alert)
        if key and alert.status in OPENING_STATUSES:
            best = leaders.get(key)
            if best is None or alert.severity.value < best.severity.value:  # P0 < P1 < P2 < P3
                leaders[key] = alert
    return leaders


def _received(incident_id: str, alert: NormalisedAlert, at: datetime) -> ev.AlertReceived:
    return ev.AlertReceived(incident_id=incident_id, at=at, actor=detection_method(alert), alert=alert)


async def declare_with_alerts(
    store: EventStore, alerts: list[NormalisedAlert], *, at: datetime, actor: str, **fields: Any
) -> tuple[ev.IncidentDeclared, list[AlertOutcome]]:
    """Declare an incident (``fields`` as for the event) and attach ``alerts`` to it, in one transaction."""
    async with store.transaction() as tx:
        return await declare_in(tx, alerts, at=at, actor=actor, **fields)


async def declare_in(
    tx: Transaction, alerts: list[NormalisedAlert], *, at: datetime, actor: str, **fields: Any
) -> tuple[ev.IncidentDeclared, list[AlertOutcome]]:
    """:func:`declare_with_alerts` inside the caller's transaction ``tx``."""
    incident_id = await tx.next_id(at.year)
    declared = await tx.append(ev.IncidentDeclared(incident_id=incident_id, at=at, actor=actor, **fields))
    outcomes = []
    for alert in alerts:
        await _record(tx, incident_id, alert, at)
        outcomes.append(AlertOutcome(alert, "updated", incident_id))
    return declared, outcomes  # type: ignore[return-value]


async def _record(tx: Transaction, incident_id: str, alert: NormalisedAlert, at: datetime) -> None:
    await tx.append(_received(incident_id, alert, at))
    await tx.bind_keys([(key, incident_id) for key in dedup_keys(alert)])


__all__ = ["AlertOutcome", "Format", "declaration_fields", "group_key", "declare_in", "declare_with_alerts", "dedup_keys", "parse_alerts", "take_in"]
