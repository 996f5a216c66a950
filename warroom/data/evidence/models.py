"""What the evidence of an incident reads into: the shapes the offline investigator works on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from warroom.data.evidence.logs import ReadStats
from warroom.data.models import NormalisedAlert

EVIDENCE_KINDS = ("log", "alerts", "metrics", "git", "changes", "runbook", "document")
CHANGE_KINDS = ("commit", "deploy", "config", "release")


@dataclass
class TemplateSeries:
    """One log template across the bundle: how often, when, at what level, from which services."""

    template_id: int
    template: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    per_minute: dict[datetime, int]
    levels: Counter = field(default_factory=Counter)
    services: Counter = field(default_factory=Counter)
    examples: list[tuple[str, int, str]] = field(default_factory=list)  # (source, line_no, message), first few


@dataclass
class Change:
    """A commit, deploy, config change or release: the suspects of an investigation."""

    change_id: str
    at: datetime
    author: str
    message: str
    files: list[str]
    kind: str  # commit | deploy | config | release
    keys: list[str]
    source: str
    service: str = ""


@dataclass
class MetricSeries:
    """One metric series: name, labels, and time-ordered points."""

    name: str
    labels: dict[str, str]
    points: list[tuple[datetime, float]]
    source: str


@dataclass
class Document:
    """Anything textual that is not a log: a runbook, kubectl describe/events output, a fetched page."""

    name: str
    kind: str
    text: str
    source: str


@dataclass
class EvidenceBundle:
    """Everything read from an incident's evidence, and what could not be read and why."""

    logs: list[TemplateSeries] = field(default_factory=list)
    log_stats: dict[str, ReadStats] = field(default_factory=dict)
    alerts: list[NormalisedAlert] = field(default_factory=list)
    metrics: list[MetricSeries] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
