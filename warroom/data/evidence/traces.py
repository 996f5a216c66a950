"""Spans from a trace export (CSV: trace id, span id, parent, service or pod, operation, start, duration).

Recognised by its header (a trace id, a span id and an operation column), streamed, and never
mistaken for a log. Start times are epoch values in s, ms, µs or ns (the scale that gives a
plausible date) or RFC 3339 with a zone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from warroom.data.evidence.envelopes import _column, _epoch, _zoned

TRACE_ID = ("traceid", "trace_id", "trace")
SPAN_ID = ("spanid", "span_id")
PARENT_ID = ("parentid", "parent_id", "parentspanid", "parent_span_id")
OPERATION = ("operationname", "operation", "name", "span_name", "spanname")
WHO = ("podname", "pod", "servicename", "service", "service_name")
START = ("starttimeunixnano", "starttime", "start_time", "start", "timestamp")


@dataclass
class Span:
    trace: str
    span: str
    parent: str
    who: str  # the pod (or service) that served it
    operation: str
    start: datetime | None


def trace_columns(header: list[str]) -> dict[str, int] | None:
    """Where a span's parts are in a CSV header; ``None`` unless it has trace id, span id and operation."""
    found = {key: _column(header, names) for key, names in (("trace", TRACE_ID), ("span", SPAN_ID), ("parent", PARENT_ID),
                                                            ("operation", OPERATION), ("who", WHO), ("start", START))}
    if found["trace"] is None or found["span"] is None or found["operation"] is None:
        return None
    return {k: v for k, v in found.items() if v is not None}


def read_spans(text_stream: io.TextIOBase, max_rows: int = 5_000_000) -> Iterator[Span]:
    reader = csv.reader(text_stream)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return
    columns = trace_columns(header)
    if columns is None:
        return
    width = max(columns.values())
    for number, row in enumerate(reader, 1):
        if number > max_rows:
            return
        if len(row) <= width:
            continue
        cell = lambda key: row[columns[key]].strip() if key in columns else ""  # noqa: E731
        start = cell("start")
        yield Span(cell("trace"), cell("span"), cell("parent"), cell("who"), cell("operation"),
                   _epoch(start) or _zoned(start))
