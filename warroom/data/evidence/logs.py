"""Reading log files of any size into :class:`LogRecord` s, one line at a time.

A file is streamed, never loaded whole: plain text, JSON lines, logfmt
(``ts=... level=... msg="..."``), or gzip (told by its magic bytes, not its name). The first 8 KiB are sniffed: a file with NUL
bytes or mostly non-text bytes there is a binary file, counted and skipped
without reading the rest (200 MB of NULs cost one 8 KiB read). After that,
every oddity is counted in :class:`ReadStats` and never raises: a line longer
than ``max_line`` bytes is cut (and the rest of it skipped without being held
in memory), a line with NUL bytes is skipped, invalid UTF-8 is replaced, CRLF is
taken as LF, a corrupt gzip stream ends the file with ``stats.error`` set.

Lines with no timestamp of their own that carry on the record above (indented
lines, ``Traceback``, ``Caused by``, ``SomeError: ...`` — a stack trace under an
``ERROR`` line) take the timestamp and level of the line above.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from warroom.data.evidence.fields import LOGFMT_START, json_fields, logfmt_fields
from warroom.data.evidence.timestamps import KLOG_LEVELS, StampReader, find_level
from warroom.data.evidence_limits import current as evidence_limits

SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")
_LEAD = " \t-:|]>"
# Lines that carry on the record above them (a stack trace under an ERROR line).
_CONTINUATION = re.compile(
    r"[ \t]|Traceback \(most recent call last\)|Caused by\b|During handling of the above exception"
    r"|The above exception was|\.\.\. \d+ more|[\w.$]*(?:Error|Exception|Exit|Interrupt|Warning)\b[:(]"
)

class LogReadError(ValueError):
    """A path that cannot be read as a log at all."""


@dataclass(slots=True)
class LogRecord:
    """One line of a log: where it came from, when, how severe, from what, and what it says."""

    source: str
    line_no: int
    timestamp: datetime | None
    level: str | None
    service: str | None
    pod: str | None
    host: str | None
    message: str
    raw: str


@dataclass
class ReadStats:
    """What reading one log file met (counts; nothing here is an error that stopped the read unless ``error``)."""

    lines: int = 0
    records: int = 0
    skipped_binary: int = 0
    truncated_lines: int = 0
    invalid_encoding: int = 0
    no_timestamp: int = 0
    binary_file: bool = False
    assumed_utc: int = 0  # timestamps written without a zone, taken as UTC
    inferred_year: int = 0  # syslog timestamps whose year was inferred
    continuations: int = 0  # indented lines that took the timestamp of the line above
    compressed: bool = False
    error: str = ""
    capped: str = ""  # why reading stopped early at a size limit (the rest of the file was left out)

    def summary(self) -> str:
        """One line for a report: the counts that are not zero."""
        if self.binary_file:
            return "binary file, not read as a log"
        parts = [f"{self.records} records from {self.lines} lines"]
        for name, label in (("truncated_lines", "lines cut"), ("skipped_binary", "binary lines skipped"),
                            ("invalid_encoding", "lines with invalid UTF-8"),
                            ("no_timestamp", "lines without a timestamp"),
                            ("assumed_utc", "timestamps without a zone (UTC assumed)"),
                            ("inferred_year", "syslog timestamps with the year inferred")):
            value = getattr(self, name)
            if value:
                parts.append(f"{value} {label}")
        if self.error:
            parts.append(f"stopped early: {self.error}")
        return "; ".join(parts)


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or more than 30% control bytes that text does not use."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    odd = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return odd > len(head) * 0.3


def open_stream(path: Path) -> tuple[BinaryIO, bool]:
    """A buffered binary stream over ``path`` (decompressed when it starts with the gzip magic)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LogReadError(f"{path} is not a regular file (a directory, device, FIFO or socket)")
        handle = os.fdopen(fd, "rb", buffering=1 << 16)
    except BaseException:
        os.close(fd)
        raise
    if handle.peek(2)[:2] == GZIP_MAGIC:
        return io.BufferedReader(gzip.GzipFile(fileobj=handle, mode="rb"), 1 << 16), True  # type: ignore[arg-type]
    return handle, False


