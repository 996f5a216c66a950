"""Similar incidents: past incidents with a similar signature, ranked, each with its reasons.

A signature is read from the incident and its events: the service, the alert
names, log templates (log-looking lines quoted in agent outputs, alerts and
notes, with numbers, ids, addresses and quoted values masked), files and config
keys named in decisions, mitigations, agent outputs and the resolution, and the
root-cause text (TF-IDF cosine over the history, stdlib only).

Call it when an incident is opened and again once it has a root cause::

    history = await load_history(store)          # [(incident, events)]
    target, target_events = ...                  # the incident and its events
    matches = find_similar(target, target_events, history)
    # or, in one call: await similar_incidents(store, incident_id)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from warroom.data import events as ev
from warroom.data.ids import validate_incident_id
from warroom.data.insights.history import History, load_history
from warroom.data.insights.text import TfIdf, jaccard, root_cause_text, words
from warroom.data.models import Incident
from warroom.data.store import EventStore, UnknownIncident
from warroom.data.text import plain

__all__ = ["Signature", "SimilarIncident", "find_similar", "signature", "similar_incidents"]

WEIGHTS = {"service": 0.15, "alerts": 0.2, "templates": 0.2, "changes": 0.15, "root_cause": 0.3}
MIN_SCORE = 0.15

_LOGLINE = re.compile(r"\b(?:ERROR|WARN(?:ING)?|FATAL|CRITICAL|Exception|Traceback|level=(?:error|warn)|panic:)", re.I)
#: How much text of one incident is scanned for templates, files and config keys.
MAX_SCAN = 4_000_000
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MASKS = [
    (re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+" + _MONTH + r"\s+\d{1,2}\s+[\d:.]+\s+\d{4}\b"), ""),
    (re.compile(r"\b" + _MONTH + r"\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\b"), ""),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?"), ""),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"(?<![0-9a-z])-?(?:0x[0-9a-f]+|[0-9a-f]{12,})(?![0-9a-z])", re.I), "<hex>"),
    (re.compile(r"\"[^\"]*\"|'[^']*'"), "<str>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
]
_EXTENSIONS = "py|go|rs|java|kt|js|ts|rb|php|c|cc|cpp|h|cs|sql|yaml|yml|json|toml|ini|cfg|conf|tf|properties|env|sh"
_FILE_END = re.compile(r"\.(?:" + _EXTENSIONS + r")\b")
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
_CONFIG_KEY = re.compile(r"\b([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+)\s*[=:]|\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")


@dataclass(frozen=True)
class SimilarIncident:
    """One past incident like the target: ``score`` in [0, 1] and why it matched."""

    incident_id: str
    title: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Signature:
    service: str
    alerts: frozenset[str]
    templates: frozenset[str]
    changes: frozenset[str]
    root_cause: list[str]


def log_template(line: str) -> str:
    """``line`` with its variable parts masked (numbers, ids, addresses, quoted values)."""
    text = line.strip()[:500]
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return " ".join(text.replace("[]", " ").split())


def _files(blob: str) -> set[str]:
    """File paths with a known extension named in ``blob`` (``config/db.yaml``, ``app.py``)."""
    found = set()
    for match in _FILE_END.finditer(blob):
        start = match.start()
        while start > 0 and match.start() - start < 200 and blob[start - 1] in _PATH_CHARS:
            start -= 1
        name = blob[start : match.end()].lstrip("./-") if blob[start] in "./-" else blob[start : match.end()]
        if name and not name.startswith(".") and name[: -len(match.group(0))]:
            found.add(name)
    return found


def _texts(incident: Incident, events: Sequence[ev.BaseEvent]) -> Iterable[str]:
    yield incident.resolution
    yield from incident.review.values()
    for run in incident.runs.values():
        yield run.output
    for d in incident.decisions:
        yield d.rationale
        yield d.choice
    for m in incident.mitigations:
        yield m.details
    for e in events:
        if isinstance(e, ev.AgentStepOutput | ev.NoteAdded):
            yield e.text


def _log_lines(blob: str) -> Iterable[str]:
    """Each line of ``blob`` that looks like a log line (once per line)."""
    end = -1
    for match in _LOGLINE.finditer(blob):
        if match.start() <= end:
            continue
        start = blob.rfind("\n", 0, match.start()) + 1
        end = blob.find("\n", match.end())
        end = len(blob) if end < 0 else end
        yield blob[start:end]


def signature(incident: Incident, events: Sequence[ev.BaseEvent]) -> Signature:
    """The incident's signature (see the module docstring)."""
    alerts = set()
    services = {incident.service.lower()} if incident.service else set()
    templates = set()
    for alert in incident.alerts:
        alerts.add((alert.labels.get("alertname") or alert.title).strip().lower()[:200])
        if alert.service:
            services.add(alert.service.lower())
        for text in alert.annotations.values():
            templates.update(log_template(line) for line in text.splitlines() if _LOGLINE.search(line))
    blob = "\n".join(text[:200_000] for text in _texts(incident, events) if text)[:MAX_SCAN]
    templates.update(log_template(line) for line in _log_lines(blob))
    changes = _files(blob)
    changes.update(m.group(1) or m.group(2) for m in _CONFIG_KEY.finditer(blob))
    service = sorted(services)[0] if len(services) == 1 else incident.service.lower()
    return Signature(
        service=service, alerts=frozenset(a for a in alerts if a), templates=frozenset(t for t in templates if t),
        changes=frozenset(changes), root_cause=words(root_cause_text(incident)),
    )  # fmt: skip


