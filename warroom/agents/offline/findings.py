"""What the offline investigator found, as plain pydantic models.

Every finding carries its citations (file and line, metric and time, commit)
and a confidence; the writers turn these into step outputs and never add a
fact that is not here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from warroom.data.answers import Citation


class _Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LogLine(_Finding):
    """One log line as the investigator read it (already stripped of control characters)."""

    source: str
    line_no: int
    timestamp: datetime | None = None
    level: str = ""  # ERROR | WARN | INFO | DEBUG | "" (unknown)
    service: str = ""
    message: str
    pod: str = ""  # the pod column of an unwrapped CSV export
    span: str = ""  # the span id the line was logged in, when the export carries it

    @property
    def is_error(self) -> bool:
        return self.level in ("ERROR", "FATAL", "CRITICAL") or bool(self.status and self.status >= 500)

    @property
    def status(self) -> int | None:
        from warroom.agents.offline.reader import http_status

        return http_status(self.message)

    def cite(self) -> Citation:
        return Citation(source=f"{self.source}:{self.line_no}", detail=self.message[:240])


class Signature(_Finding):
    """A recognised failure pattern (crash loop, pool exhaustion, expired certificate...)."""

    family: str
    title: str
    detail: str = ""  # the specific entity: command, variable, dependency, certificate
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    services: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # terms that link it to changes
    citations: list[Citation] = Field(default_factory=list)
    new_after_onset: bool | None = None  # None when there is no onset to compare against
    confidence: float = 0.5
    where: str = ""  # an exception's throwing frame ("pkg.Class.method(File.java:42)")
    said: str = ""  # an exception's message, as first seen


class Onset(_Finding):
    """The moment a series left its baseline (change-point on a per-minute series)."""

    series: str  # "log errors", or a metric name
    at: datetime
    baseline: float
    after: float
    score: float  # robust z of the post-onset window against the baseline
    direction: str = "up"
    citation: Citation


class MetricFinding(_Finding):
    """What a metric series says: saturation, flat, drop, baseline vs now."""

    name: str
    kind: str  # error_rate | latency | throughput | connections | cpu | memory | disk | other
    baseline: float | None = None
    latest: float | None = None
    peak: float | None = None
    saturated_at: float | None = None  # the plateau value held at the top
    saturated_since: datetime | None = None
    ends_at: datetime | None = None  # the last point of the series
    note: str = ""
    citation: Citation


class Change(_Finding):
    """A commit, deploy or config change from the evidence."""

    change_id: str
    at: datetime
    author: str = ""
    message: str = ""
    files: list[str] = Field(default_factory=list)
    keys: list[str] = Field(default_factory=list)  # config keys touched
    diff_lines: list[str] = Field(default_factory=list)  # changed lines, short
    kind: str = "commit"  # commit | deploy | config | release
    source: str = ""

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.strip().splitlines()[0] if self.message.strip() else ""

    @property
    def short(self) -> str:
        return self.change_id[:10] if len(self.change_id) >= 20 else self.change_id

    def cite(self) -> Citation:
        return Citation(source=f"commit {self.short}" if self.kind == "commit" else f"{self.kind} {self.change_id}",
                        detail=f"{self.at:%Y-%m-%d %H:%M:%S}Z {self.author}: {self.subject}"[:240])


class Suspect(_Finding):
    """A change ranked as a possible cause, with the reasons for its rank."""

    change: Change
    minutes_before_onset: float
    score: float
    reasons: list[str] = Field(default_factory=list)
    overlap: list[str] = Field(default_factory=list)
    config_change: bool = False
    took_effect: Citation | None = None  # a log line showing the changed setting live (e.g. a config dump at start)


class Hypothesis(_Finding):
    """A candidate cause: one sentence naming the object, the cause and its specifics, with the evidence."""

    family: str  # image_pull, failed_scheduling, missing_env, ... (what kind of cause)
    subject: str = ""  # the object it is about: "pod default/web-1", "job default/nightly", a service
    statement: str  # the conclusion sentence if this ranks first
    confidence: float = 0.5
    evidence_for: list[Citation] = Field(default_factory=list)
    evidence_against: list[str] = Field(default_factory=list)
    explains: str = ""  # what of the evidence it explains, and what it leaves out
    symptom: bool = False  # a symptom (CrashLoopBackOff, BackOff, 5xx): never the root cause when its cause is known
    new_after_onset: bool | None = None
    on_subject: bool = False  # about the object the incident names (alert subject, title)
    score: float = 0.0  # the rank key, set by the ranking
    rank_note: str = ""  # why it ranks where it does


class Analysis(_Finding):
    """Everything the investigator concluded from one incident's evidence."""

    sources: list[str] = Field(default_factory=list)
    lines_read: int = 0
    problems: list[str] = Field(default_factory=list)  # files skipped, lines truncated
    first_at: datetime | None = None
    last_at: datetime | None = None
    error_series: dict[str, int] = Field(default_factory=dict)  # ISO minute -> errors
    error_baseline: float | None = None
    error_peak: int = 0
    onset: Onset | None = None
    metric_onsets: list[Onset] = Field(default_factory=list)
    signatures: list[Signature] = Field(default_factory=list)
    metrics: list[MetricFinding] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    suspects: list[Suspect] = Field(default_factory=list)
    after_onset_changes: list[Change] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    error_counts: dict[str, int] = Field(default_factory=dict)  # error lines per service
    failing_service: str = ""
    alerts: list[str] = Field(default_factory=list)
    top_errors: list[tuple[str, int, Citation]] = Field(default_factory=list)  # template, count, example
    hypotheses: list[Hypothesis] = Field(default_factory=list)  # ranked, best first
    not_incident: str = ""  # why the alerts describe no incident (always-firing alerts), when that is so

    @property
    def prime_suspect(self) -> Suspect | None:
        return self.suspects[0] if self.suspects and self.suspects[0].score >= 0.35 else None

    def metric(self, kind: str) -> MetricFinding | None:
        return next((m for m in self.metrics if m.kind == kind), None)
