"""Read an incident's attached evidence: log lines, JSON documents, timestamps, evidence kinds.

Logs go through the shared streaming reader (:mod:`warroom.data.evidence.logs`):
never loaded whole, gzip by magic bytes, binary files skipped, overlong lines
cut, invalid UTF-8 replaced; each oddity becomes a line in ``problems``. Paths
are confined to the evidence root.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.agents.offline.findings import LogLine
from warroom.agents.offline.signatures import workload
from warroom.data.evidence.envelopes import EnvelopeStats, csv_log_columns, read_csv_log
from warroom.data.evidence.logs import LogReadError, ReadStats, open_stream
from warroom.data.evidence.traces import trace_columns
from warroom.data.evidence.logs import read_log as read_records
from warroom.data.text import strip_control

MAX_LINE = 4_000
MAX_JSON_BYTES = 20_000_000
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?")
_CLF = re.compile(r"\[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\s*([+-]\d{4}))?\]")
_APACHE = re.compile(r"\[\w{3} (\w{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4})\]")
_STATUS = re.compile(r'"\s*(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) [^"]*"\s+(\d{3})\b|\bstatus[=:]\s*"?(\d{3})\b')


def http_status(message: str) -> int | None:
    """The HTTP status of an access-log style line, if it has one."""
    match = _STATUS.search(message)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def parse_time(text: str) -> datetime | None:
    """The first timestamp in ``text`` (ISO 8601, nginx/Apache, log4j) as aware UTC."""
    m = _ISO.search(text[:80])
    if m:
        y, mo, d, h, mi, s, frac, tz = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        try:
            at = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=timezone.utc)
        except ValueError:
            return None
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            from datetime import timedelta

            at -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
        return at
    m = _CLF.search(text[:300])
    if m:
        d, mon, y, h, mi, s, tz = m.groups()
        if mon not in _MONTHS:
            return None
        at = datetime(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
        if tz:
            from datetime import timedelta

            sign = 1 if tz[0] == "+" else -1
            at -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
        return at
    m = _APACHE.search(text[:200])
    if m and m.group(1) in _MONTHS:
        mon, d, h, mi, s, y = m.groups()
        return datetime(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
    return None


_LEVELS = {"critical": "CRITICAL", "error": "ERROR", "warning": "WARN", "notice": "INFO", "info": "INFO",
           "debug": "DEBUG", "trace": "DEBUG"}


def read_log(path: Path, source: str, problems: list[str], default_service: str = "") -> Iterator[LogLine]:
    """Stream ``path`` through the shared log reader (:mod:`warroom.data.evidence.logs`) as :class:`LogLine`.

    The whole line (timestamp included, control characters stripped) is the
    message, so a citation shows the line as it is in the file; a JSON line is
    its message field (with its HTTP status, if it has one). Continuation lines
    (stack frames) keep the timestamp of their record but carry no level of
    their own, so a stack trace counts as one error, not twenty.
    """
    header = csv_header(path)
    if header is not None and csv_log_columns(header) is not None:
        yield from _read_csv_log(path, source, problems)
        return
    stats = ReadStats()
    continuations = 0
    try:
        for record in read_records(path, stats, max_line=MAX_LINE, source=source):
            continuation, continuations = stats.continuations > continuations, stats.continuations
            raw = record.raw
            if raw.lstrip().startswith("{"):
                message = record.message
                status = re.search(r'"(?:status|status_code|code)"\s*:\s*"?(\d{3})\b', raw)
                if status and "status=" not in message:
                    message = f"{message} status={status.group(1)}"
            else:
                message = raw
            message = strip_control(message).strip()[:MAX_LINE]
            if not message:
                continue
            level = "" if continuation else _LEVELS.get(record.level or "", "")
            yield LogLine(source=source, line_no=record.line_no, timestamp=record.timestamp, level=level,
                          service=(record.service or default_service)[:60], message=message)
    except (LogReadError, OSError) as exc:
        problems.append(f"{source}: not read ({exc})")
        return
    if stats.binary_file:
        problems.append(f"{source}: binary file skipped")
    if stats.truncated_lines:
        problems.append(f"{source}: {stats.truncated_lines} overlong lines truncated to {MAX_LINE} characters")
    if stats.skipped_binary:
        problems.append(f"{source}: {stats.skipped_binary} lines with NUL bytes skipped")
    if stats.invalid_encoding:
        problems.append(f"{source}: {stats.invalid_encoding} lines with invalid UTF-8 (replaced)")
    if stats.error:
        problems.append(f"{source}: read stopped ({stats.error})")
    if stats.capped:
        problems.append(f"{source}: {stats.capped}")


def csv_header(path: Path) -> list[str] | None:
    """The header row of a CSV file (gzip or not), or ``None`` when ``path`` does not look like CSV."""
    try:
        stream, _ = open_stream(path)
        with stream:
            first = stream.readline(64 * 1024).decode("utf-8", "replace").strip("\r\n\ufeff")
    except (OSError, EOFError, LogReadError, ValueError):
        return None
    if first.count(",") < 1 or first.lstrip().startswith(("{", "[")):
        return None
    row = next(csv.reader([first]), [])
    return row if all(0 < len(cell.strip()) <= 80 for cell in row) else None


def _numeric_columns(path: Path) -> int:
    """How many cells of the first data row are numbers (a metric CSV has one per metric)."""
    try:
        stream, _ = open_stream(path)
        with stream:
            stream.readline(64 * 1024)
            row = next(csv.reader([stream.readline(64 * 1024).decode("utf-8", "replace")]), [])
    except (OSError, EOFError, LogReadError, ValueError, csv.Error):
        return 0
    return sum(1 for cell in row if re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|NaN|nan", cell.strip()))


def _read_csv_log(path: Path, source: str, problems: list[str]) -> Iterator[LogLine]:
    """A CSV log export, each row's line unwrapped (:mod:`warroom.data.evidence.envelopes`)."""
    stats = EnvelopeStats()
    try:
        stream, _ = open_stream(path)
        with io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="") as text:
            for row in read_csv_log(text, stats):
                message = strip_control(row.message).strip()[:MAX_LINE]
                if message:
                    yield LogLine(source=source, line_no=row.row + 1, timestamp=row.timestamp,
                                  level=_LEVELS.get(row.level or "", ""), service=(row.service or workload(row.pod) or row.container)[:60],
                                  message=message, pod=row.pod[:120], span=row.span[:64])
    except (OSError, EOFError, csv.Error, LogReadError) as exc:
        problems.append(f"{source}: reading stopped after row {stats.rows} ({exc})")
    problems += [f"{source}: {p}" for p in stats.problems]
    if stats.clock_disagreements:
        problems.append(f"{source}: {stats.clock_disagreements} rows carry clocks that disagree by over a minute; "
                        f"the time used is {stats.clock_used} (it carries a zone)")


