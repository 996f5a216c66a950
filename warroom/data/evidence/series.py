"""Turning log records into per-template series: counts per minute, first and last seen, examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from warroom.data.evidence.logs import LogRecord
from warroom.data.evidence.models import TemplateSeries
from warroom.data.evidence.templates import TemplateMiner
from warroom.data.redact import redact

EXAMPLES = 3
_MINUTE = timedelta(minutes=1)


class LogDigest:
    """Mines templates from records of one or more files and keeps their series (memory: per template, per minute)."""

    def __init__(self, miner: TemplateMiner | None = None, *, examples: int = EXAMPLES) -> None:
        self.miner = miner or TemplateMiner()
        self.examples = examples
        self._series: dict[int, TemplateSeries] = {}
        self._minute: datetime | None = None  # the minute the last record fell in, and its end
        self._minute_end: datetime | None = None

    def add(self, record: LogRecord) -> TemplateSeries:
        """Count ``record`` under its template."""
        template = self.miner.add(record.message)
        series = self._series.get(template.template_id)
        if series is None:
            series = self._series[template.template_id] = TemplateSeries(
                template.template_id, template.text, 0, None, None, {}, Counter(), Counter(), [])
        series.count += 1
        when = record.timestamp
        if when is not None:
            if series.first_seen is None or when < series.first_seen:
                series.first_seen = when
            if series.last_seen is None or when > series.last_seen:
                series.last_seen = when
            minute = self._minute
            if minute is None or not minute <= when < self._minute_end:  # type: ignore[operator]
                minute = self._minute = when.replace(second=0, microsecond=0)
                self._minute_end = minute + _MINUTE
            series.per_minute[minute] = series.per_minute.get(minute, 0) + 1
        level = record.level
        if level is not None:
            levels = series.levels
            levels[level] = levels.get(level, 0) + 1
        service = record.service
        if service:
            services = series.services
            services[service] = services.get(service, 0) + 1
        if len(series.examples) < self.examples:
            series.examples.append((record.source, record.line_no, redact(record.message)))
        return series

    def add_all(self, records: Iterable[LogRecord]) -> None:
        for record in records:
            self.add(record)

    def series(self) -> list[TemplateSeries]:
        """Every template's series, most frequent first (template text brought up to date)."""
        texts = {t.template_id: t.text for t in self.miner.templates()}
        out = []
        for series in self._series.values():
            series.template = texts.get(series.template_id, series.template)
            series.per_minute = dict(sorted(series.per_minute.items()))
            out.append(series)
        return sorted(out, key=lambda s: (-s.count, s.template_id))


def first_timestamp(series: Iterable[TemplateSeries]) -> datetime | None:
    """The earliest time any template was seen."""
    times = [s.first_seen for s in series if s.first_seen is not None]
    return min(times) if times else None
