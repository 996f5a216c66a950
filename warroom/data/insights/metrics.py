"""Response figures across incidents: overall, by priority, by service and by month, against their aims.

A pure function of the history (``[(incident, events)]``) and ``now``. Each
incident is grouped by its final priority, its service and the month it was
detected in (UTC); ``since`` keeps incidents detected on or after it.

Populations: the four mean times count the incidents that reached the step;
resolution by tier counts resolved (or closed) incidents by the tier they were
at when resolved; recurrence counts closed incidents (a recurrence is marked,
or its root cause matches one closed in the 90 days before); review
completion counts resolved P0/P1 incidents (P2/P3 shown without an aim);
preventive actions count actions due by ``now`` or done (cancelled ones
excluded), on time when done with ``updated_at <= due``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from warroom.data.clocks import ResponseMetric, response_metrics
from warroom.data.insights.history import History, recurrence_marks
from warroom.data.insights.recurrence import RECURRENCE_WINDOW, SAME_CAUSE, cause_words
from warroom.data.insights.text import set_cosine
from warroom.data.models import ActionStatus, Incident, Severity, Status
from warroom.data.policy import DEFAULT_POLICY, Policy

PRIORITIES = [s.value for s in Severity]
NO_SERVICE = "(no service)"


@dataclass
class Cell:
    """One figure for one group: a mean duration in seconds or a rate in [0, 1].

    ``count`` is the population, ``hits`` the numerator of a rate; ``within``
    (durations) the share of incidents inside their SLA; ``met`` whether the
    aim is met (``None`` where no aim applies or there is no data).
    """

    value: float | None = None
    count: int = 0
    hits: int = 0
    within: float | None = None
    met: bool | None = None


@dataclass
class Figure:
    key: str
    label: str
    unit: str  # "duration" | "rate"
    aim: str
    overall: Cell = field(default_factory=Cell)
    by_priority: dict[str, Cell] = field(default_factory=dict)
    by_service: dict[str, Cell] = field(default_factory=dict)
    by_month: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Figures:
    now: datetime
    since: datetime | None
    incidents: int
    months: list[str]
    services: list[str]
    figures: list[Figure]

    def to_json(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["since"] = self.since.isoformat() if self.since else None
        return data

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# (key, label, response_metrics name)
DURATIONS = [
    ("mttd", "Mean time to detect", "detect"),
    ("mtta", "Mean time to acknowledge", "acknowledge"),
    ("mtte", "Mean time to engage", "engage"),
    ("mttr", "Mean time to resolve", "resolve"),
]
TIER_AIMS = {1: (0.60, 0.80), 2: (0.15, 0.30), 3: (0.05, 0.10)}
RECURRENCE_AIM = 0.05
ACTIONS_AIM = 0.90


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def _rate(hits: int, count: int, ok: Callable[[float], bool] | None) -> Cell:
    if not count:
        return Cell()
    value = hits / count
    return Cell(value=value, count=count, hits=hits, met=ok(value) if ok else None)


def _group_rate(samples: list[tuple[Incident, bool]], ok: Callable[[float], bool] | None,
                priority_ok: Callable[[str], Callable[[float], bool] | None] | None = None) -> tuple:  # fmt: skip
    groups: dict[str, dict[str, list[int]]] = {"p": defaultdict(lambda: [0, 0]), "s": defaultdict(lambda: [0, 0]),
                                               "m": defaultdict(lambda: [0, 0])}  # fmt: skip
    total = [0, 0]
    for incident, hit in samples:
        for name, key in (("p", incident.severity.value), ("s", incident.service or NO_SERVICE),
                          ("m", _month(incident.detected_at))):  # fmt: skip
            groups[name][key][0] += hit
            groups[name][key][1] += 1
        total[0] += hit
        total[1] += 1
    overall = _rate(total[0], total[1], ok)
    by_p = {p: _rate(*groups["p"][p], priority_ok(p) if priority_ok else ok) for p in PRIORITIES if p in groups["p"]}
    by_s = {s: _rate(*v, ok) for s, v in sorted(groups["s"].items())}
    by_m = {m: _rate(*v, ok) for m, v in sorted(groups["m"].items())}
    return overall, by_p, by_s, by_m


def _mean_cell(values: list[tuple[float, bool | None]], target: timedelta | None) -> Cell:
    if not values:
        return Cell()
    mean = sum(v for v, _ in values) / len(values)
    judged = [m for _, m in values if m is not None]
    within = sum(judged) / len(judged) if judged else None
    met = None if target is None else mean <= target.total_seconds()
    return Cell(value=mean, count=len(values), within=within, met=met)


def _duration_figure(key: str, label: str, name: str, incidents: list[Incident], policy: Policy,
                     measured: dict[str, dict[str, ResponseMetric]]) -> Figure:  # fmt: skip
    groups: dict[str, dict[str, list]] = {"p": defaultdict(list), "s": defaultdict(list), "m": defaultdict(list)}
    everything: list[tuple[float, bool | None]] = []
    for incident in incidents:
        metric = measured[incident.incident_id][name]
        if metric.duration is None:
            continue
        sample = (metric.duration.total_seconds(), metric.met)
        everything.append(sample)
        groups["p"][incident.severity.value].append(sample)
        groups["s"][incident.service or NO_SERVICE].append(sample)
        groups["m"][_month(incident.detected_at)].append(sample)
    targets = {p: _target(name, Severity(p), policy) for p in PRIORITIES}
    aim = ", ".join(f"{p} ≤ {_fmt_target(name, Severity(p), policy)}" for p in PRIORITIES
                    if _fmt_target(name, Severity(p), policy))  # fmt: skip
    return Figure(
        key=key, label=label, unit="duration", aim=aim or "—", overall=_mean_cell(everything, None),
        by_priority={p: _mean_cell(groups["p"][p], targets[p]) for p in PRIORITIES if p in groups["p"]},
        by_service={s: _mean_cell(v, None) for s, v in sorted(groups["s"].items())},
        by_month={m: _mean_cell(v, None) for m, v in sorted(groups["m"].items())},
    )  # fmt: skip


def _target(name: str, severity: Severity, policy: Policy) -> timedelta | None:
    row = policy.for_severity(severity)
    return {"detect": policy.detect_target, "acknowledge": row.acknowledge, "engage": row.engage,
            "resolve": row.resolve}[name]  # fmt: skip


def _fmt_target(name: str, severity: Severity, policy: Policy) -> str:
    from warroom.data.durations import format_duration

    target = _target(name, severity, policy)
    if target is not None:
        return format_duration(target)
    row = policy.for_severity(severity)
    if name == "acknowledge" and row.acknowledge_business_days:
        return f"{row.acknowledge_business_days} business day" + ("s" if row.acknowledge_business_days > 1 else "")
    return ""


def recurrences(history: History) -> set[str]:
    """Ids of the closed incidents that are recurrences (marked, or matching a recent closed root cause)."""
    closed = sorted(((s, cause_words(s)) for s, _ in history if s.status is Status.CLOSED and s.closed_at),
                    key=lambda pair: pair[0].closed_at)  # type: ignore[arg-type,return-value]  # fmt: skip
    found = {s.incident_id for s, events in history for m in recurrence_marks(events) if m.role == "recurrence"}
    for i, (incident, mine) in enumerate(closed):
        if not mine or incident.incident_id in found:
            continue
        start = incident.closed_at - RECURRENCE_WINDOW  # type: ignore[operator]
        for other, theirs in reversed(closed[:i]):
            if other.closed_at < start:  # type: ignore[operator]
                break
            if set_cosine(mine, theirs) >= SAME_CAUSE:
                found.add(incident.incident_id)
                break
    return found


def compute_figures(history: History, now: datetime, *, since: datetime | None = None,
                    policy: Policy = DEFAULT_POLICY) -> Figures:  # fmt: skip
    """Every figure of the ITIL metrics for the incidents detected since ``since``."""
    chosen = [(s, e) for s, e in history if since is None or s.detected_at >= since]
    incidents = [s for s, _ in chosen]
    measured = {i.incident_id: {m.name: m for m in response_metrics(i, policy)} for i in incidents}
    figures = [_duration_figure(k, label, name, incidents, policy, measured) for k, label, name in DURATIONS]

    resolved = [s for s in incidents if s.resolved_at is not None and not s.status.is_open]
    for tier, (lo, hi) in TIER_AIMS.items():
        ok = (lambda v, lo=lo, hi=hi: lo <= v <= hi)
        o, p, s, m = _group_rate([(i, i.tier == tier) for i in resolved], ok)
        figures.append(Figure(f"tier{tier}", f"Resolved at Tier {tier}", "rate", f"{lo:.0%}–{hi:.0%}", o, p, s, m))

    recurring = recurrences(history)
    closed = [i for i in incidents if i.status is Status.CLOSED]
    o, p, s, m = _group_rate([(i, i.incident_id in recurring) for i in closed], lambda v: v < RECURRENCE_AIM)
    figures.append(Figure("recurrence", "Recurrence (90 days)", "rate", f"< {RECURRENCE_AIM:.0%}", o, p, s, m))

    samples = [(i, i.review_completed_at is not None) for i in resolved]
    high = {Severity.P0, Severity.P1}
    o, _, s, m = _group_rate([x for x in samples if x[0].severity in high], lambda v: v >= 1.0)
    _, p, _, _ = _group_rate(samples, None, lambda pr: (lambda v: v >= 1.0) if pr in ("P0", "P1") else None)
    figures.append(Figure("review", "Review completed (P0/P1)", "rate", "100% for P0/P1", o, p, s, m))

    actions: list[tuple[Incident, bool]] = []
    for incident in incidents:
        for item in incident.actions.values():
            if item.status is ActionStatus.CANCELLED or item.due is None:
                continue
            done = item.status is ActionStatus.DONE
            if done or item.due <= now:
                actions.append((incident, done and item.updated_at <= item.due))
    o, p, s, m = _group_rate(actions, lambda v: v > ACTIONS_AIM)
    figures.append(Figure("actions", "Preventive actions on time", "rate", f"> {ACTIONS_AIM:.0%}", o, p, s, m))

    months = sorted({_month(i.detected_at) for i in incidents})
    services = sorted({i.service or NO_SERVICE for i in incidents})
    return Figures(now=now, since=since, incidents=len(incidents), months=months, services=services, figures=figures)
