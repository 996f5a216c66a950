"""Metric series from files: Prometheus HTTP API JSON and CSV.

Prometheus: the body of ``/api/v1/query_range`` (``resultType: matrix``,
``values: [[ts, "v"], ...]``) or ``/api/v1/query`` (``vector``, ``value: [ts, "v"]``);
the bare ``data`` object is accepted too. The series name is ``__name__`` when
the result has one, else the file's stem.

CSV, header optional, times in ISO 8601 or epoch seconds/milliseconds:

- ``timestamp,value`` – one series named after the file;
- ``timestamp,series,value`` – one series per distinct ``series`` cell;
- with a header, the columns are found by name (``timestamp|time|ts|date``,
  ``value``, ``series|metric|name``) and any other column becomes a label.

Points that are NaN, infinite, not numbers, or have no readable time are
skipped and counted: :class:`MetricRead` says how many.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.data.evidence.models import MetricSeries
from warroom.data.evidence.timestamps import StampReader, epoch_to_datetime, parse_time_text

MAX_JSON_BYTES = 256 * 1024 * 1024
TIME_COLUMNS = ("timestamp", "time", "ts", "date", "datetime", "@timestamp")
VALUE_COLUMNS = ("value", "val", "v")
SERIES_COLUMNS = ("series", "metric", "name", "__name__")


class MetricFormatError(ValueError):
    """A metrics file that is not in a readable shape (the message says what is wrong)."""


@dataclass
class MetricRead:
    """The series read from one file and the points that were skipped."""

    series: list[MetricSeries] = field(default_factory=list)
    skipped: int = 0

    def note(self, source: str) -> str | None:
        if not self.skipped:
            return None
        return f"{source}: {self.skipped} metric points skipped (NaN, infinite, not a number, or no readable time)"


def _value(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _when(raw: Any, reader: StampReader) -> datetime | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return epoch_to_datetime(float(raw))
    if isinstance(raw, str):
        return parse_time_text(raw, reader)
    return None


def read_prometheus(path: Path, source: str) -> MetricRead:
    """A Prometheus API response (matrix or vector) read into series."""
    if path.stat().st_size > MAX_JSON_BYTES:
        raise MetricFormatError(f"{source} is larger than {MAX_JSON_BYTES // 2**20} MiB")
    try:
        body = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise MetricFormatError(f"{source} is not JSON: {str(exc)[:120]}") from None
    return parse_prometheus(body, source, default_name=path.stem)


def parse_prometheus(body: Any, source: str, *, default_name: str = "metric") -> MetricRead:
    """A decoded Prometheus API response (``{"status":..,"data":{..}}`` or the ``data`` object) into series."""
    if isinstance(body, dict) and "data" in body:
        if body.get("status") not in (None, "success"):
            raise MetricFormatError(f"{source}: the query did not succeed (status {str(body.get('status'))[:40]!r})")
        body = body["data"]
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise MetricFormatError(f"{source}: no data.result list (not a Prometheus query response)")
    kind = body.get("resultType")
    if kind not in ("matrix", "vector"):
        raise MetricFormatError(f"{source}: resultType {str(kind)[:40]!r} is not matrix or vector")
    out = MetricRead()
    reader = StampReader()
    for item in body["result"]:
        if not isinstance(item, dict):
            out.skipped += 1
            continue
        metric = item.get("metric") if isinstance(item.get("metric"), dict) else {}
        labels = {str(k): str(v) for k, v in metric.items() if k != "__name__"}
        name = str(metric.get("__name__") or default_name)
        pairs = item.get("values") if kind == "matrix" else [item.get("value")]
        points = []
        for pair in pairs if isinstance(pairs, list) else []:
            when = _when(pair[0], reader) if isinstance(pair, list) and len(pair) == 2 else None
            value = _value(pair[1]) if when is not None else None
            if when is None or value is None:
                out.skipped += 1
                continue
            points.append((when, value))
        points.sort(key=lambda p: p[0])
        out.series.append(MetricSeries(name, labels, points, source))
    return out


def read_csv_metrics(path: Path, source: str) -> MetricRead:
    """A CSV of ``timestamp,value`` or ``timestamp,series,value`` rows (header optional), streamed."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        return parse_csv_metrics(handle, source, default_name=path.stem)


def parse_csv_metrics(handle: io.TextIOBase, source: str, *, default_name: str = "metric") -> MetricRead:
    reader = csv.reader(line.replace("\0", "") for line in handle)
    stamps = StampReader()
    out = MetricRead()
    series: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[datetime, float]]] = {}
    columns: tuple[int, int, int | None, dict[int, str]] | None = None
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = _columns(row, source)
            if _is_header(row):
                continue
        t_col, v_col, s_col, label_cols = columns
        if max(t_col, v_col, s_col or 0) >= len(row):
            out.skipped += 1
            continue
        when = parse_time_text(row[t_col], stamps)
        value = _value(row[v_col].strip())
        if when is None or value is None:
            out.skipped += 1
            continue
        name = row[s_col].strip() if s_col is not None else default_name
        labels = tuple((label, row[i].strip()) for i, label in label_cols.items() if i < len(row))
        series.setdefault((name or default_name, labels), []).append((when, value))
    for (name, labels), points in series.items():
        points.sort(key=lambda p: p[0])
        out.series.append(MetricSeries(name, dict(labels), points, source))
    return out


def _is_header(row: list[str]) -> bool:
    return parse_time_text(row[0]) is None and _value(row[-1]) is None


def _columns(row: list[str], source: str) -> tuple[int, int, int | None, dict[int, str]]:
    """(time column, value column, series column, label columns) from the first row."""
    if _is_header(row):
        names = [cell.strip().lower() for cell in row]
        t_col = next((names.index(n) for n in TIME_COLUMNS if n in names), None)
        v_col = next((names.index(n) for n in VALUE_COLUMNS if n in names), None)
        if t_col is None or v_col is None:
            raise MetricFormatError(f"{source}: the header names no time column and value column ({', '.join(row)[:80]})")
        s_col = next((names.index(n) for n in SERIES_COLUMNS if n in names), None)
        labels = {i: row[i].strip() for i in range(len(row)) if i not in (t_col, v_col, s_col) and row[i].strip()}
        return t_col, v_col, s_col, labels
    if len(row) == 2:
        return 0, 1, None, {}
    if len(row) == 3:
        return 0, 2, 1, {}
    raise MetricFormatError(f"{source}: rows have {len(row)} columns; expected timestamp,value or timestamp,series,value")
