"""The severity matrix, the default policy tables and durations as read and shown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.data.durations import DurationError, add_business_days, format_duration, parse_duration
from warroom.data.models import Level, Severity
from warroom.data.policy import DEFAULT_POLICY, Policy, SeverityPolicy, levels_for, priority

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW


@pytest.mark.parametrize(
    "impact, urgency, expected",
    [
        (H, H, "P0"), (H, M, "P1"), (H, L, "P2"),
        (M, H, "P1"), (M, M, "P2"), (M, L, "P3"),
        (L, H, "P2"), (L, M, "P3"), (L, L, "P3"),
    ],
)  # fmt: skip
def test_priority_matrix_all_nine_cells(impact: Level, urgency: Level, expected: str) -> None:
    assert priority(impact, urgency) is Severity(expected)


def test_priority_accepts_plain_strings() -> None:
    assert priority("HIGH", "HIGH") is Severity.P0  # type: ignore[arg-type]


@pytest.mark.parametrize("severity", list(Severity))
def test_levels_for_round_trips_through_the_matrix(severity: Severity) -> None:
    assert priority(*levels_for(severity)) is severity


def test_levels_for_canonical_cells() -> None:
    assert levels_for(Severity.P0) == (H, H)
    assert levels_for(Severity.P1) == (H, M)
    assert levels_for(Severity.P2) == (M, M)
    assert levels_for(Severity.P3) == (L, L)


def test_default_policy_matches_the_itil_tables() -> None:
    p0, p1, p2, p3 = (DEFAULT_POLICY.severities[s] for s in Severity)
    minutes = lambda n: timedelta(minutes=n)  # noqa: E731
    assert (p0.acknowledge, p0.engage, p0.resolve, p0.resolve_target, p0.update_every) == (
        minutes(1), minutes(15), minutes(120), minutes(60), minutes(15))  # fmt: skip
    assert (p0.tier2_after, p0.tier3_after, p0.management_after, p0.executive_after) == (
        minutes(15), minutes(30), minutes(30), minutes(120))  # fmt: skip
    assert (p1.acknowledge, p1.engage, p1.resolve, p1.update_every) == (minutes(5), minutes(30), minutes(240), minutes(30))
    assert (p1.tier2_after, p1.tier3_after, p1.management_after, p1.executive_after) == (
        minutes(30), minutes(60), minutes(120), None)  # fmt: skip
    assert (p2.acknowledge, p2.engage, p2.resolve, p2.update_every) == (
        minutes(30), timedelta(hours=4), timedelta(hours=24), timedelta(days=1))  # fmt: skip
    assert p2.tier2_after is None and p2.management_after is None
    assert p3.acknowledge is None and p3.acknowledge_business_days == 1
    assert (p3.engage, p3.resolve, p3.update_every, p3.review_due) == (None, None, None, None)
    assert [p.review_due for p in (p0, p1, p2)] == [timedelta(hours=24), timedelta(hours=48), timedelta(weeks=1)]
    assert DEFAULT_POLICY.detect_target == minutes(5) and DEFAULT_POLICY.triage_target == minutes(15)
    assert DEFAULT_POLICY.regulatory == {"GDPR": timedelta(hours=72)}
    assert DEFAULT_POLICY.due_soon_fraction == 0.25


def test_severity_policy_refuses_inconsistent_rows() -> None:
    with pytest.raises(ValueError, match="not both"):
        SeverityPolicy(acknowledge=timedelta(minutes=5), acknowledge_business_days=1)
    with pytest.raises(ValueError, match="longer than resolve"):
        SeverityPolicy(resolve=timedelta(hours=1), resolve_target=timedelta(hours=2))
    with pytest.raises(ValueError, match="positive"):
        SeverityPolicy(engage=timedelta(0))


def test_policy_needs_every_severity() -> None:
    with pytest.raises(ValueError, match="no policy for P3"):
        Policy(severities={s: SeverityPolicy() for s in Severity if s is not Severity.P3})


def test_policy_re_exports_the_clock_interface() -> None:
    from warroom.data import clocks, policy

    for name in ("Clock", "ClockState", "DueEscalation", "ResponseMetric", "clocks", "due_escalations",
                 "pending_breaches", "response_metrics"):  # fmt: skip
        assert getattr(policy, name) is getattr(clocks, name)
    with pytest.raises(AttributeError):
        policy.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    "value, text",
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=4, seconds=30), "4m 30s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1, minutes=5), "1h 05m"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=2, hours=3, minutes=59), "2d 3h"),
        (timedelta(days=7), "7d"),
        (-timedelta(minutes=4, seconds=30), "-4m 30s"),
        (-timedelta(hours=1, minutes=5), "-1h 05m"),
        (timedelta(seconds=59.9), "59s"),
        (-timedelta(seconds=0.5), "0s"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(
    "text, value",
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 1h 30m ", timedelta(minutes=90)),
        ("2H", timedelta(hours=2)),
    ],
)
def test_parse_duration(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "30x", "15", "m", "1.5h", "-5m", "0m", "5 minutes", "1h-", "9999999d", "1" * 80])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_parse_duration_refuses_non_strings() -> None:
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration(15)  # type: ignore[arg-type]


UTC = timezone.utc


@pytest.mark.parametrize(
    "start, expected",
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # Monday -> Tuesday
        (datetime(2026, 11, 27, 17, 0, tzinfo=UTC), datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),  # Friday -> Monday
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # Saturday -> end of Monday
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # Sunday -> end of Monday
        (datetime(2026, 11, 27, 0, 0, tzinfo=UTC), datetime(2026, 11, 28, 0, 0, tzinfo=UTC)),  # all of Friday
    ],
)
def test_add_business_days_skips_the_weekend(start: datetime, expected: datetime) -> None:
    assert add_business_days(start, 1) == expected


def test_add_business_days_several() -> None:
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert add_business_days(thursday, 3) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Fri, Mon, Tue
    assert add_business_days(thursday, 0) == thursday
