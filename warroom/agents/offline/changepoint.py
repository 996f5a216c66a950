"""Change-point detection on per-minute series: when did a series leave its baseline?

The method is a single mean-shift change point found by maximising the
two-sample (CUSUM) statistic over every split of the series, then tested for
significance with a robust z-score of the post-split window against the
baseline's median and MAD (with a Poisson floor for count series, so a quiet
baseline of zeros does not make every blip significant). The onset is then
moved back to the first minute of the shift that is itself out of the
baseline's range, so a ramp is dated where it starts, not at its steepest.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_BASELINE = 5  # minutes of baseline before a split is considered
MIN_AFTER = 3  # minutes after the split that must hold the shift
Z_THRESHOLD = 4.0


@dataclass(frozen=True)
class Shift:
    """A detected level shift."""

    index: int
    at: datetime
    baseline: float  # median before
    after: float  # median of the post-onset window
    score: float  # robust z
    direction: str  # up | down


def per_minute(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """Resample points onto a gap-free minute grid (mean within a minute, gaps carried forward)."""
    if not points:
        return []
    buckets: dict[datetime, list[float]] = {}
    for at, value in points:
        if math.isfinite(value):
            buckets.setdefault(at.replace(second=0, microsecond=0), []).append(value)
    if not buckets:
        return []
    start, end = min(buckets), max(buckets)
    out, last, at = [], None, start
    while at <= end and len(out) < 100_000:
        values = buckets.get(at)
        value = statistics.fmean(values) if values else last
        if value is not None:
            out.append((at, value))
            last = value
        at += timedelta(minutes=1)
    return out


def counts_grid(counts: dict[datetime, int], start: datetime | None = None,
                end: datetime | None = None) -> list[tuple[datetime, float]]:
    """A per-minute count series over ``start``..``end`` (default: the counted minutes) with zeros where nothing happened."""
    if not counts:
        return []
    start = min(min(counts), start.replace(second=0, microsecond=0)) if start else min(counts)
    end = max(max(counts), end.replace(second=0, microsecond=0)) if end else max(counts)
    n = min(int((end - start).total_seconds() // 60) + 1, 100_000)
    return [(start + timedelta(minutes=i), float(counts.get(start + timedelta(minutes=i), 0))) for i in range(n)]


def _spread(values: list[float], counts: bool, span: float) -> float:
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values) * 1.4826
    floor = math.sqrt(max(median, 1.0)) if counts else max(abs(median) * 0.05, span * 0.01, 1e-9)
    return max(mad, floor)


def detect_shift(series: list[tuple[datetime, float]], *, counts: bool = False, z_threshold: float = Z_THRESHOLD,
                 direction: str | None = None) -> Shift | None:
    """The most significant level shift in ``series`` (a per-minute grid), or None.

    ``direction`` ("up" or "down") restricts the search to shifts that way: an
    error rate that rose and later recovered has its onset at the rise, not at
    the recovery.
    """
    values = [v for _, v in series]
    n = len(values)
    if n < MIN_BASELINE + MIN_AFTER:
        return None
    total = sum(values)
    mean = total / n
    prefix, best, best_k = 0.0, 0.0, -1
    for k in range(1, n):
        prefix += values[k - 1]
        if k < MIN_BASELINE or n - k < MIN_AFTER:
            continue
        signed = (k * mean - prefix) / math.sqrt(k * (n - k) / n)  # standardised CUSUM: > 0 when the level rose
        stat = abs(signed) if direction is None else signed if direction == "up" else -signed
        if stat > best:
            best, best_k = stat, k
    if best_k < 0:
        return None
    base = values[:best_k]
    after = values[best_k:best_k + max(MIN_AFTER, min(10, (n - best_k)))]
    base_median, spread = statistics.median(base), _spread(base, counts, max(values) - min(values))
    after_median = statistics.median(after)
    score = (after_median - base_median) / spread
    if abs(score) < z_threshold or (direction == "up" and score < 0) or (direction == "down" and score > 0):
        return None
    direction = "up" if score > 0 else "down"
    k = best_k
    while k - 1 >= MIN_BASELINE // 2:  # walk back over the ramp's first minutes
        z = (values[k - 1] - base_median) / spread
        if (z if direction == "up" else -z) < 3.0:
            break
        k -= 1
    return Shift(index=k, at=series[k][0], baseline=base_median, after=after_median, score=round(score, 1),
                 direction=direction)
