"""Evidence ingestion: logs (streamed, templated), alerts, metric series, changes, and documents.

:func:`load_bundle` reads an incident's attached evidence into an
:class:`EvidenceBundle`; the pieces are usable on their own: :func:`read_log`
streams one log file into :class:`LogRecord` s, :class:`TemplateMiner` groups
messages into templates, :mod:`.metrics` and :mod:`.changes` read series and
changes.
"""

from warroom.data.evidence.bundle import classify, load_bundle
from warroom.data.evidence.changes import ChangesError, config_keys, read_changes_file, read_git, write_changes
from warroom.data.evidence.logs import LogReadError, LogRecord, ReadStats, read_log
from warroom.data.evidence.metrics import MetricFormatError, read_csv_metrics, read_prometheus
from warroom.data.evidence.models import Change, Document, EvidenceBundle, MetricSeries, TemplateSeries
from warroom.data.evidence.series import LogDigest
from warroom.data.evidence.templates import Template, TemplateMiner, mask

__all__ = [
    "Change",
    "ChangesError",
    "Document",
    "EvidenceBundle",
    "LogDigest",
    "LogReadError",
    "LogRecord",
    "MetricFormatError",
    "MetricSeries",
    "ReadStats",
    "Template",
    "TemplateMiner",
    "TemplateSeries",
    "classify",
    "config_keys",
    "load_bundle",
    "mask",
    "read_changes_file",
    "read_csv_metrics",
    "read_git",
    "read_log",
    "read_prometheus",
    "write_changes",
]
