"""Logs in envelopes: a CSV export whose message column holds the line, and Docker/containerd JSON lines.

A log platform's CSV export has a column with the line itself (``Log``, ``message``, ``msg``,
``content``...), often wrapped once more in a container runtime's JSON
(``{"log": "...\\n", "stream": "stdout", "time": "..."}``), and columns saying where it came from
(pod, container, service, node) and when (an RFC 3339 column, an epoch column). The line is
unwrapped: its own level and logger are read from the text; the pod/service/container columns
become its source; the time is the column that carries a zone, else the runtime's ``time``, else an
epoch column, else the text's own clock (which may be local and dateless, so it comes last). When
two clocks in a row disagree by more than a minute the reader counts it and says which one it used.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from warroom.data.evidence.timestamps import find_level

MESSAGE_COLUMNS = ("log", "message", "msg", "content", "line", "text", "_raw", "body")
POD_COLUMNS = ("podname", "pod", "pod_name", "kubernetes.pod_name", "k8s.pod.name")
SERVICE_COLUMNS = ("service", "servicename", "service_name", "app", "application", "k8s.deployment.name")
CONTAINER_COLUMNS = ("container", "containername", "container_name")
TIME_COLUMNS = ("timestamp", "time", "@timestamp", "date", "datetime", "ts")
EPOCH_COLUMNS = ("timeunixnano", "time_unix_nano", "epoch", "unix", "timestampnano", "timeunix", "epoch_ms", "epoch_s",
                 "epoch_ns", "unix_ms", "unix_time", "timestamp_ms", "time_ms")
SPAN_COLUMNS = ("spanid", "span_id", "span")
TRACE_COLUMNS = ("traceid", "trace_id", "trace")
FIELD_LIMIT = 16 * 1024 * 1024
_ISO_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s*(?:Z|[+-]\d{2}:?\d{2}| UTC)$")
_LOGGER = re.compile(r"\s*([a-zA-Z_][\w.$]*(?:#\d+)?|\[[^\]]{1,80}\])")
_CLOCK_PREFIX = re.compile(r"^\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s+|^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\S*\s+")


@dataclass
class Unwrapped:
    """One log line out of its envelope."""

    row: int  # the CSV row (1 = the first after the header) or the line number
    timestamp: datetime | None
    level: str | None
    logger: str
    message: str
    pod: str = ""
    service: str = ""
    span: str = ""
    trace: str = ""
    stream: str = ""
    container: str = ""


@dataclass
class EnvelopeStats:
    rows: int = 0
    unwrapped_docker: int = 0
    clock_disagreements: int = 0
    clock_used: str = ""
    problems: list[str] = field(default_factory=list)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    return next((lowered.index(n) for n in names if n in lowered), None)


def csv_log_columns(header: list[str]) -> dict[str, int] | None:
    """Where the parts of a log line are in a CSV header; ``None`` when it has no message column."""
    message = _column(header, MESSAGE_COLUMNS)
    if message is None or len(header) < 2:
        return None
    found = {"message": message}
    for key, names in (("pod", POD_COLUMNS), ("service", SERVICE_COLUMNS), ("container", CONTAINER_COLUMNS),
                       ("time", TIME_COLUMNS), ("epoch", EPOCH_COLUMNS), ("span", SPAN_COLUMNS), ("trace", TRACE_COLUMNS)):
        index = _column(header, names)
        if index is not None and index != message:
            found[key] = index
    return found


def _zoned(text: str) -> datetime | None:
    text = text.strip()
    if not _ISO_ZONED.match(text):
        return None
    text = text.replace(" UTC", "+00:00").replace("Z", "+00:00").replace(",", ".")
    head, _, frac_zone = text.partition(".")
    if frac_zone:  # Python takes at most 6 fraction digits
        digits = re.match(r"\d+", frac_zone).group(0)  # type: ignore[union-attr]
        text = f"{head}.{digits[:6]}{frac_zone[len(digits):]}"
    try:
        at = datetime.fromisoformat(text.replace("T", " ", 1) if "T" in text else text)
    except ValueError:
        return None
    return at.astimezone(timezone.utc) if at.tzinfo else None


def _epoch(text: str) -> datetime | None:
    text = text.strip()
    if not text.isdigit():
        return None
    value = int(text)
    for scale in (1, 1_000, 1_000_000, 1_000_000_000):  # s, ms, µs, ns: the one that lands in a plausible year
        seconds = value / scale
        if 946_684_800 <= seconds <= 4_102_444_800:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
    return None


def unwrap_docker(text: str) -> tuple[str, str, datetime | None] | None:
    """``(line, stream, time)`` of a Docker/containerd JSON log line, or ``None`` when it is not one."""
    stripped = text.strip()
    if not (stripped.startswith("{") and '"log"' in stripped[:200] or stripped.startswith('{"log"')):
        return None
    try:
        doc = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("log"), str):
        return None
    return doc["log"].rstrip("\r\n"), str(doc.get("stream") or ""), _zoned(str(doc.get("time") or ""))


def split_line(line: str) -> tuple[str | None, str, str]:
    """``(level, logger, message)`` of a line whose own clock (if any) leads: ``19:04:01.193 INFO  c.t.X#34 text``."""
    body = _CLOCK_PREFIX.sub("", line, count=1)
    level, _, end = find_level(body, 0)
    if level is None:
        return None, "", body
    rest = body[end:]
    logger = _LOGGER.match(rest)
    name = logger.group(1) if logger and ("." in logger.group(1) or "#" in logger.group(1) or
                                          logger.group(1).startswith("[")) else ""
    return level, name.strip("[]"), body


def read_csv_log(text_stream: io.TextIOBase, stats: EnvelopeStats, max_rows: int = 5_000_000) -> Iterator[Unwrapped]:
    """The log lines of a CSV export, unwrapped (see the module docstring); the header is the first row."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    reader = csv.reader(text_stream)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return
    columns = csv_log_columns(header)
    if columns is None:
        stats.problems.append("no message column in the CSV header; not read as a log")
        return
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            stats.problems.append(f"reading stopped at row {number + 1}: {exc}")
            return
        number += 1
        if number > max_rows:
            stats.problems.append(f"only the first {max_rows} rows were read")
            return
        if len(row) <= columns["message"]:
            continue
        stats.rows += 1
        line, stream, runtime_time = row[columns["message"]], "", None
        if (docker := unwrap_docker(line)) is not None:
            line, stream, runtime_time = docker
            stats.unwrapped_docker += 1
        cell = lambda key: row[columns[key]] if key in columns and columns[key] < len(row) else ""  # noqa: E731
        zoned, epoch = _zoned(cell("time")), _epoch(cell("epoch"))
        at, used = next(((t, name) for t, name in ((zoned, header[columns["time"]] if "time" in columns else ""),
                                                   (runtime_time, "the runtime's time"),
                                                   (epoch, header[columns["epoch"]] if "epoch" in columns else ""))
                         if t is not None), (None, ""))
        others = [t for t in (zoned, runtime_time, epoch) if t is not None and t is not at]
        if at is not None and any(abs((t - at).total_seconds()) > 60 for t in others):
            stats.clock_disagreements += 1
        stats.clock_used = stats.clock_used or used
        level, logger, message = split_line(line)
        pod = cell("pod").strip()
        yield Unwrapped(number, at, level, logger, message.strip(), pod, cell("service").strip(), cell("span").strip(),
                        cell("trace").strip(), stream, cell("container").strip())
