"""Durations as people write them ("15m", "1h 30m", "2d") and as the war room shows them.

``parse_duration`` is what the config file uses; ``format_duration`` is what every
clock, metric and export prints. Both are exact to the second.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

__all__ = ["DurationError", "MAX_DURATION", "add_business_days", "format_duration", "parse_duration"]

# Longer than any response or review window anyone configures; keeps datetime arithmetic safe.
MAX_DURATION = timedelta(days=366)

_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"(\d{1,9})\s*([wdhms])")
_WHOLE = re.compile(r"(?:\d{1,9}\s*[wdhms]\s*)+")


class DurationError(ValueError):
    """Text that is not a duration; the message says what to write instead."""


def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d"``, ``"1h 30m"``, ``"90s"``, ``"1w"`` as a :class:`timedelta`.

    Units are w(eeks), d(ays), h(ours), m(inutes) and s(econds); parts may be
    combined largest first or in any order ("1h30m", "30m 1h"). The value must
    be positive and at most a year. Raises :class:`DurationError`.
    """
    if not isinstance(text, str):
        raise DurationError(f"{text!r} is not a duration (use a string such as 15m, 2h, 1d)")
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > 64 or not _WHOLE.fullmatch(cleaned):
        raise DurationError(f"{text[:64]!r} is not a duration (use e.g. 15m, 2h, 1d)")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError(f"{text!r} is not a positive duration (use e.g. 1m, or \"off\" to disable)")
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError(f"{text!r} is longer than {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Short human form: ``"45s"``, ``"4m 30s"``, ``"15m"``, ``"1h 05m"``, ``"2h"``, ``"2d 3h"``.

    Whole seconds only (fractions are truncated toward zero); negative values
    (an overdue clock) get a leading ``"-"``. Two units at most: the larger one
    and the next, the second dropped when it is zero.
    """
    total = int(value.total_seconds())  # int() truncates toward zero: -0.5s prints "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m {seconds:02d}s" if seconds else f"{minutes}m"
    else:
        text = f"{seconds}s"
    return sign + text


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` × 24 h of weekday time (Saturday and Sunday do not count).

    Business time elapses only Monday to Friday (in the timezone of ``start``,
    UTC inside warroom): Friday 17:00 + 1 business day is Monday 17:00, and
    anything raised on Saturday is due at the end of Monday (Tuesday 00:00).
    """
    remaining = timedelta(days=days)
    moment = start
    while remaining > timedelta(0):
        midnight = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        if moment.weekday() >= 5:
            moment = midnight
            continue
        step = min(remaining, midnight - moment)
        moment += step
        remaining -= step
    return moment
