"""Read an incident's attached evidence into log lines, metric points, alerts and changes.

Files are streamed line by line (gzip too), never loaded whole; binary files
are skipped, overlong lines truncated and undecodable bytes replaced, each with
a count in ``problems``. Paths are confined to the evidence root.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.agents.offline.findings import LogLine
from warroom.data.text import strip_control

MAX_LINE = 4_000
MAX_LINES_PER_FILE = 2_000_000
MAX_JSON_BYTES = 20_000_000
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?")
_CLF = re.compile(r"\[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\s*([+-]\d{4}))?\]")
_APACHE = re.compile(r"\[\w{3} (\w{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4})\]")
_LEVEL = re.compile(r"(?<![\w-])(FATAL|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)(?![\w-])")
_LEVEL_LOWER = re.compile(r"\[(emerg|alert|crit|error|warn|warning|notice|info|debug)\]")
_STATUS = re.compile(r'"\s*(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) [^"]*"\s+(\d{3})\b|\bstatus[=:]\s*"?(\d{3})\b')
_SERVICE = re.compile(r"\[(?:service=)?([a-z][a-z0-9-]{2,40})\]|\bservice[=:]\"?([a-z][a-z0-9-]{2,40})")
_LEVEL_MAP = {"FATAL": "FATAL", "CRITICAL": "CRITICAL", "CRIT": "CRITICAL", "ERROR": "ERROR", "ERR": "ERROR",
              "WARNING": "WARN", "WARN": "WARN", "INFO": "INFO", "NOTICE": "INFO", "DEBUG": "DEBUG", "TRACE": "DEBUG",
              "EMERG": "FATAL", "ALERT": "CRITICAL"}


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


def parse_level(text: str) -> str:
    m = _LEVEL.search(text[:300])
    if m:
        return _LEVEL_MAP[m.group(1)]
    m = _LEVEL_LOWER.search(text[:300])
    return _LEVEL_MAP.get(m.group(1).upper(), "") if m else ""


def _open_text(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:  # type: ignore[operator]
        for raw in handle:
            yield raw.decode("utf-8", errors="replace")


def is_binary(path: Path) -> bool:
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as handle:
            head = handle.read(4096)
    except (OSError, EOFError):
        return True
    return b"\x00" in head


def _from_json(line: str) -> tuple[str, datetime | None, str, str] | None:
    """(message, time, level, service) from a JSON log object, or None if it is not one."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    message = next((str(obj[k]) for k in ("message", "msg", "log", "text") if k in obj), None)
    if message is None:
        return None
    stamp = next((obj[k] for k in ("timestamp", "@timestamp", "time", "ts") if k in obj), None)
    at = None
    if isinstance(stamp, (int, float)) and 0 < stamp < 1e13:
        at = datetime.fromtimestamp(stamp / (1000 if stamp > 1e11 else 1), tz=timezone.utc)
    elif isinstance(stamp, str):
        at = parse_time(stamp)
    level = _LEVEL_MAP.get(str(obj.get("level", obj.get("severity", ""))).upper(), "")
    service = str(obj.get("service", obj.get("app", "")))[:60]
    status = obj.get("status")
    if isinstance(status, int) and "status" not in message:
        message = f"{message} status={status}"
    return message, at, level, service


def read_log(path: Path, source: str, problems: list[str]) -> Iterator[LogLine]:
    """Stream ``path`` as :class:`LogLine`; continuation lines inherit the previous timestamp."""
    if is_binary(path):
        problems.append(f"{source}: binary file skipped")
        return
    truncated = 0
    last_at: datetime | None = None
    try:
        for line_no, text in enumerate(_open_text(path), 1):
            if line_no > MAX_LINES_PER_FILE:
                problems.append(f"{source}: stopped after {MAX_LINES_PER_FILE} lines")
                break
            text = text.rstrip("\r\n")
            if len(text) > MAX_LINE:
                text, truncated = text[:MAX_LINE], truncated + 1
            text = strip_control(text)
            if not text.strip():
                continue
            parsed = _from_json(text) if text.lstrip().startswith("{") else None
            if parsed:
                message, at, level, service = parsed
                level = level or parse_level(message)
            else:
                indented = text[:1] in (" ", "\t")
                message, at, level = text, None if indented else parse_time(text), parse_level(text)
                m = _SERVICE.search(text[:200])
                service = (m.group(1) or m.group(2)) if m else ""
            continuation = at is None and last_at is not None  # a stack frame or wrapped line of the record above
            if at is None:
                at = last_at
            last_at = at
            yield LogLine(source=source, line_no=line_no, timestamp=at, level=level if not continuation else "",
                          service=service, message=message.strip()[:MAX_LINE])
    except (OSError, EOFError) as exc:
        problems.append(f"{source}: read stopped ({exc.__class__.__name__}: {exc})")
    if truncated:
        problems.append(f"{source}: {truncated} overlong lines truncated to {MAX_LINE} characters")


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
