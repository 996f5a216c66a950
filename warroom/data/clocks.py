"""SLA clocks, escalation timers and response metrics: pure functions of (incident, now, policy).

Nothing here reads the wall clock. The SLA board renders :func:`clocks`; the
breach recorder appends an ``SlaBreached`` for each :func:`pending_breaches`;
the orchestrator acts on :func:`due_escalations`; the summary and the exported
record use :func:`response_metrics`.

Clock names, in the order they are returned (only clocks that apply):

``acknowledge``
    detection → acknowledgment. Resolving also stops it (a resolved incident
    was plainly attended to), so it never ticks on forever.
``engage``
    detection → someone working it (technical lead, Tier 2+, investigation,
    mitigation or resolution; see the fold).
``status_update``
    last published update (else declaration) → next update due. Rolling: each
    update starts a new window. Stops at resolution.
``escalation``
    the earliest pending escalation (label "Next escalation: Tier 2" …);
    stops at resolution except a security executive notification.
``resolve``
    detection → resolution; *due soon* once ``resolve_target`` has passed.
``review``
    resolution → post-incident review completed (only once resolved).
``regulatory:<regime>``
    security branch declared → the authority notified (GDPR 72 h by default).

The ``status_update`` window is the incident's ``update_cadence`` when a branch
tightened it, else the policy's ``update_every``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from warroom.data.durations import add_business_days, format_duration
from warroom.data.events import utc
from warroom.data.models import Incident, Status
from warroom.data.policy import DEFAULT_POLICY, Policy, SeverityPolicy

__all__ = [
    "Clock", "ClockState", "DueEscalation", "ResponseMetric", "ack_window", "clocks", "due_escalations", "regulatory_clocks",
    "mentions_breach_or_data_loss", "pending_breaches", "pending_escalations", "response_metrics",
]  # fmt: skip


class ClockState(str, Enum):
    """Open clocks are OK / DUE_SOON / BREACHED; stopped clocks are MET / MISSED."""

    OK = "ok"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"


class Clock(BaseModel):
    """One SLA or escalation clock at ``now``.

    ``remaining`` is ``deadline - now`` for an open clock (negative once
    overdue) and ``deadline - met_at`` for a stopped one (negative if missed).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    started_at: datetime
    deadline: datetime
    remaining: timedelta
    state: ClockState
    met_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.met_at is None


EscalationKind = Literal["tier2", "tier3", "management", "executive"]
_ESCALATION_LABELS: dict[str, str] = {
    "tier2": "Tier 2", "tier3": "Tier 3", "management": "Management", "executive": "Executive",
}  # fmt: skip


class DueEscalation(BaseModel):
    """An escalation the policy calls for: what, from when, and why (one sentence)."""

    model_config = ConfigDict(frozen=True)

    kind: EscalationKind
    due_at: datetime
    reason: str

    @property
    def label(self) -> str:
        return _ESCALATION_LABELS[self.kind]