def load_json(path: Path, source: str, problems: list[str]) -> Any:
    """A JSON document, or None with a problem noted (too big, invalid)."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            problems.append(f"{source}: JSON larger than {MAX_JSON_BYTES} bytes skipped")
            return None
        return json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        problems.append(f"{source}: not valid JSON ({exc.__class__.__name__})")
        return None


def sniff(path: Path) -> str:
    """The evidence kind of ``path`` judged from its content: git, metrics, alerts, changes or log."""
    if path.is_dir():
        return "git" if (path / ".git").exists() or (path / "HEAD").is_file() else "dir"
    if path.suffix == ".json" and path.stat().st_size <= MAX_JSON_BYTES:
        try:
            head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
        except OSError:
            return "log"
        if '"resultType"' in head or '"result"' in head and '"values"' in head:
            return "metrics"
        if '"alerts"' in head or '"startsAt"' in head:
            return "alerts"
    name = path.name.lower()
    header = csv_header(path) if name.endswith((".csv", ".csv.gz", ".tsv")) or ".csv" in name else None
    if header is not None:
        if trace_columns(header) is not None:
            return "traces"
        if csv_log_columns(header) is None and _numeric_columns(path) >= 1:
            return "metrics"
    if name.startswith("changes") or name.endswith((".changes", ".git-changes.jsonl", "changes.jsonl", "changes.txt")):
        return "changes"
    return "log"


def confined(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it stays inside ``root`` (no escapes through .. or symlinks)."""
    root = root.resolve()
    candidate = Path(relative)
    target = (candidate if candidate.is_absolute() else root / candidate).resolve()
    try:
        target.relative_to(root)
    except ValueError:
        return None
    return target
