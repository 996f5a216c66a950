"""The investigation: read the evidence once, find the onset, the signatures, the suspects.

:func:`analyse` is deterministic (same evidence, same analysis) and cached per
incident and evidence set, so thirty playbook steps read the logs once.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import Counter, OrderedDict
from datetime import datetime, timedelta
from pathlib import Path

from warroom.agents.offline.changepoint import counts_grid, detect_shift, per_minute
from warroom.agents.offline.changes import rank_suspects, read_changes_file, read_git
from warroom.agents.offline.findings import Analysis, Change, Hypothesis, LogLine, Onset
from warroom.agents.offline.hypotheses import Subject, always_firing, build, errorish
from warroom.agents.offline.metrics import Series, describe_series, metric_kind, read_csv, read_prometheus
from warroom.agents.offline.reader import confined, load_json, read_log, sniff
from warroom.agents.offline.signatures import SignatureScanner
from warroom.agents.offline.silence import silent_handlers
from warroom.agents.offline.status_docs import status_hypotheses
from warroom.data.alerts import AlertPayloadError
from warroom.data.answers import Citation
from warroom.data.evidence.alertfiles import read_alert_file
from warroom.data.evidence.kube import KubeFacts, read_kube
from warroom.data.evidence.logs import open_stream
from warroom.data.evidence.traces import read_spans
from warroom.data.evidence.toolmock import read_tool_header, read_tool_text
from warroom.data.models import Evidence, NormalisedAlert

_MASK = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b\d+\.\d+\.\d+\.\d+(?::\d+)?\b"
                   r"|\b0x[0-9a-f]+\b|\b[0-9a-f]{10,}\b|\b\d+(?:\.\d+)?(?:ms|s|MB|KB|%)?\b|\"[^\"]{0,80}\"", re.I)
_PREFIX = re.compile(r"^\S*\d{2}:\d{2}:\d{2}\S*\s+|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[,.]?\d*\s+")
_SETTING = re.compile(r"([A-Za-z][\w.-]*?)(?:\.{3,}|\s*[=:]\s*)(\d+)\s*$")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_ACCESS = re.compile(r'"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S+) HTTP/[\d.]+" (\d{3}) ')
_UPSTREAM = re.compile(r"\bupstream[=:]\s*\"?([\w.-]+(?::\d+)?)")
_CACHE: OrderedDict[tuple, Analysis] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()
_ERROR_KINDS = ("error_rate", "latency", "throughput")
_BASELINE_SPAN = timedelta(hours=24)
_SYMPTOM_DIRECTION = {"error_rate": "up", "latency": "up", "throughput": "down"}
_MAX_SPANS = 2_000_000
_TEXT_LIMIT = 2 * 1024 * 1024  # larger files are logs, streamed; Kubernetes output and status documents are small


def template_of(message: str) -> str:
    """``message`` with its variable parts masked (ids, numbers, addresses, quoted values).

    An access-log line becomes ``GET /api/v1/orders -> 503 (access log, upstream=checkout-api:<*>)``:
    the request and status are what tells one failing endpoint from another.
    """
    access = _ACCESS.search(message)
    if access:
        method, path, status = access.groups()
        upstream = _UPSTREAM.search(message)
        where = f", upstream={_MASK.sub('<*>', upstream.group(1))}" if upstream else ""
        return f"{method} {_MASK.sub('<*>', path.split('?')[0])} -> {status} (access log{where})"[:200]
    return _MASK.sub("<*>", _PREFIX.sub("", message))[:200]


def resolve(evidence: Evidence, root: str) -> Path | None:
    """The evidence file's path, confined to the evidence root when there is one."""
    if root:
        return confined(Path(root), evidence.path)
    return Path(evidence.path)


def _fingerprint(evidence: list[Evidence], root: str, key: str) -> tuple:
    parts = []
    for item in evidence:
        path = resolve(item, root)
        try:
            stat = path.stat() if path else None
        except OSError:
            stat = None
        parts.append((item.evidence_id, item.path, item.sha256, stat.st_size if stat else -1,
                      stat.st_mtime_ns if stat else -1))
    return (key, root, tuple(parts))


