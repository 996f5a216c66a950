"""Metric series from the evidence (Prometheus ``query_range`` JSON, CSV) and what each one says."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.agents.offline.changepoint import per_minute
from warroom.agents.offline.findings import MetricFinding
from warroom.agents.offline.reader import parse_time
from warroom.data.evidence.logs import open_stream
from warroom.data.answers import Citation

_KINDS = (
    ("error_rate", re.compile(r"5xx|error|fail", re.I)),
    ("latency", re.compile(r"latency|duration|p9[059]|response_time", re.I)),
    ("connections", re.compile(r"pool|connection", re.I)),
    ("cpu", re.compile(r"cpu", re.I)),
    ("memory", re.compile(r"mem|heap|rss", re.I)),
    ("disk", re.compile(r"disk|filesystem|volume", re.I)),
    ("throughput", re.compile(r"request|rps|throughput|qps", re.I)),
)
Series = tuple[str, list[tuple[datetime, float]], str]  # name, points, source


def metric_kind(name: str) -> str:
    return next((kind for kind, pattern in _KINDS if pattern.search(name)), "other")


def _label_name(metric: dict[str, Any]) -> str:
    name = str(metric.get("__name__") or metric.get("name") or "series")
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k not in ("__name__", "name"))
    return f"{name}{{{labels}}}" if labels else name


def read_prometheus(doc: Any, source: str, problems: list[str]) -> list[Series]:
    """Series from a Prometheus ``query_range`` response (``data.result[].values``)."""
    data = doc.get("data") if isinstance(doc, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        problems.append(f"{source}: not a Prometheus query_range response")
        return []
    out: list[Series] = []
    for item in result[:200]:
        if not isinstance(item, dict):
            continue
        points = []
        for pair in (item.get("values") or [])[:100_000]:
            try:
                points.append((datetime.fromtimestamp(float(pair[0]), tz=timezone.utc), float(pair[1])))
            except (TypeError, ValueError, IndexError, OverflowError, OSError):
                continue
        metric = item.get("metric") if isinstance(item.get("metric"), dict) else {}
        if points:
            out.append((_label_name(metric), points, source))
    return out


_TIME_NAMES = ("time", "timestamp", "ts", "date", "datetime", "@timestamp")
_LABEL_NAMES = ("podname", "pod", "servicename", "service", "instance", "host", "node")
MAX_CSV_ROWS = 2_000_000


def _stamp(text: str) -> datetime | None:
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        try:
            value = float(text)
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_time(text)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value else value  # NaN is a missing sample


def read_csv(path: Path, source: str, problems: list[str]) -> list[Series]:
    """Metric series from a CSV (gzip or not): ``timestamp,value`` rows (the file name is the series), or a wide
    table of a time column and one column per metric (``NaN`` cells are gaps). A column that is constant or holds
    no number is ignored, and ``problems`` says which."""
    try:
        stream, _ = open_stream(path)
        with io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="") as text:
            rows = [row for _, row in zip(range(MAX_CSV_ROWS), csv.reader(text))]
    except (OSError, EOFError, csv.Error, ValueError) as exc:
        problems.append(f"{source}: not read as metrics ({exc})")
        return []
    if not rows:
        problems.append(f"{source}: no timestamp,value rows")
        return []
    header = [cell.strip() for cell in rows[0]]
    has_header = _stamp(header[0]) is None and not any(_number(c) is not None for c in header[1:])
    body = rows[1:] if has_header else rows
    if not has_header or len(header) <= 2:
        points = [(at, v) for row in body if len(row) >= 2 and (at := _stamp(row[0])) and (v := _number(row[1])) is not None]
        if not points:
            problems.append(f"{source}: no timestamp,value rows")
            return []
        return [(path.stem, points, source)]
    lowered = [h.lower() for h in header]
    time_col = next((i for i, h in enumerate(lowered) if h in _TIME_NAMES), 0)
    label_col = next((i for i, h in enumerate(lowered) if h in _LABEL_NAMES), None)
    label = body[0][label_col].strip() if label_col is not None and body and len(body[0]) > label_col else ""
    stamps = [_stamp(row[time_col]) if len(row) > time_col else None for row in body]
    out, ignored = [], []
    for col, name in enumerate(header):
        if col in (time_col, label_col) or lowered[col] in _TIME_NAMES:
            continue
        points = [(at, v) for at, row in zip(stamps, body)
                  if at and len(row) > col and (v := _number(row[col])) is not None]
        if not points or len({v for _, v in points}) == 1:
            ignored.append(f"{name} ({'constant ' + format(points[0][1], 'g') if points else 'no numbers'})")
            continue
        out.append((f"{name}{{pod=\"{label}\"}}" if label else name, points, source))
    if ignored:
        problems.append(f"{source}: {len(ignored)} metric column{'s' if len(ignored) != 1 else ''} ignored: "
                        + ", ".join(ignored[:8]) + (" ..." if len(ignored) > 8 else ""))
    if not out:
        problems.append(f"{source}: no metric column with changing values")
    return out


def describe_series(name: str, points: list[tuple[datetime, float]], source: str,
                    onset: datetime | None) -> MetricFinding:
    """Baseline (before onset), latest, peak and any saturation plateau of one series."""
    grid = per_minute(points)
    values = [v for _, v in grid]
    kind = metric_kind(name)
    before = [v for at, v in grid if onset and at < onset] or values[: max(1, len(values) // 3)]
    baseline = sorted(before)[len(before) // 2]
    peak = max(values)
    latest = values[-1]
    finding = MetricFinding(name=name, kind=kind, baseline=round(baseline, 4), latest=round(latest, 4),
                            peak=round(peak, 4), ends_at=grid[-1][0], citation=Citation(source=f"{source}: {name}",
                                                                   detail=f"{grid[0][0]:%H:%M}–{grid[-1][0]:%H:%M}Z"))
    if kind in ("connections", "cpu", "memory", "disk") and peak > 0:
        at_top = [at for at, v in grid if v >= peak * 0.995]
        run, best_run, since, start = 0, 0, grid[0][0], grid[0][0]
        for at, v in grid:
            if v >= peak * 0.995:
                start = at if run == 0 else start
                run += 1
                if run > best_run:
                    best_run, since = run, start
            else:
                run = 0
        if best_run >= 5 and peak > baseline * 1.3 and len(at_top) >= 5:
            finding.saturated_at, finding.saturated_since = round(peak, 4), since
            finding.note = (f"pinned at {peak:g} for {best_run} min from {since:%H:%M}Z (baseline {baseline:g}): "
                            "a hard limit, not a gradual climb")
        elif kind == "cpu" and peak <= max(baseline * 1.3, baseline + 0.1):
            finding.note = f"flat around {baseline:g} throughout: no CPU saturation"
    if not finding.note:
        change = (latest - baseline) / baseline * 100 if baseline else 0.0
        finding.note = f"baseline {baseline:g}, now {latest:g} ({change:+.0f}%), peak {peak:g}"
    return finding
