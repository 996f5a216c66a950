"""Readers behind the evidence tools: alerts and metric series.

The data layer's readers (:mod:`warroom.data.evidence`) come first; where they
refuse a shape (a wide CSV with one column per series, a JSON list of points,
a hand-written alerts list) a lenient reader here takes over.

Lenient by design (evidence is whatever was saved during the incident): a file
that cannot be parsed yields nothing rather than an exception, and every
reader is bounded so a huge or hostile file cannot exhaust memory.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MAX_READ = 8 * 1024 * 1024  # bytes read from one structured file
MAX_POINTS = 200_000


def _load_json(path: Path) -> Any:
    """A JSON document or a JSON-lines file as a list; ``None`` when it is neither."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_READ).decode("utf-8", errors="replace")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        rows = []
        for line in raw.splitlines():
            try:
                rows.append(json.loads(line))
            except (ValueError, RecursionError):
                continue
        return rows or None


def _time(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return _time(float(text))
            except ValueError:
                return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


# ---- alerts ----------------------------------------------------------------------------------------------


def alerts_in(path: Path) -> Iterator[str]:
    """One line per alert in an Alertmanager / PagerDuty / plain JSON alerts file."""
    from warroom.data.alerts import AlertPayloadError
    from warroom.data.evidence.alertfiles import read_alert_file

    try:
        parsed = read_alert_file(path)
    except (AlertPayloadError, ValueError, RecursionError, OSError):
        parsed = None
    if parsed:
        for alert in parsed[:1000]:
            started = alert.started_at.isoformat() if alert.started_at else "?"
            summary = alert.annotations.get("summary") or alert.annotations.get("description") or ""
            summary = "" if summary in alert.title else summary  # the title already carries it
            service = f" service={alert.service}" if alert.service else ""
            yield (f"{alert.title} severity={alert.severity.value} ({alert.source_severity or '?'}) "
                   f"status={alert.status} started={started}{service} {summary}").strip()
        return
    doc = _load_json(path)
    items: list[Any] = []
    if isinstance(doc, dict):
        items = doc.get("alerts") or doc.get("messages") or doc.get("incidents") or [doc]
    elif isinstance(doc, list):
        items = doc
    for item in items[:1000]:
        if not isinstance(item, dict):
            continue
        labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
        notes = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        name = labels.get("alertname") or item.get("name") or item.get("title") or payload.get("summary") or "alert"
        severity = labels.get("severity") or item.get("severity") or payload.get("severity") or "?"
        status = item.get("status") or item.get("event_action") or "?"
        started = item.get("startsAt") or item.get("created_at") or payload.get("timestamp") or item.get("at") or ""
        summary = notes.get("summary") or notes.get("description") or item.get("summary") or ""
        yield f"{name} severity={severity} status={status} started={started} {summary}".strip()


# ---- metrics ---------------------------------------------------------------------------------------------


def read_series(path: Path, wanted: str | None) -> dict[str, list[tuple[datetime | None, float]]]:
    """Numeric series from a CSV (time column + value columns, or time,value,series rows) or JSON file."""
    series: dict[str, list[tuple[datetime | None, float]]] = {}

    def add(name: str, at: datetime | None, value: Any) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return
        if math.isfinite(number) and (wanted is None or name == wanted) and sum(map(len, series.values())) < MAX_POINTS:
            series.setdefault(name, []).append((at, number))

    if path.suffix.lower() == ".json":
        from warroom.data.evidence import MetricFormatError, read_prometheus

        try:
            for found in read_prometheus(path, path.name).series:
                labels = ",".join(f"{k}={v}" for k, v in sorted(found.labels.items()) if k != "__name__")
                for at, value in found.points:
                    add(f"{found.name}{{{labels}}}" if labels else found.name, at, value)
        except (MetricFormatError, ValueError, RecursionError):
            pass
        if series:
            return series
    if path.suffix.lower() in (".json", ".jsonl"):
        doc = _load_json(path)
        results = doc.get("data", {}).get("result") if isinstance(doc, dict) and isinstance(doc.get("data"), dict) else None
        if isinstance(results, list):  # Prometheus query_range
            for res in results:
                if isinstance(res, dict):
                    name = json.dumps(res.get("metric", {}), sort_keys=True)
                    for point in res.get("values") or []:
                        if isinstance(point, list) and len(point) == 2:
                            add(name, _time(point[0]), point[1])
        elif isinstance(doc, list):
            for row in doc:
                if isinstance(row, dict):
                    at = _time(row.get("time") or row.get("timestamp") or row.get("ts"))
                    add(str(row.get("series") or row.get("name") or path.stem), at, row.get("value"))
        return series
    with path.open("rb") as handle:
        text = handle.read(MAX_READ).decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return series
    header = [h.strip().lower() for h in rows[0]]
    time_col = next((i for i, h in enumerate(header) if h in ("time", "timestamp", "ts", "at", "date")), None)
    long_form = "series" in header and "value" in header
    for row in rows[1:]:
        at = _time(row[time_col]) if time_col is not None and time_col < len(row) else None
        if long_form:
            s, v = header.index("series"), header.index("value")
            if max(s, v) < len(row):
                add(row[s], at, row[v])
            continue
        for i, cell in enumerate(row):
            if i != time_col and i < len(header):
                add(rows[0][i].strip(), at, cell)
    return series


def describe_series(name: str, points: list[tuple[datetime | None, float]]) -> str:
    """min/max/mean/p95, first and last value, and the largest step change when it stands out."""
    values = [v for _, v in points]
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    mean = sum(values) / len(values)
    line = (
        f"{name}: n={len(values)} min={ordered[0]:.6g} max={ordered[-1]:.6g} mean={mean:.6g} p95={p95:.6g} "
        f"first={values[0]:.6g} last={values[-1]:.6g}"
    )
    change = change_point(values)
    if change is not None:
        at = points[change][0]
        before = sum(values[:change]) / change
        after = sum(values[change:]) / (len(values) - change)
        when = at.isoformat() if at else f"point {change + 1}"
        line += f"; change point at {when}: mean {before:.6g} -> {after:.6g}"
    return line


def change_point(values: list[float]) -> int | None:
    """Index where the mean shifts most, if the shift is large against the noise on both sides."""
    n = len(values)
    if n < 6:
        return None
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    best, best_gap = None, 0.0
    for i in range(3, n - 2):
        left, right = prefix[i] / i, (prefix[n] - prefix[i]) / (n - i)
        if abs(right - left) > best_gap:
            best, best_gap = i, abs(right - left)
    if best is None:
        return None
    def spread(part: list[float]) -> float:
        m = sum(part) / len(part)
        return math.sqrt(sum((x - m) ** 2 for x in part) / len(part))
    noise = max(spread(values[:best]), spread(values[best:]), 1e-9)
    scale = max(abs(sum(values) / n), 1e-9)
    return best if best_gap > 3 * noise and best_gap > 0.2 * scale else None