def _quote(items: Iterable[str], limit: int = 3) -> str:
    chosen = sorted(items)
    shown = ", ".join(repr(" ".join(plain(x).split())[:80]) for x in chosen[:limit])
    return shown + (f" and {len(chosen) - limit} more" if len(chosen) > limit else "")


def find_similar(target: Incident, target_events: Sequence[ev.BaseEvent],
                 history: Sequence[tuple[Incident, Sequence[ev.BaseEvent]]], *, limit: int = 5,
                 min_score: float = MIN_SCORE) -> list[SimilarIncident]:  # fmt: skip
    """Past incidents (declared before ``target``) most like it, best first, with the reasons."""
    mine = signature(target, target_events)
    past = [(s, signature(s, e)) for s, e in history
            if s.incident_id != target.incident_id and s.declared_at <= target.declared_at]  # fmt: skip
    tfidf = TfIdf([sig.root_cause for _, sig in past] + [mine.root_cause])
    my_vec = tfidf.vector(mine.root_cause)
    ranked: list[tuple[float, Incident, list[str]]] = []
    for incident, sig in past:
        score, reasons = 0.0, []
        if mine.service and sig.service == mine.service:
            score += WEIGHTS["service"]
            reasons.append(f"same service {' '.join(plain(sig.service).split())[:80]}")
        if shared := mine.alerts & sig.alerts:
            score += WEIGHTS["alerts"] * jaccard(mine.alerts, sig.alerts)
            reasons.append(f"same alerts: {_quote(shared)}")
        if shared := mine.templates & sig.templates:
            score += WEIGHTS["templates"] * jaccard(mine.templates, sig.templates)
            reasons.append(f"{len(shared)} shared log template{'s' if len(shared) > 1 else ''}: {_quote(shared, 2)}")
        if shared := mine.changes & sig.changes:
            score += WEIGHTS["changes"] * jaccard(mine.changes, sig.changes)
            reasons.append(f"same files or config keys: {_quote(shared)}")
        cosine = TfIdf.cosine(my_vec, tfidf.vector(sig.root_cause)) if my_vec else 0.0
        if cosine >= 0.2:
            score += WEIGHTS["root_cause"] * cosine
            reasons.append(f"similar root cause (cosine {cosine:.2f})")
        if score >= min_score and reasons:
            ranked.append((round(score, 4), incident, reasons))
    ranked.sort(key=lambda r: (-r[0], -r[1].declared_at.timestamp(), r[1].incident_id))
    return [SimilarIncident(i.incident_id, i.title, score, reasons) for score, i, reasons in ranked[:limit]]


async def similar_incidents(
    store: EventStore, incident_id: str, *, limit: int = 5, history: History | None = None
) -> list[SimilarIncident]:
    """:func:`find_similar` for ``incident_id`` against every incident in ``store`` (one read-only pass).

    ``history``: the caller's ``load_history(store, chunks=False)``, when it needs it for more than this.
    """
    validate_incident_id(incident_id)
    if history is None:
        # Streaming chunks repeat what each finished run holds in full: leave them out (memory, time).
        history = await load_history(store, chunks=False)
    for state, events in history:
        if state.incident_id == incident_id:
            return find_similar(state, events, history, limit=limit)
    raise UnknownIncident(incident_id)
