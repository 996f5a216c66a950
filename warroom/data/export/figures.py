"""Figures the documents print: response metrics against their SLA, impact and SLO numbers.

Each figure is a plain string ready for escaping; a figure that cannot be known
from the events says "unknown" and why, never a blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from warroom.data.durations import format_duration
from warroom.data.export.record import Record

#: The availability objective the ITIL review measures against ("Target: ≥99.9%"), over a 30-day month.
SLO_TARGET = 0.999
SLO_WINDOW = timedelta(days=30)

METRIC_LABELS = {
    "detect": ("Time to detect (logged)", "not yet logged"),
    "acknowledge": ("Time to acknowledge", "never acknowledged"),
    "engage": ("Time to engage", "no one engaged yet"),
    "mitigate": ("Time to mitigate", "no successful mitigation recorded"),
    "resolve": ("Time to resolve", "not resolved"),
}


@dataclass(frozen=True)
class MetricRow:
    name: str
    label: str
    duration: str
    target: str
    verdict: str
    met: bool | None


def metric_rows(rec: Record) -> list[MetricRow]:
    """Each response metric with its duration, SLA and verdict (MET / MISSED by how much)."""
    rows = []
    for metric in rec.metrics:
        label, missing = METRIC_LABELS.get(metric.name, (metric.name.capitalize(), "not reached"))
        duration = format_duration(metric.duration) if metric.duration is not None else f"unknown ({missing})"
        target = format_duration(metric.target) if metric.target is not None else "no SLA"
        if metric.met is True and metric.margin is not None:
            verdict = f"MET ({format_duration(metric.margin)} to spare)"
        elif metric.met is False and metric.margin is not None:
            verdict = f"MISSED by {format_duration(metric.margin)}"
        elif metric.target is None:
            verdict = "not measured against an SLA"
        else:
            verdict = f"unknown ({missing})"
        rows.append(MetricRow(metric.name, label, duration, target, verdict, metric.met))
    return rows


def metric(rec: Record, name: str) -> MetricRow | None:
    return next((row for row in metric_rows(rec) if row.name == name), None)


def downtime(rec: Record) -> timedelta | None:
    """Detection to the first successful mitigation, else to resolution; ``None`` while ongoing."""
    i = rec.incident
    end = i.mitigated_at or i.resolved_at
    return None if end is None else max(timedelta(0), end - i.detected_at)


@dataclass(frozen=True)
class Impact:
    users: str
    symptoms: str
    downtime: str
    failed_transactions: str
    revenue: str
    reputation: str
    compliance: str
    availability: str
    error_budget: str
    sla_breach: str


def impact(rec: Record) -> Impact:
    """The impact figures: the reviewer's where written, else computed from the timeline or unknown."""
    review = rec.review
    i = rec.incident
    down = downtime(rec)
    if review.get("impact_downtime"):
        down_text = review["impact_downtime"]
    elif down is not None:
        end = "first successful mitigation" if i.mitigated_at else "resolution"
        down_text = f"{format_duration(down)} (detection to {end}, from the timeline)"
    else:
        down_text = "unknown (the incident is not mitigated yet)"
    budget = SLO_WINDOW * (1 - SLO_TARGET)
    if review.get("slo_availability"):
        availability = review["slo_availability"]
    elif down is not None:
        share = 1 - down / SLO_WINDOW
        availability = (f"{share * 100:.3f}% over 30 days if the whole downtime was unavailable "
                        f"(target {SLO_TARGET * 100:.1f}%)")  # fmt: skip
    else:
        availability = "unknown (the incident is not mitigated yet)"
    if review.get("error_budget_consumed"):
        error_budget = review["error_budget_consumed"]
    elif down is not None:
        error_budget = (f"{down / budget * 100:.0f}% of the 30-day budget ({format_duration(budget)} at "
                        f"{SLO_TARGET * 100:.1f}%) if the whole downtime was unavailable")  # fmt: skip
    else:
        error_budget = "unknown (the incident is not mitigated yet)"
    resolve = metric(rec, "resolve")
    breached = sorted({b.clock for b in rec.breaches})
    if resolve is not None and resolve.met is False:
        sla = f"YES (resolution {resolve.verdict})"
    elif breached:
        sla = "YES (" + ", ".join(breached) + " SLA breached)"
    elif resolve is not None and resolve.met is True:
        sla = "NO"
    else:
        sla = "unknown (not resolved yet)"
    symptoms = review.get("impact_symptoms") or i.summary or "unknown (no symptoms recorded)"
    return Impact(
        users=review.get("impact_users") or "unknown (no count recorded: fill the review section impact_users)",
        symptoms=symptoms,
        downtime=down_text,
        failed_transactions=review.get("impact_failed_transactions")
        or "unknown (no count recorded: fill the review section impact_failed_transactions)",
        revenue=review.get("impact_revenue") or "unknown (no estimate recorded)",
        reputation=review.get("impact_reputation") or "unknown (not assessed)",
        compliance=review.get("impact_compliance") or ("security incident: assess" if i.security else "unknown (not assessed)"),
        availability=availability,
        error_budget=error_budget,
        sla_breach=sla,
    )