def read_log(path: Path, stats: ReadStats | None = None, *, max_line: int = 64 * 1024,
             source: str | None = None, reference: datetime | None = None, skip_lines: int = 0,
             max_bytes: int | None = None, max_lines: int | None = None) -> Iterator[LogRecord]:
    """The records of the log at ``path``, streamed; oddities are counted in ``stats``.

    ``source`` names the file in records (default: the path as given);
    ``reference`` is the time a syslog stamp's year is inferred from (default:
    the file's modification time); the first ``skip_lines`` lines are counted
    but not parsed (a header someone else has read). Reading stops after
    ``max_bytes`` (decompressed) or ``max_lines`` (default: the configured ``[evidence]`` limits), with
    ``stats.capped`` saying so.
    """
    limits = evidence_limits()
    caps = (limits.max_bytes if max_bytes is None else max_bytes, limits.max_lines if max_lines is None else max_lines)
    stats = stats if stats is not None else ReadStats()
    path = Path(path)
    if reference is None:
        reference = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    stream, stats.compressed = open_stream(path)
    with stream:
        try:
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
            if looks_binary(head):
                stats.binary_file = True
                return
            yield from _records(stream, stats, max_line, source or str(path), StampReader(reference), skip_lines, caps)
        except (OSError, EOFError, zlib.error) as exc:
            stats.error = f"{type(exc).__name__}: {exc}"[:300]


def _records(stream: BinaryIO, stats: ReadStats, max_line: int, source: str, stamps: StampReader,
             skip_lines: int, caps: tuple[int, int]) -> Iterator[LogRecord]:
    readline = stream.readline
    limit = max_line + 1
    max_bytes, max_lines = caps
    consumed = 0
    prev_time: datetime | None = None
    prev_level: str | None = None
    line_no = 0
    try:
        while True:
            raw = readline(limit)
            if not raw:
                break
            consumed += len(raw)
            if line_no >= max_lines or consumed > max_bytes:
                what = f"{max_lines:,} lines" if line_no >= max_lines else f"{max_bytes:,} bytes"
                stats.capped = (f"stopped after {line_no:,} lines: the file is larger than the {what} read from one "
                                f"log{' (decompressed)' if stats.compressed else ''}; the rest was left out")
                break
            line_no += 1
            cut = False
            if raw[-1:] == b"\n":
                raw = raw[:-2] if raw[-2:-1] == b"\r" else raw[:-1]
            elif len(raw) >= limit:
                stats.truncated_lines += 1
                cut = True
                raw = raw[:max_line]
                while True:  # skip the rest of the line without holding it
                    rest = readline(1 << 16)
                    consumed += len(rest)
                    if not rest or rest[-1:] == b"\n":
                        break
            if line_no <= skip_lines:
                continue
            if not raw or raw.isspace():
                continue
            if b"\x00" in raw:
                stats.skipped_binary += 1
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_lossy(raw, stats, cut)
            fields = (json_fields(text, stamps) if text[:1] == "{"
                      else logfmt_fields(text, stamps) if LOGFMT_START.match(text) else None)
            if fields is not None:
                record = LogRecord(source, line_no, *fields, text)
            else:
                record = _text_record(text, source, line_no, stamps)
            if record.timestamp is None:
                if prev_time is not None and _CONTINUATION.match(text):
                    record.timestamp = prev_time
                    record.level = record.level or prev_level
                    stats.continuations += 1
                else:
                    stats.no_timestamp += 1
            else:
                prev_time, prev_level = record.timestamp, record.level
            stats.records += 1
            yield record
    finally:
        stats.lines = line_no
        stats.assumed_utc = stamps.assumed_utc
        stats.inferred_year = stamps.inferred_year


def _decode_lossy(raw: bytes, stats: ReadStats, cut: bool) -> str:
    for drop in (1, 2, 3) if cut else ():  # a line cut inside a multi-byte character is not invalid UTF-8
        try:
            return raw[:-drop].decode("utf-8")
        except UnicodeDecodeError:
            continue
    stats.invalid_encoding += 1
    return raw.decode("utf-8", "replace")


def _text_record(text: str, source: str, line_no: int, stamps: StampReader) -> LogRecord:
    when, end = stamps.parse(text)
    host = service = None
    if when is not None and stamps.syslog:
        host, service, end = _syslog_origin(text, end)
    if when is not None and stamps.klog:
        level, level_end = KLOG_LEVELS[text[0]], end
    else:
        level, _, level_end = find_level(text, end)
    if level is not None:
        message = text[level_end:].lstrip(_LEAD)
    elif when is not None:
        message = text[end:].lstrip(_LEAD)
    else:
        message = text.strip()
    return LogRecord(source, line_no, when, level, service, None, host, message or text.strip(), text)


def _syslog_origin(text: str, end: int) -> tuple[str | None, str | None, int]:
    """``host program[pid]:`` after a syslog stamp."""
    parts = text[end:end + 200].split(None, 2)
    if len(parts) >= 2 and parts[1].endswith(":"):
        program = parts[1][:-1]
        if "[" in program:
            program = program[: program.index("[")]
        consumed = text.index(parts[1], end + len(parts[0])) + len(parts[1])
        return parts[0], program or None, consumed
    return None, None, end
