"""Finding the timestamp and the level at the head of a log line.

Formats recognised at the start of a line (optionally inside ``[...]``):

=====================  ======================================  ==========================
format                 example                                 notes
=====================  ======================================  ==========================
ISO 8601 / RFC 3339    ``2026-11-23T09:01:02.123Z``            no zone → UTC assumed
log4j / logback        ``2026-11-23 09:01:02,123``             comma or dot fraction
syslog (RFC 3164)      ``Nov 23 09:01:02``                     year inferred, UTC assumed
Apache error log       ``[Sun Dec 04 04:47:44 2005]``          UTC assumed
HDFS / Hadoop          ``081109 203615``                       ``yyMMdd HHmmss``, UTC
epoch                  ``1763888462`` / ``1763888462123``      seconds, or milliseconds
klog (Kubernetes)      ``I1123 09:01:02.123456 1 main.go:12]`` level from the letter, year inferred
=====================  ======================================  ==========================

and anywhere in the first 200 characters: the Apache/nginx access-log stamp
``[23/Nov/2026:09:01:02 +0000]``.

:class:`StampReader` remembers which format matched last, so a file in one
format costs one regular-expression match per line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
EPOCH_MIN, EPOCH_MAX = 946684800, 4102444800  # 2000-01-01 .. 2100-01-01: a bare number outside is not a time

# Normalised level names, most to least severe.
LEVELS = ("critical", "error", "warning", "notice", "info", "debug", "trace")
LEVEL_WORDS: dict[str, str] = {
    **dict.fromkeys(("fatal", "critical", "crit", "emerg", "emergency", "alert", "panic", "severe"), "critical"),
    **dict.fromkeys(("error", "err", "eror"), "error"),
    **dict.fromkeys(("warning", "warn", "wrn"), "warning"),
    "notice": "notice",
    **dict.fromkeys(("info", "information", "informational", "inf"), "info"),
    **dict.fromkeys(("debug", "dbg", "fine", "finer", "config"), "debug"),
    **dict.fromkeys(("trace", "finest", "verbose"), "trace"),
}
# syslog numeric severities 0..7
SYSLOG_SEVERITY = ("critical", "critical", "critical", "error", "warning", "notice", "info", "debug")

_ISO = re.compile(
    r"\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s?(Z|[+-]\d\d:?\d\d|UTC|GMT)?\]?"
)
_ISO_TAIL = re.compile(r"(?:[.,](\d{1,9}))?\s?(Z|[+-]\d\d:?\d\d|UTC|GMT)?\]?")
_SEEN_LIMIT = 50_000
_SYSLOG = re.compile(r"([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_APACHE_ERR = re.compile(r"\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\d{4})\]")
_HDFS = re.compile(r"(\d\d)(\d\d)(\d\d) (\d\d)(\d\d)(\d\d)(?= )")
_EPOCH = re.compile(r"\[?(\d{10}(?:\.\d{1,9})?|\d{13})\]?(?=[\s,;|]|$)")
_KLOG = re.compile(r"([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\s+\d+\s+[\w.-]+:\d+\]\s?")
KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "critical"}
_ACCESS = re.compile(r"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d)(?: ([+-]\d{4}))?\]")
_LEVEL = re.compile(
    r"\b(FATAL|CRITICAL|CRIT|EMERG|EMERGENCY|ALERT|PANIC|SEVERE|ERROR|ERR|WARNING|WARN|NOTICE|INFO|DEBUG|TRACE)\b"
    r"|[\[<(]([A-Za-z]{3,11})[\])>]"
    r"|\b(?:level|severity|lvl)[=:]\s?\"?([A-Za-z]{3,11})",
    re.IGNORECASE,
)
_FIRST_WORD = re.compile(r"[\s:|\-]*(?:\d+\s+)?(?:\[|<|\()?([A-Za-z]{3,11})([\])>]|(?!\w))")
_LEVEL_WINDOW = 48  # a level word must start within this many characters after the timestamp


def _fraction(text: str | None) -> int:
    return int((text + "000000")[:6]) if text else 0


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


# Which parsers can match, by the line's first character (indexes into StampReader._parsers).
_ORDERS = ((0, 2, 4, 5), (1, 0, 4, 5), (3, 6, 5))


class StampReader:
    """Parses the leading timestamp of lines; one instance per file (it learns the file's format).

    ``reference`` is used to infer the year of syslog stamps (the year of the
    reference, or the year before when the stamp would be more than a day after it).
    """

    def __init__(self, reference: datetime | None = None) -> None:
        self.reference = reference or datetime(2000, 1, 1, tzinfo=UTC)
        self.assumed_utc = 0
        self.inferred_year = 0
        self._parsers: list[Callable[[str], tuple[datetime, int] | None]] = [
            self._iso, self._apache_error, self._hdfs, self._syslog, self._epoch, self._access, self._klog,
        ]
        self._last = [0, 1, 3]  # per first character (digit, "[", other): the parser that matched last
        self._current = -1  # the parser that matched the line just parsed
        # Per-second caches: the text of a stamp up to its seconds -> its time (most lines share a second).
        self._iso_seen: dict[str, datetime] = {}
        self._fixed_seen: dict[str, datetime] = {}

    @property
    def syslog(self) -> bool:
        """Whether the last stamp found was a syslog one (a host and a program follow it)."""
        return self._current == 3

    @property
    def klog(self) -> bool:
        """Whether the last stamp found was a Kubernetes klog header (its first letter is the level)."""
        return self._current == 6

    def parse(self, line: str) -> tuple[datetime | None, int]:
        """The timestamp at the head of ``line`` (aware UTC) and where it ends (0 when there is none).

        Parsers are tried by the line's first character (digit, ``[``, other),
        the one that matched last for that kind of line first.
        """
        first = line[:1]
        kind = 0 if first.isdigit() else 1 if first == "[" else 2
        parsers = self._parsers
        index = self._last[kind]
        hit = parsers[index](line)
        if hit is None:
            for index in _ORDERS[kind]:
                if index != self._last[kind]:
                    hit = parsers[index](line)
                    if hit is not None:
                        self._last[kind] = index
                        break
            else:
                self._current = -1
                return None, 0
        self._current = index
        return hit

    def _make(self, year: int, month: int, day: int, hh: int, mm: int, ss: int, micro: int,
              zone: timezone | None) -> datetime | None:
        try:
            if zone is None:
                self.assumed_utc += 1
                return datetime(year, month, day, hh, mm, min(ss, 59), micro, tzinfo=UTC)
            return datetime(year, month, day, hh, mm, min(ss, 59), micro, tzinfo=zone).astimezone(UTC)
        except (ValueError, OverflowError):
            return None

    def _iso(self, line: str) -> tuple[datetime, int] | None:
        seconds = line[:19]
        base = self._iso_seen.get(seconds)
        if base is not None:
            tail = _ISO_TAIL.match(line, 19)
            frac, zone = tail.groups()  # type: ignore[union-attr]  # every part of the tail is optional
            end = tail.end()  # type: ignore[union-attr]
        else:
            m = _ISO.match(line)
            if m is None:
                return None
            y, mo, d, hh, mi, ss, frac, zone = m.groups()
            end = m.end()
            try:
                base = datetime(int(y), int(mo), int(d), int(hh), int(mi), min(int(ss), 59), tzinfo=UTC)
            except (ValueError, OverflowError):
                return None
            if line[:1] != "[":
                if len(self._iso_seen) >= _SEEN_LIMIT:
                    self._iso_seen.clear()
                self._iso_seen[seconds] = base
        when = base.replace(microsecond=int((frac + "00000")[:6])) if frac else base
        if zone is None:
            self.assumed_utc += 1
        elif zone not in ("Z", "UTC", "GMT"):
            when = when.replace(tzinfo=_zone(zone)).astimezone(UTC)
        return when, end

    def _syslog(self, line: str) -> tuple[datetime, int] | None:
        m = _SYSLOG.match(line)
        if not m:
            return None
        month = MONTHS.get(m.group(1).lower())
        if month is None:
            return None
        ref = self.reference
        when = self._make(ref.year, month, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                          _fraction(m.group(6)), UTC)
        if when is None:
            return None
        if when > ref + timedelta(days=1):
            when = self._make(ref.year - 1, month, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                              int(m.group(5)), _fraction(m.group(6)), UTC)
            if when is None:
                return None
        self.assumed_utc += 1
        self.inferred_year += 1
        return when, m.end()

    def _klog(self, line: str) -> tuple[datetime, int] | None:
        m = _KLOG.match(line)
        if not m:
            return None
        month, day = int(m.group(2)), int(m.group(3))
        clock = (int(m.group(4)), int(m.group(5)), int(m.group(6)), _fraction(m.group(7)))
        ref = self.reference
        when = self._make(ref.year, month, day, *clock, UTC)
        if when is not None and when > ref + timedelta(days=1):
            when = self._make(ref.year - 1, month, day, *clock, UTC)
        if when is None:
            return None
        self.assumed_utc += 1
        self.inferred_year += 1
        return when, m.end()

    def _apache_error(self, line: str) -> tuple[datetime, int] | None:
        key = line[:26]
        when = self._fixed_seen.get(key)
        if when is not None:
            self.assumed_utc += 1
            return when, 26
        m = _APACHE_ERR.match(line)
        if not m:
            return None
        month = MONTHS.get(m.group(1).lower())
        if month is None:
            return None
        when = self._make(int(m.group(7)), month, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                          int(m.group(5)), _fraction(m.group(6)), None)
        if when is None:
            return None
        if m.end() == 26:  # no fraction of a second: the whole stamp is the key
            if len(self._fixed_seen) >= _SEEN_LIMIT:
                self._fixed_seen.clear()
            self._fixed_seen[key] = when
        return when, m.end()

    def _hdfs(self, line: str) -> tuple[datetime, int] | None:
        key = line[:14]
        when = self._fixed_seen.get(key)
        if when is None:
            m = _HDFS.match(line)
            if not m:
                return None
            yy, mo, d, hh, mi, ss = m.groups()
            when = self._make(2000 + int(yy), int(mo), int(d), int(hh), int(mi), int(ss), 0, UTC)
            if when is None:
                return None
            if len(self._fixed_seen) >= _SEEN_LIMIT:
                self._fixed_seen.clear()
            self._fixed_seen[key] = when  # the key holds the space after the stamp the pattern requires
        self.assumed_utc += 1
        return when, 13

    def _epoch(self, line: str) -> tuple[datetime, int] | None:
        m = _EPOCH.match(line)
        if not m:
            return None
        when = epoch_to_datetime(float(m.group(1)))
        return (when, m.end()) if when else None

    def _access(self, line: str) -> tuple[datetime, int] | None:
        m = _ACCESS.search(line, 0, 200)
        if not m:
            return None
        month = MONTHS.get(m.group(2).lower())
        if month is None:
            return None
        when = self._make(int(m.group(3)), month, int(m.group(1)), int(m.group(4)), int(m.group(5)),
                          int(m.group(6)), 0, _zone(m.group(7)))
        return (when, m.end()) if when else None


def epoch_to_datetime(value: float) -> datetime | None:
    """Seconds or milliseconds since the epoch (told apart by magnitude); ``None`` out of 2000..2100."""
    if value != value:  # NaN
        return None
    if value > EPOCH_MAX * 10:
        value /= 1000.0
    if not EPOCH_MIN <= value <= EPOCH_MAX:
        return None
    return datetime.fromtimestamp(value, UTC)


def parse_time_text(text: str, reader: StampReader | None = None) -> datetime | None:
    """A whole field (JSON value, CSV cell) as a timestamp: any format above, or an epoch number."""
    text = text.strip()
    if not text:
        return None
    if ":" not in text:  # a clock has a colon, a number never does
        try:
            return epoch_to_datetime(float(text))
        except ValueError:
            pass
    when, _ = (reader or StampReader()).parse(text)
    return when


def find_level(line: str, start: int) -> tuple[str | None, int, int]:
    """The normalised level near ``start`` and its span (``None, start, start`` when absent).

    A bare word counts only in capitals (``ERROR``); lower or mixed case only
    in brackets (``[error]``) or as ``level=error``, so "an error occurred"
    in a message is not taken for a level.
    """
    m = _FIRST_WORD.match(line, start)
    if m is not None:
        word, closing = m.group(1), m.group(2)
        if word.isupper() or closing:
            level = LEVEL_WORDS.get(word.lower())
            if level is not None:
                return level, m.start(1) - (1 if closing else 0), m.end()
    m = _LEVEL.search(line, start, start + _LEVEL_WINDOW + 12)
    while m is not None and m.start() - start <= _LEVEL_WINDOW:
        bare, bracketed, keyed = m.groups()
        if bare is None or bare.isupper():
            level = LEVEL_WORDS.get((bare or bracketed or keyed).lower())
            if level is not None:
                return level, m.start(), m.end()
        m = _LEVEL.search(line, m.end(), start + _LEVEL_WINDOW + 12)
    return None, start, start


def normalise_level(value: object) -> str | None:
    """A level from a structured field: a word (any case) or a syslog severity number 0..7."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return SYSLOG_SEVERITY[value] if 0 <= value < 8 else None
    if isinstance(value, str):
        word = value.strip().lower()
        if word.isdigit():
            return normalise_level(int(word))
        return LEVEL_WORDS.get(word)
    return None