def analyse(evidence: list[Evidence], root: str = "", *, alerts: list[NormalisedAlert] | None = None,
            service: str = "", key: str = "", title: str = "") -> Analysis:
    """The analysis of ``evidence`` (cached on the files' identity, size and mtime).

    ``title`` and ``service`` (and the alerts' subject labels) say what the incident is about:
    causes about that object outrank causes about bystanders.
    """
    cache_key = _fingerprint(evidence, root, key) + (service, title, tuple(a.fingerprint for a in alerts or []))
    with _CACHE_LOCK:  # parallel steps (impact and urgency) wait for one analysis instead of running two
        if cache_key in _CACHE:
            _CACHE.move_to_end(cache_key)
            return _CACHE[cache_key]
        result = _Investigation(service, title).run(evidence, root, alerts or [])
        _CACHE[cache_key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return result


class _Investigation:
    """One pass over the evidence."""

    def __init__(self, service: str, title: str = "") -> None:
        self.service_hint = service
        self.title = title
        self.kube = KubeFacts()
        self.alert_objects: list[NormalisedAlert] = []
        self.error_lines: dict[str, list[LogLine]] = {}  # source -> its first error-looking lines (for jobs' pods)
        self.source_names: dict[str, str] = {}  # source -> the file name and the recorded tool call's parameters
        self.extra: list[Hypothesis] = []
        self.spans: list[tuple[str, str, str, str, datetime | None]] = []  # (pod, operation, span, parent, start)
        self.logged_spans: set[tuple[str, str]] = set()  # (pod, span id) of log lines that carry a span id
        self.trace_sources: list[str] = []
        self.scanner = SignatureScanner()
        self.errors_per_minute: Counter[datetime] = Counter()
        self.error_templates: Counter[str] = Counter()
        self.template_example: dict[str, LogLine] = {}
        self.template_first: dict[str, datetime] = {}
        self.error_services: Counter[str] = Counter()
        self.services: Counter[str] = Counter()
        self.series: list[Series] = []
        self.changes: list[Change] = []
        self.out = Analysis()
        self.settings: list[tuple[set[str], str, LogLine]] = []  # (name tokens, value, line) of config echoed in logs

    def run(self, evidence: list[Evidence], root: str, alerts: list[NormalisedAlert]) -> Analysis:
        out = self.out
        self.alert_objects = list(alerts)
        for alert in alerts:
            out.alerts.append(f"{alert.title} ({alert.source}, {alert.status}"
                              + (f", since {alert.started_at:%Y-%m-%d %H:%M}Z" if alert.started_at else "") + ")")
        for item in sorted(evidence, key=lambda e: (e.path, e.evidence_id)):
            path = resolve(item, root)
            if path is None:
                out.problems.append(f"{item.name}: path escapes the evidence root; skipped")
                continue
            if not path.exists():
                out.problems.append(f"{item.name}: file is missing")
                continue
            self._read(item, path)
        self._conclude()
        return out

    def _read(self, item: Evidence, path: Path) -> None:
        out, source = self.out, item.name or path.name
        kind = item.kind if item.kind in ("git", "metrics", "changes") else sniff(path)
        out.sources.append(f"{source} ({kind})")
        if kind == "git" and path.is_dir():
            self.changes += read_git(path, source, out.problems)
        elif kind in ("git", "changes") and path.is_file():  # a repository snapshot or a changes file
            self.changes += read_changes_file(path, source, out.problems)
        elif kind == "traces":
            self._traces(path, source)
        elif kind == "metrics" and (path.suffix == ".csv" or path.name.lower().endswith((".csv.gz", ".tsv"))):
            self.series += read_csv(path, source, out.problems)
        elif kind == "metrics":
            doc = load_json(path, source, out.problems)
            if doc is not None:
                self.series += read_prometheus(doc, source, out.problems)
        elif path.is_dir():
            out.problems.append(f"{source}: a directory that is not a git repository; skipped")
        else:
            if kind == "alerts" or path.suffix == ".json":
                self._alerts(path, source)
            self._log(path, source, self._structured(path, source))

    def _traces(self, path: Path, source: str) -> None:
        """Spans of a trace export: which handler served which request, to see which stopped logging."""
        self.trace_sources.append(source)
        try:
            stream, _ = open_stream(path)
            with io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="") as text:
                for span in read_spans(text):
                    if len(self.spans) >= _MAX_SPANS:
                        self.out.problems.append(f"{source}: more than {_MAX_SPANS} spans; the rest were not read")
                        return
                    self.spans.append((span.who, span.operation, span.span, span.parent, span.start))
        except (OSError, EOFError, ValueError, csv.Error) as exc:
            self.out.problems.append(f"{source}: spans not read ({exc})")

    def _structured(self, path: Path, source: str) -> set[int]:
        """Kubernetes output and status documents in a small text file, read as facts; the table rows' lines
        (other objects' states, already facts) are returned so the log scan leaves them out."""
        try:
            if path.stat().st_size > _TEXT_LIMIT or path.suffix == ".gz":
                return set()
            tool = read_tool_header(path)
            if tool is not None:
                text, _ = read_tool_text(path, _TEXT_LIMIT)
                first, kind, what = 3, str(tool.params.get("kind", "")), tool.describe()
            else:
                text, first, kind, what = path.read_text(encoding="utf-8", errors="replace"), 1, "", path.name
        except OSError:
            return set()
        self.source_names[source] = f"{source} {what}"
        facts = read_kube(text, source, kind, first)
        self.kube.extend(facts)
        body = text.split("\n", 1)[1] if text.startswith(("stdout:", "stderr:")) else text
        if body.lstrip()[:1] == "{" and not facts:
            system = re.sub(r"^(?:get|list|fetch)_|_(?:cluster_)?status$", "", tool.tool if tool else path.stem)
            self.extra += status_hypotheses(body, source, system.split("_")[0] if system else "")
        return {row.line_no for row in facts.rows}

    def _alerts(self, path: Path, source: str) -> None:
        """Alerts in an attached payload (Alertmanager, PagerDuty, Robusta/HolmesGPT records), once each."""
        try:
            alerts = read_alert_file(path)
        except (AlertPayloadError, OSError, ValueError):
            return  # not an alert payload after all; its text is still read as a log
        known = {a.fingerprint for a in self.alert_objects}
        self.alert_objects += [a for a in alerts if a.fingerprint not in known]
        for alert in alerts:
            if any(line.startswith(alert.title + " (") for line in self.out.alerts):
                continue  # already known from the incident's own alerts
            since = f", since {alert.started_at:%Y-%m-%d %H:%M}Z" if alert.started_at else ""
            self.out.alerts.append(f"{alert.title} ({alert.source}, {alert.status}{since}) [{source}]")

    def _log(self, path: Path, source: str, skip: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        suffix = re.search(r"\.(log|jsonl)(\.gz)?$", path.name)
        default_service = path.name[: suffix.start()] if suffix else ""  # checkout-api.log -> checkout-api
        out = self.out
        lines, first, last = 0, out.first_at, out.last_at  # locals: the Analysis model is written once per file
        errorlike = self.error_lines.setdefault(source, [])
        for line in read_log(path, source, out.problems, default_service):
            lines += 1
            if line.line_no in skip:
                continue
            self.scanner.feed(line)
            message, at = line.message, line.timestamp
            if len(errorlike) < 20 and line.level not in ("INFO", "DEBUG") and errorish(message):
                errorlike.append(line)
            if line.span and line.pod:
                self.logged_spans.add((line.pod, line.span))
            if message[-1:].isdigit() and len(self.settings) < 500 and (setting := _SETTING.search(message[-120:])):
                self.settings.append((_name_tokens(setting.group(1)), setting.group(2), line))
            if line.service:
                self.services[line.service] += 1
            if at:
                first = at if first is None or at < first else first
                last = at if last is None or at > last else last
            if line.is_error:
                template = template_of(message)
                self.error_templates[template] += 1
                self.template_example.setdefault(template, line)
                if at:
                    self.errors_per_minute[at.replace(second=0, microsecond=0)] += 1
                    self.template_first.setdefault(template, at)
                if line.service:
                    self.error_services[line.service] += 1
        out.lines_read += lines
        out.first_at, out.last_at = first, last

    def _conclude(self) -> None:
        out = self.out
        errors = dict(self.errors_per_minute)
        start = max(out.first_at, min(errors) - _BASELINE_SPAN) if errors and out.first_at else None
        end = min(out.last_at, max(errors) + _BASELINE_SPAN) if errors and out.last_at else None
        grid = counts_grid(errors, start, end)  # quiet minutes count as zero, up to a day either side of the errors
        out.error_series = {at.isoformat(): int(v) for at, v in grid[-720:]}
        out.error_peak = int(max((v for _, v in grid), default=0))
        shift = detect_shift(grid, counts=True, direction="up")
        if shift:
            out.onset = Onset(series="log errors per minute", at=shift.at, baseline=shift.baseline, after=shift.after,
                              score=shift.score, direction=shift.direction,
                              citation=Citation(source="log errors per minute",
                                                detail=f"{shift.baseline:g}/min before {shift.at:%H:%M}Z, "
                                                       f"{shift.after:g}/min after"))
            out.error_baseline = shift.baseline
        for name, points, source in self.series:
            metric_shift = detect_shift(per_minute(points), direction=_SYMPTOM_DIRECTION.get(metric_kind(name)))
            if metric_shift:
                out.metric_onsets.append(Onset(series=name, at=metric_shift.at, baseline=metric_shift.baseline,
                                               after=metric_shift.after, score=metric_shift.score,
                                               direction=metric_shift.direction,
                                               citation=Citation(source=f"{source}: {name}",
                                                                 detail=f"{metric_shift.baseline:g} -> {metric_shift.after:g} at {metric_shift.at:%H:%M}Z")))
        symptom_onsets = [o for o in out.metric_onsets if metric_kind(o.series) in _ERROR_KINDS]
        earliest = min(symptom_onsets, key=lambda o: o.at, default=None)
        if earliest and (out.onset is None or earliest.at < out.onset.at):
            out.onset = earliest  # the symptom metric moved first; the log errors follow it
        onset_at = out.onset.at if out.onset else None
        out.metrics = [describe_series(name, points, source, onset_at) for name, points, source in self.series]
        out.signatures = self.scanner.signatures()
        for sig in out.signatures:
            if onset_at and sig.first_seen:
                sig.new_after_onset = sig.first_seen >= onset_at - timedelta(minutes=1)
        out.services = [name for name, _ in self.services.most_common(12)]
        out.error_counts = dict(self.error_services.most_common(12))
        out.failing_service = self._failing_service(onset_at)
        ranked = sorted(self.error_templates.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        out.top_errors = [(t, n, self.template_example[t].cite()) for t, n in ranked]
        out.changes = sorted(self.changes, key=lambda c: c.at, reverse=True)
        out.suspects, out.after_onset_changes = rank_suspects(out.changes, onset_at, out.signatures, out.failing_service)
        for suspect in out.suspects[:3]:
            suspect.took_effect = self._took_effect(suspect.change)
        self._hypotheses()

    def _hypotheses(self) -> None:
        from warroom.agents.offline.writers.common import explain  # the writers' wording, one place

        out = self.out
        subject = Subject.of(self.title, self.service_hint, self.alert_objects)
        if self.spans:
            self.extra += silent_handlers(self.spans, self.logged_spans, ", ".join(self.trace_sources[:3]))
        out.hypotheses = build(self.kube, out.signatures, self.alert_objects, subject, explain,
                               {k: v for k, v in self.error_lines.items() if v}, self.source_names, self.extra)
        out.not_incident = always_firing(self.alert_objects) if not any(
            not h.symptom and h.confidence >= 0.7 for h in out.hypotheses) else ""

    def _took_effect(self, change: Change) -> Citation | None:
        """The first log line after ``change`` echoing one of its keys with the new value."""
        new_values = {}
        for line in change.diff_lines:
            m = re.match(r"^\+\s*([\w.-]+)\s*[:=]\s*(\S+)", line)
            if m:
                new_values[m.group(1)] = m.group(2)
        for key, value in new_values.items():
            tokens = _name_tokens(key)
            for names, echoed, line in self.settings:
                if echoed == value and len(tokens & names) >= 2 and (not line.timestamp or line.timestamp >= change.at):
                    return line.cite()
        return None

    def _failing_service(self, onset: datetime | None) -> str:
        new = [s for s in self.out.signatures if s.new_after_onset and s.services]
        counts: Counter[str] = Counter()
        for sig in new:
            for svc in sig.services:
                counts[svc] += sig.count
        if counts:
            return counts.most_common(1)[0][0]
        if self.service_hint:
            return self.service_hint
        crash = next((s for s in self.out.signatures if s.family == "crash_loop" and s.detail), None)
        if crash:
            return crash.detail  # the crash-looping workload is the failing service
        return self.error_services.most_common(1)[0][0] if self.error_services else ""


def _name_tokens(name: str) -> set[str]:
    """``DB_POOL_MAX_SIZE`` and ``maximumPoolSize`` both give {pool, max, size}."""
    words = {w.lower() for w in _CAMEL.findall(name.replace("_", " ").replace(".", " "))}
    return {{"maximum": "max", "minimum": "min"}.get(w, w) for w in words}
