"""The incident policy: the Impact × Urgency matrix, response SLAs and escalation timers.

The defaults are the ITIL flow's tables (``seeds/004``); a ``warroom.toml`` can
override any of them (see :mod:`warroom.data.config`). The clocks built on the
policy live in :mod:`warroom.data.clocks` and are re-exported here, so callers
import everything policy-shaped from this one module.

Defaults, by severity (all measured from ``incident.detected_at``):

====  ===========  =======  ================  =========  ======  ======  ==========  =========  ======
sev   acknowledge  engage   resolve (target)  updates    Tier 2  Tier 3  management  executive  review
====  ===========  =======  ================  =========  ======  ======  ==========  =========  ======
P0    1m           15m      2h (1h)           15m        15m     30m     30m         2h         24h
P1    5m           30m      4h                30m        30m     1h      2h          —          48h
P2    30m          4h       24h               1d         —       —       —           —          1w
P3    1 bus. day   —        —                 —          —       —       —           —          —
====  ===========  =======  ================  =========  ======  ======  ==========  =========  ======

"Acknowledge immediately" (P0) is one minute: a page answered within the minute.
Tier 3 is counted from when Tier 2 was entered; the review from resolution.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warroom.data.durations import add_business_days, format_duration, parse_duration
from warroom.data.models import Level, Severity

__all__ = [
    "DEFAULT_POLICY", "Clock", "ClockState", "DueEscalation", "Policy", "ResponseMetric", "SeverityPolicy",
    "add_business_days", "clocks", "due_escalations", "format_duration", "levels_for", "parse_duration",
    "pending_breaches", "pending_escalations", "priority", "response_metrics",
]  # fmt: skip

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW

#: Priority from (impact, urgency): the ITIL matrix.
MATRIX: dict[tuple[Level, Level], Severity] = {
    (H, H): Severity.P0, (H, M): Severity.P1, (H, L): Severity.P2,
    (M, H): Severity.P1, (M, M): Severity.P2, (M, L): Severity.P3,
    (L, H): Severity.P2, (L, M): Severity.P3, (L, L): Severity.P3,
}  # fmt: skip

_CANONICAL: dict[Severity, tuple[Level, Level]] = {
    Severity.P0: (H, H), Severity.P1: (H, M), Severity.P2: (M, M), Severity.P3: (L, L),
}  # fmt: skip


def priority(impact: Level, urgency: Level) -> Severity:
    """The severity the matrix gives for ``impact`` × ``urgency`` (HH → P0 … LL → P3)."""
    return MATRIX[(Level(impact), Level(urgency))]


def levels_for(severity: Severity) -> tuple[Level, Level]:
    """The canonical ``(impact, urgency)`` for a severity known on its own (e.g. from an alert).

    P0 → HIGH/HIGH, P1 → HIGH/MEDIUM, P2 → MEDIUM/MEDIUM, P3 → LOW/LOW; each
    maps back to the same severity through :func:`priority`.
    """
    return _CANONICAL[Severity(severity)]


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


class SeverityPolicy(BaseModel):
    """Response SLAs and escalation timers for one severity; ``None`` means "does not apply".

    ``acknowledge_business_days`` (P3) replaces ``acknowledge`` with N × 24 h of
    weekday time; set one or the other. ``resolve_target`` is the aim inside the
    ``resolve`` SLA (P0: "1–2 h" is a 1 h target, 2 h SLA): the resolve clock is
    *due soon* once the target has passed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledge: timedelta | None = None
    acknowledge_business_days: int = Field(default=0, ge=0, le=30)
    engage: timedelta | None = None
    resolve: timedelta | None = None
    resolve_target: timedelta | None = None
    update_every: timedelta | None = None
    tier2_after: timedelta | None = None
    tier3_after: timedelta | None = None
    management_after: timedelta | None = None
    executive_after: timedelta | None = None
    review_due: timedelta | None = None

    @field_validator(
        "acknowledge", "engage", "resolve", "resolve_target", "update_every", "tier2_after",
        "tier3_after", "management_after", "executive_after", "review_due",
    )  # fmt: skip
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be a positive duration")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "SeverityPolicy":
        if self.acknowledge is not None and self.acknowledge_business_days:
            raise ValueError("set either acknowledge or acknowledge_business_days, not both")
        if self.resolve_target is not None:
            if self.resolve is None:
                raise ValueError("resolve_target needs a resolve SLA (switch resolve_target off too)")
            if self.resolve_target > self.resolve:
                raise ValueError(
                    f"resolve_target ({format_duration(self.resolve_target)}) is longer than "
                    f"resolve ({format_duration(self.resolve)})"
                )
        return self


class Policy(BaseModel):
    """Everything the clocks, escalation timers and response metrics are measured against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severities: dict[Severity, SeverityPolicy]
    #: An open clock is "due soon" once this fraction (or less) of its window remains.
    due_soon_fraction: float = Field(default=0.25, gt=0, lt=1)
    #: Detection to declaration (the incident logged): the MTTD quality gate.
    detect_target: timedelta = _minutes(5)
    #: Detection to triage (priority assigned): the triage quality gate.
    triage_target: timedelta = _minutes(15)
    #: Regulatory notification windows for a personal-data breach, by regime.
    regulatory: dict[str, timedelta] = Field(default_factory=lambda: {"GDPR": timedelta(hours=72)})

    @model_validator(mode="after")
    def _every_severity(self) -> "Policy":
        missing = [s.value for s in Severity if s not in self.severities]
        if missing:
            raise ValueError(f"no policy for {', '.join(missing)}")
        return self

    def for_severity(self, severity: Severity) -> SeverityPolicy:
        """The policy row for ``severity``."""
        return self.severities[Severity(severity)]


DEFAULT_POLICY = Policy(
    severities={
        Severity.P0: SeverityPolicy(
            acknowledge=_minutes(1), engage=_minutes(15), resolve=_minutes(120), resolve_target=_minutes(60),
            update_every=_minutes(15), tier2_after=_minutes(15), tier3_after=_minutes(30),
            management_after=_minutes(30), executive_after=_minutes(120), review_due=timedelta(hours=24),
        ),
        Severity.P1: SeverityPolicy(
            acknowledge=_minutes(5), engage=_minutes(30), resolve=timedelta(hours=4), update_every=_minutes(30),
            tier2_after=_minutes(30), tier3_after=timedelta(hours=1), management_after=timedelta(hours=2),
            review_due=timedelta(hours=48),
        ),
        Severity.P2: SeverityPolicy(
            acknowledge=_minutes(30), engage=timedelta(hours=4), resolve=timedelta(hours=24),
            update_every=timedelta(days=1), review_due=timedelta(weeks=1),
        ),
        Severity.P3: SeverityPolicy(acknowledge_business_days=1),
    }
)  # fmt: skip

_CLOCK_NAMES = {
    "Clock", "ClockState", "DueEscalation", "ResponseMetric", "clocks", "due_escalations",
    "pending_breaches", "pending_escalations", "response_metrics",
}  # fmt: skip

if TYPE_CHECKING:
    from warroom.data.clocks import (  # noqa: F401
        Clock,
        ClockState,
        DueEscalation,
        ResponseMetric,
        clocks,
        due_escalations,
        pending_breaches,
        pending_escalations,
        response_metrics,
    )


def __getattr__(name: str) -> Any:
    """Re-export the clocks lazily (``clocks`` imports this module for the policy)."""
    if name in _CLOCK_NAMES:
        from warroom.data import clocks as _clocks

        return getattr(_clocks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