class ResponseMetric(BaseModel):
    """One response metric (MTTD, MTTA, MTTE, time to mitigate, MTTR) for one incident.

    ``duration`` is from detection (``None`` if it has not happened);
    ``margin`` is how far under (met) or over (missed) the target, never negative.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    duration: timedelta | None
    target: timedelta | None
    met: bool | None
    margin: timedelta | None


_NEGATION = re.compile(r"\b(?:no|not|without|zero|nor)\b[\w\s-]{0,12}$")
_TRIGGER = re.compile(
    r"\bdata[\s-]+(?:loss|lost|leak(?:ed|s|age)?|exfiltrat\w*|exposure|exposed)\b|\blost\s+data\b"
    r"|\bexfiltrat\w*|\bbreach(?:ed|es)?\b",
    re.IGNORECASE,
)
_NOT_SECURITY = re.compile(r"\b(?:sla|slo|sli|budget|target|deadline)s?[\s-]*$", re.IGNORECASE)


@lru_cache(maxsize=256)  # clocks() runs every tick; the guidance rarely changes
def mentions_breach_or_data_loss(text: str) -> bool:
    """True if ``text`` speaks of a (security) breach, data loss or exfiltration.

    "SLA breach" / "SLO breached" do not count, nor negated mentions such as
    "no data loss" or "not a breach".
    """
    for match in _TRIGGER.finditer(text or ""):
        before = text[max(0, match.start() - 24) : match.start()].lower()
        if _NEGATION.search(before):
            continue
        if match.group(0).lower().startswith("breach") and _NOT_SECURITY.search(before):
            continue
        return True
    return False


def ack_window(incident: Incident, row: SeverityPolicy) -> timedelta | None:
    """The acknowledge window for ``incident`` (business days resolved to wall time)."""
    if row.acknowledge is not None:
        return row.acknowledge
    if row.acknowledge_business_days:
        start = incident.detected_at
        return add_business_days(start, row.acknowledge_business_days) - start
    return None


def _state_open(now: datetime, started: datetime, deadline: datetime, fraction: float,
                soon_from: datetime | None = None) -> ClockState:  # fmt: skip
    if now > deadline:
        return ClockState.BREACHED
    if deadline - now <= (deadline - started) * fraction or (soon_from is not None and now >= soon_from):
        return ClockState.DUE_SOON
    return ClockState.OK


def _clock(name: str, label: str, started: datetime, deadline: datetime, met_at: datetime | None,
           now: datetime, policy: Policy, soon_from: datetime | None = None) -> Clock:  # fmt: skip
    if met_at is not None:
        state = ClockState.MET if met_at <= deadline else ClockState.MISSED
        return Clock(name=name, label=label, started_at=started, deadline=deadline,
                     remaining=deadline - met_at, state=state, met_at=met_at)  # fmt: skip
    state = _state_open(now, started, deadline, policy.due_soon_fraction, soon_from)
    return Clock(name=name, label=label, started_at=started, deadline=deadline, remaining=deadline - now, state=state)


def clocks(incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY) -> list[Clock]:
    """Every clock that applies to ``incident`` at ``now`` (see the module docstring).

    ``now`` must be timezone-aware (a naive time raises ``ValueError``).
    """
    now = utc(now)
    row = policy.for_severity(incident.severity)
    start = incident.detected_at
    resolved = incident.resolved_at if not incident.status.is_open else None
    out: list[Clock] = []

    window = ack_window(incident, row)
    if window is not None:
        met = incident.acknowledged_at or resolved
        out.append(_clock("acknowledge", "Acknowledge", start, start + window, met, now, policy))
    if row.engage is not None:
        out.append(_clock("engage", "Engage", start, start + row.engage, incident.engaged_at, now, policy))
    every = incident.update_cadence or row.update_every  # a branch may tighten the cadence
    if every is not None and resolved is None:
        since = incident.last_update_at or incident.declared_at
        out.append(_clock("status_update", "Status update", since, since + every, None, now, policy))
    pending = pending_escalations(incident, policy)
    if pending:
        nxt = pending[0]
        began = min(_escalation_start(incident, nxt), nxt.due_at)
        out.append(_clock("escalation", f"Next escalation: {nxt.label}", began, nxt.due_at, None, now, policy))
    if row.resolve is not None:
        soon = start + row.resolve_target if row.resolve_target is not None else None
        out.append(_clock("resolve", "Resolve", start, start + row.resolve, resolved, now, policy, soon))
    if resolved is not None and row.review_due is not None:
        out.append(_clock("review", "Post-incident review", resolved, resolved + row.review_due,
                          incident.review_completed_at, now, policy))  # fmt: skip
    out.extend(regulatory_clocks(incident, now, policy))
    return out


def regulatory_clocks(incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY) -> list[Clock]:
    """One clock per regime of ``policy.regulatory`` once the security branch started them.

    Named ``regulatory:<regime>`` (label "<regime> notification"), from the
    ``security.declared`` event to the window's end; met by ``regulator.notified``.
    They keep running after resolution: the duty to notify does not end with the outage.
    """
    started = incident.regulatory_started_at
    if started is None:
        return []
    now = utc(now)
    return [
        _clock(f"regulatory:{regime}", f"{regime} notification", started, started + window,
               incident.regulators_notified.get(regime), now, policy)  # fmt: skip
        for regime, window in sorted(policy.regulatory.items())
    ]


def _escalation_start(incident: Incident, escalation: DueEscalation) -> datetime:
    """When the timer behind ``escalation`` started (Tier 3 counts from entering Tier 2)."""
    if escalation.kind == "tier3":
        return incident.tier_changed_at or incident.detected_at
    return incident.detected_at


def pending_escalations(incident: Incident, policy: Policy = DEFAULT_POLICY) -> list[DueEscalation]:
    """Every escalation the policy still calls for, due now or later, earliest first.

    Functional and hierarchical timers stop once the incident is resolved; an
    executive notification for a security incident (``incident.security``, or
    guidance mentioning a breach or data loss) stays pending until sent, even
    after resolution (not once closed: the fold refuses it then).
    """
    row = policy.for_severity(incident.severity)
    sev = incident.severity.value
    start = incident.detected_at
    open_ = incident.status.is_open
    found: list[DueEscalation] = []

    def due(kind: EscalationKind, at: datetime, reason: str) -> None:
        found.append(DueEscalation(kind=kind, due_at=at, reason=reason))

    if open_ and incident.tier < 2 and row.tier2_after is not None:
        due("tier2", start + row.tier2_after, f"{sev} still at Tier 1 {format_duration(row.tier2_after)} after detection")
    if open_ and incident.tier == 2 and row.tier3_after is not None:
        entered = incident.tier_changed_at or start
        due("tier3", entered + row.tier3_after, f"{sev} still at Tier 2 {format_duration(row.tier3_after)} after escalation")
    if open_ and incident.management_notified_at is None and row.management_after is not None:
        after = row.management_after
        due("management", start + after, f"{sev} still open {format_duration(after)} after detection")
    if incident.executive_notified_at is None and incident.status is not Status.CLOSED:
        if incident.security or mentions_breach_or_data_loss(incident.guidance):
            what = "security incident" if incident.security else "guidance reports a breach or data loss"
            due("executive", incident.declared_at, f"{what}: notify the executive at once")
        elif open_ and row.executive_after is not None:
            after = row.executive_after
            due("executive", start + after, f"{sev} still open {format_duration(after)} after detection")
    order = list(_ESCALATION_LABELS)
    return sorted(found, key=lambda e: (e.due_at, order.index(e.kind)))


def due_escalations(incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY) -> list[DueEscalation]:
    """The pending escalations whose time has come (``due_at <= now``), earliest first."""
    now = utc(now)
    return [e for e in pending_escalations(incident, policy) if e.due_at <= now]


def pending_breaches(incident: Incident, now: datetime, policy: Policy = DEFAULT_POLICY) -> list[tuple[str, datetime]]:
    """``(clock name, deadline)`` for each clock breached or missed at ``now`` and not yet recorded.

    Each breach is reported once: after an ``SlaBreached`` for the same clock and
    deadline is applied (``incident.has_breach``) it is no longer pending. A
    clock that was met late (MISSED) counts, so a breach that happened while no
    one was watching still reaches the timeline. The ``escalation`` clock is
    not an SLA: an overdue escalation is reported by :func:`due_escalations`.
    A closed incident has nothing pending (the fold refuses breaches then).
    """
    if incident.status is Status.CLOSED:
        return []
    return [
        (clock.name, clock.deadline)
        for clock in clocks(incident, now, policy)
        if clock.name != "escalation"
        and clock.state in (ClockState.BREACHED, ClockState.MISSED)
        and not incident.has_breach(clock.name, clock.deadline)
    ]


def _metric(name: str, duration: timedelta | None, target: timedelta | None) -> ResponseMetric:
    if duration is None or target is None:
        return ResponseMetric(name=name, duration=duration, target=target, met=None, margin=None)
    met = duration <= target
    return ResponseMetric(name=name, duration=duration, target=target, met=met, margin=abs(target - duration))


def response_metrics(incident: Incident, policy: Policy = DEFAULT_POLICY) -> list[ResponseMetric]:
    """Detect, acknowledge, engage, mitigate and resolve times against their targets.

    All from ``detected_at``: detect ends at declaration (target
    ``detect_target``), mitigate at the first successful mitigation (no SLA, so
    ``met`` is ``None``). A step not yet reached has ``duration=None``.
    """
    row = policy.for_severity(incident.severity)
    start = incident.detected_at

    def since(moment: datetime | None) -> timedelta | None:
        return None if moment is None else moment - start

    return [
        _metric("detect", since(incident.declared_at), policy.detect_target),
        _metric("acknowledge", since(incident.acknowledged_at), ack_window(incident, row)),
        _metric("engage", since(incident.engaged_at), row.engage),
        _metric("mitigate", since(incident.mitigated_at), None),
        _metric("resolve", since(incident.resolved_at), row.resolve),
    ]
