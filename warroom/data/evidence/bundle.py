"""Reading an incident's attached evidence into one :class:`EvidenceBundle`.

:func:`classify` says what a file is (by content first, name second);
:func:`load_bundle` reads every attached item with the right reader, mining
all logs into one set of templates, and never raises for bad evidence: what
could not be read, and why, is listed in ``bundle.problems``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from warroom.data.alerts import AlertPayloadError
from warroom.data.evidence.alertfiles import looks_like_alerts, read_alert_file
from warroom.data.evidence.changes import ChangesError, is_git_repository, read_changes_file, read_git
from warroom.data.evidence.envelopes import csv_log_columns
from warroom.data.evidence.logs import SNIFF_BYTES, ReadStats, looks_binary, open_stream, read_log
from warroom.data.evidence.metrics import MetricFormatError, read_csv_metrics, read_prometheus
from warroom.data.evidence.models import (EVIDENCE_KINDS, Change, Document, EvidenceBundle, MetricSeries,
                                          TemplateSeries)
from warroom.data.evidence.series import LogDigest
from warroom.data.evidence.timestamps import StampReader
from warroom.data.evidence.toolmock import STREAM_MARKERS, read_tool_header, read_tool_text
from warroom.data.models import Evidence

__all__ = ["Change", "Document", "EvidenceBundle", "MetricSeries", "TemplateSeries", "classify", "load_bundle"]

MAX_DOCUMENT_CHARS = 1024 * 1024
GIT_SNAPSHOT_SUFFIX = ".git-changes.jsonl"
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".html", ".htm", ".xml", ".rst")
_PLAIN_CHANGE = re.compile(r"^\S+\s+(commit|deploy|config|release)\s+\S+\s+\S", re.IGNORECASE)


def _head(path: Path) -> bytes:
    try:
        stream, _ = open_stream(path)
        with stream:
            return stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (OSError, EOFError, ValueError):
        return b""


def classify(path: Path) -> str:
    """What ``path`` holds: log | alerts | metrics | git | changes | runbook | document."""
    path = Path(path)
    name = path.name.lower()
    if path.is_dir():
        return "git" if is_git_repository(path) else "document"
    if name.endswith(GIT_SNAPSHOT_SUFFIX):
        return "git"
    head = _head(path)
    if looks_binary(head):
        return "log"
    tool = read_tool_header(path)
    if tool is not None:
        return "log" if tool.is_log else "document"
    text = head.decode("utf-8", "replace")
    lines = [line for line in text.splitlines()[:-1 if len(head) == SNIFF_BYTES else None] if line.strip()]
    stripped = text.lstrip()
    if "changes" in name and not name.endswith((".md", ".txt")) or _is_change_lines(lines):
        return "changes"
    if stripped[:1] in ("{", "[") and not _json_lines_log(lines):
        return _classify_json(path, text)
    if name.endswith(".csv") or name.endswith(".tsv"):
        return _classify_csv(lines)
    if name.endswith((".md", ".markdown")) or "runbook" in name or "playbook" in name:
        return "runbook"
    if _json_lines_log(lines) or name.endswith((".log", ".gz", ".jsonl", ".ndjson")) or ".log." in name:
        return "log"
    if name.endswith(DOCUMENT_SUFFIXES + (".json",)):
        return "document"
    return "log" if _mostly_timestamped(lines) else "document"


def _is_change_lines(lines: list[str]) -> bool:
    body = [line for line in lines if not line.startswith("#")][:10]
    return bool(body) and all(_PLAIN_CHANGE.match(line) for line in body)


def _json_lines_log(lines: list[str]) -> bool:
    if len(lines) < 2 or not all(line.lstrip().startswith("{") for line in lines[:5]):
        return False
    try:
        return all(isinstance(json.loads(line), dict) for line in lines[:5])
    except ValueError:
        return False


def _classify_json(path: Path, head: str) -> str:
    if '"resultType"' in head:
        return "metrics"
    try:
        if path.stat().st_size <= 5 * 1024 * 1024:
            body = json.loads(path.read_bytes())
            if looks_like_alerts(body):
                return "alerts"
    except (OSError, ValueError, RecursionError):
        pass
    return "document"


def _classify_csv(lines: list[str]) -> str:
    if not lines:
        return "document"
    header = [cell.strip().strip('"').lower() for cell in lines[0].split(",")]
    if "message" in header and {"at", "time", "timestamp"} & set(header) and {"kind", "author"} & set(header):
        return "changes"  # a change history: who changed what, and when
    if csv_log_columns(header) is not None:
        return "log"  # a log platform's export: the message column holds the line
    if "value" in header or (len(header) in (2, 3) and StampReader().parse(lines[0])[0] is not None):
        return "metrics"
    return "document"


def _mostly_timestamped(lines: list[str]) -> bool:
    sample = lines[:20]
    if not sample:
        return False
    reader = StampReader()
    return sum(1 for line in sample if reader.parse(line)[0] is not None) * 2 >= len(sample)


def _locate(root: Path, relative: str) -> Path:
    root = root.resolve()
    try:
        candidate = (root / relative).resolve()
    except (OSError, RuntimeError):
        raise ValueError("its path cannot be resolved (a symlink loop)") from None
    if candidate != root and root not in candidate.parents:
        raise ValueError("its path leads outside the evidence folder")
    return candidate


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bundle = EvidenceBundle()
        self.digest = LogDigest()

    def load(self, item: Evidence) -> None:
        label = item.path or item.name
        try:
            path = _locate(self.root, item.path)
        except ValueError as exc:
            self.bundle.problems.append(f"{label}: {exc}; not read")
            return
        if not path.exists():
            self.bundle.problems.append(f"{label}: the file is missing from the evidence folder; not read")
            return
        kind = item.kind if item.kind in EVIDENCE_KINDS else classify(path)
        try:
            self._read(path, kind, label)
        except (OSError, ValueError, ChangesError) as exc:
            self.bundle.problems.append(f"{label}: {exc}"[:500])
        except Exception as exc:  # noqa: BLE001 - one unreadable item must not lose the rest of the evidence
            self.bundle.problems.append(f"{label}: could not be read ({type(exc).__name__}: {exc})"[:500])

    def _read(self, path: Path, kind: str, label: str) -> None:
        if kind == "git" and path.is_dir():
            self.bundle.changes.extend(read_git(path, label))
        elif kind in ("git", "changes"):
            changes, problems = read_changes_file(path, label)
            self.bundle.changes.extend(changes)
            self.bundle.problems.extend(problems[:20])
            if len(problems) > 20:
                self.bundle.problems.append(f"{label}: {len(problems) - 20} more unreadable change lines")
        elif kind == "metrics":
            self._metrics(path, label)
        elif kind == "alerts":
            self._alerts(path, label)
        elif kind == "log":
            self._log(path, label)
        else:
            self._document(path, kind, label)

    def _log(self, path: Path, label: str) -> None:
        tool = read_tool_header(path)
        stats = ReadStats()
        self.bundle.log_stats[label] = stats
        source = label if tool is None else f"{label} ({tool.tool})"
        for record in read_log(path, stats, source=source, skip_lines=2 if tool else 0):
            if tool is not None and record.raw.strip() in STREAM_MARKERS:
                continue
            self.digest.add(record)
        if stats.binary_file:
            self.bundle.problems.append(f"{label}: a binary file, not a log; skipped")
        elif stats.error:
            self.bundle.problems.append(f"{label}: reading stopped after line {stats.lines}: {stats.error}")
        if stats.capped:
            self.bundle.problems.append(f"{label}: {stats.capped}")

    def _document(self, path: Path, kind: str, label: str) -> None:
        if path.is_dir():
            self.bundle.problems.append(f"{label}: a directory that is not a git repository; attach its files")
            return
        if looks_binary(_head(path)):
            self.bundle.problems.append(f"{label}: a binary file, not a document; skipped")
            return
        tool = read_tool_header(path)
        if tool is not None:
            text, cut = read_tool_text(path, MAX_DOCUMENT_CHARS)
            document = Document(tool.describe(), f"tool:{tool.tool}", text, label)
        else:
            with path.open("r", encoding="utf-8", errors="replace") as handle:
                text = handle.read(MAX_DOCUMENT_CHARS + 1)
            cut = len(text) > MAX_DOCUMENT_CHARS
            document = Document(path.name, "runbook" if kind == "runbook" else "document", text[:MAX_DOCUMENT_CHARS],
                                label)
        if cut:
            self.bundle.problems.append(f"{label}: only the first {MAX_DOCUMENT_CHARS // 1024} KiB were read")
        self.bundle.documents.append(document)

    def _metrics(self, path: Path, label: str) -> None:
        head = _head(path).lstrip()
        try:
            read = read_prometheus(path, label) if head[:1] in (b"{", b"[") else read_csv_metrics(path, label)
        except MetricFormatError as exc:
            self.bundle.problems.append(str(exc))
            return
        self.bundle.metrics.extend(read.series)
        note = read.note(label)
        if note:
            self.bundle.problems.append(note)

    def _alerts(self, path: Path, label: str) -> None:
        try:
            self.bundle.alerts.extend(read_alert_file(path))
        except AlertPayloadError as exc:
            self.bundle.problems.append(f"{label}: not a readable alert payload ({exc}); kept as a document")
            self._document(path, "document", label)


def load_bundle(evidence: list[Evidence], root: Path) -> EvidenceBundle:
    """Read every item of ``evidence`` (paths relative to ``root``) into one bundle."""
    loader = _Loader(Path(root))
    for item in sorted(evidence, key=lambda e: (e.path, e.evidence_id)):
        loader.load(item)
    bundle = loader.bundle
    bundle.logs = loader.digest.series()
    bundle.changes.sort(key=lambda c: (c.at, c.change_id))
    return bundle
