"""Render an incident's events into the markdown artifact set (pure: no clock, no randomness).

``render_incident(events)`` returns ``{relative path: file text}``. Templates are
jinja2, loaded from this package, run in a sandboxed environment with
autoescape off and :mod:`warroom.data.export.markdown` filters doing the
escaping; user and model text only ever enters as data, never as template
source, so ``{{ 7*7 }}`` in a note stays literal. The ``finalize`` hook escapes
any value a template forgot to filter and refuses ``None`` (a bug, not "None"
in a file).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from warroom.data import events as ev
from warroom.data.durations import format_duration
from warroom.data.export import markdown as md
from warroom.data.export.branches import branch_report
from warroom.data.export.comms import communications
from warroom.data.export.defects import empty_headings, prose_lines
from warroom.data.export.figures import impact, metric_rows
from warroom.data.export.gates import evaluate_gates
from warroom.data.export.pir import action_rows
from warroom.data.export.pir_context import drafted_sections, pir_context
from warroom.data.export.record import Record, build_record
from warroom.data.export.stream import timeline_row
from warroom.data.export.sections import (
    REVIEW_SECTIONS,
    SECTIONS_BY_KEY,
    section_title,
    unknown_sections,
)
from warroom.data.models import ActionStatus, Audience, Incident, Severity
from warroom.data.policy import DEFAULT_POLICY, Policy

TEMPLATES = Path(__file__).with_name("templates")

#: The fixed documents: path → template.
DOCUMENTS: dict[str, str] = {
    "incident-record.md": "incident-record.md.j2",
    "timeline.md": "timeline.md.j2",
    "triage-assessment.md": "triage-assessment.md.j2",
    "root-cause-analysis.md": "root-cause-analysis.md.j2",
    "mitigation-report.md": "mitigation-report.md.j2",
    "post-incident-review.md": "post-incident-review.md.j2",
    "preventive-actions.md": "preventive-actions.md.j2",
    "pir-meeting-invite.md": "pir-meeting-invite.md.j2",
    "runbook-update-recommendation.md": "runbook-update-recommendation.md.j2",
    "knowledge-base-article.md": "knowledge-base-article.md.j2",
    "quality-gates.md": "quality-gates.md.j2",
}
TIER_DOCUMENTS = {
    1: "diagnostics/tier1-data.md",
    2: "diagnostics/tier2-analysis.md",
    3: "diagnostics/tier3-architecture-assessment.md",
}
#: sre playbook documents, written only when their step ran (see ``record.ARTIFACT_ALIASES``): path → heading.
SRE_DOCUMENTS: dict[str, str] = {
    "security-assessment.md": "Security Assessment",
    "performance-analysis.md": "Performance Analysis",
    "customer-impact.md": "Customer Impact Assessment",
    "monitoring-enhancements.md": "Monitoring and Alert Enhancements",
    "system-hardening.md": "System Hardening",
}
COMMUNICATIONS = (
    "communications/initial-alert.md",
    "communications/management-notification.md",
    "communications/executive-notification.md",
    "communications/status-page-update.md",
    "communications/internal-updates.md",
    "communications/customer-updates.md",
    "communications/legal-updates.md",
    "communications/resolution-notification.md",
    "communications/call-outs.md",
)
KNOWN_ARTIFACTS = set(DOCUMENTS) | set(TIER_DOCUMENTS.values()) | set(SRE_DOCUMENTS) | set(COMMUNICATIONS)
OTHER_OUTPUTS = "agent-outputs.md"
APPENDIX = "appendix"
#: The action-item horizons (from the due date, see ``pir.horizon``) and their headings.
HORIZONS = (
    ("short", "Short term (due within 2 weeks)"),
    ("medium", "Medium term (due within a quarter)"),
    ("long", "Long term (due later)"),
    ("unknown", "No due date"),
)


def _finalize(value: Any) -> Any:
    if value is None:
        raise ValueError("a template printed None: every optional value must be handled")
    if isinstance(value, md.Md):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return md.inline(value)


def utc(value: datetime) -> md.Md:
    return md.Md(value.strftime("%Y-%m-%d %H:%M:%S UTC"))


def hm(value: datetime) -> md.Md:
    return md.Md(value.strftime("%H:%M UTC"))


def dur(value: timedelta) -> md.Md:
    return md.Md(format_duration(value))


def heading(level: int) -> md.Md:
    return md.Md("#" * max(1, min(6, level)))


def humanize(value: object) -> md.Md:
    text = getattr(value, "value", value)
    return md.inline(str(text).replace("_", " "))


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The sandboxed jinja2 environment (autoescape off: our filters escape for markdown)."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    filters: dict[str, Callable[..., Any]] = {
        "cell": md.cell, "inline": md.inline, "code": md.code, "cell_code": md.cell_code, "json_block": md.json_block, "text": md.paragraphs, "bullets": md.bullets,
        "doc": md.document, "label": md.mermaid_label, "lowerfirst": md.lower_first, "utc": utc, "hm": hm, "dur": dur, "human": humanize,
    }  # fmt: skip
    env.filters.update(filters)
    env.globals.update(h=heading, Md=md.Md, Audience=Audience, Severity=Severity, ActionStatus=ActionStatus,
                       section_title=section_title, SECTIONS=SECTIONS_BY_KEY, REVIEW_SECTIONS=REVIEW_SECTIONS)  # fmt: skip
    return env


def tidy(text: str) -> str:
    """Trailing spaces off, headings left without content removed, blank runs collapsed, one final newline."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    for _ in range(6):  # removing a subsection can leave its parent empty
        empty = set(empty_headings(text))
        if not empty:
            break
        text = "\n".join(line for number, line in enumerate(text.split("\n"), start=1) if number not in empty)
    text = _space_headings(text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n"


_HEADING_LINE = re.compile(r"^#{1,6} ")


def _space_headings(text: str) -> str:
    """A blank line before and after every heading outside code fences (markdown renders them reliably)."""
    out: list[str] = []
    lines = list(prose_lines(text))
    for index, (_, line, in_code) in enumerate(lines):
        is_heading = not in_code and line[:1] == "#" and _HEADING_LINE.match(line)
        if is_heading and out and out[-1].strip():
            out.append("")
        out.append(line)
        if is_heading and index + 1 < len(lines) and lines[index + 1][1].strip():
            out.append("")
    return "\n".join(out)


def _since(rec: Record) -> Callable[[datetime | None], md.Md]:
    def since(moment: datetime | None) -> md.Md:
        if moment is None:
            return md.Md("—")
        return md.Md("T+" + format_duration(moment - rec.incident.detected_at))

    return since


def timeline_rows(rec: Record, kinds_left_out: frozenset[str] = frozenset(), notes: bool = True) -> md.Md:
    """The timeline table's rows, escaped in Python (thousands of rows: no per-cell template work)."""
    rows = []
    for row in rec.timeline:
        if row.kind in kinds_left_out:
            continue
        if notes:
            rows.append(timeline_row(row))
        else:
            rows.append(f"| {row.at.strftime('%Y-%m-%d %H:%M:%S UTC')} | {md.cell(row.event)} |")
    return md.Md("\n".join(rows))


def notes_between(rec: Record, start: datetime, end: datetime, rows: dict[int, str] | None = None) -> md.Md:
    """Rows of the notes added between ``start`` and ``end`` (inclusive).

    ``rows``: each note's row by its index, kept by the caller across calls (every tier's document
    lists its notes: a long incident's note is escaped once, not once per document).
    """
    rows = {} if rows is None else rows
    out = []
    for index, n in enumerate(rec.notes):
        if start <= n.at <= end:
            if index not in rows:
                rows[index] = f"| {n.at.strftime('%Y-%m-%d %H:%M:%S UTC')} | {md.cell(n.actor)} | {md.cell(n.text, 2000)} |"
            out.append(rows[index])
    return md.Md("\n".join(out))


def context(rec: Record) -> dict[str, Any]:
    """What every template gets."""
    i = rec.incident
    actions = sorted(i.actions.values(), key=lambda a: (a.due or a.created_at, a.item_id))
    tracked_titles = {a.title.strip().lower() for a in actions}
    comms = communications(rec)
    return {
        "rec": rec, "i": i, "roles": {role.value: person for role, person in i.roles.items()},
        "policy": rec.policy, "row": rec.policy.for_severity(i.severity),
        "metrics": metric_rows(rec), "impact": impact(rec), "gates": evaluate_gates(rec), "review": rec.review,
        "extra_review": unknown_sections(rec.review), "since": _since(rec),
        "actions_by_horizon": [(label, [r for r in action_rows(rec) if r.horizon == h]) for h, label in HORIZONS],
        "untracked_proposals": [p for p in rec.proposed_actions if p.title.strip().lower() not in tracked_titles],
        "comms": comms, "pir": pir_context(rec, comms),
        "drafted": drafted_sections(rec),
        "runs_in_order": sorted(i.runs.values(), key=lambda r: (r.started_at, r.run_id)),
        "notes_between": lambda start, end, rows={}: notes_between(rec, start, end, rows),  # noqa: B006 - one cache per render
        "mitigation_decisions": [d for d in i.decisions if "mitigat" in d.gate.lower()],
        "failed_mitigations": [m for m in i.mitigations if m.outcome == "failed"],
        "branches": branch_report(rec.events, i, rec.policy),
    }  # fmt: skip


def _csv(rec: Record) -> str:
    """The action items for a tracker, one row each, ``AI-n`` first, in the order they were added."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["incident_id", "id", "title", "owner", "due", "horizon", "type", "priority", "finding", "status",
                     "recorded_id", "source", "created_at", "updated_at"])  # fmt: skip

    def safe(value: object) -> str:
        text = md.inline_plain(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formula injection in a tracker

    for row in action_rows(rec):
        a = row.item
        writer.writerow([rec.incident.incident_id, row.ai_id, safe(a.title), safe(a.owner), a.due.strftime("%Y-%m-%d") if a.due else "",
                         row.horizon, a.action_type.value if a.action_type else "", a.priority.value if a.priority else "",
                         safe(a.finding), a.status.value, safe(a.item_id), safe(a.source),
                         a.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), a.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")])  # fmt: skip
    return buffer.getvalue()


def agent_only(artifact: str) -> bool:
    """Whether the step's document is its output alone (an sre document, an artifact of its own): no appendix copy."""
    return artifact in SRE_DOCUMENTS or artifact not in KNOWN_ARTIFACTS


def appendix_paths(rec: Record) -> dict[str, str]:
    """``appendix/<step>.md`` for every finished step whose output another document summarises, by run id."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for doc in sorted((d for docs in rec.docs.values() for d in docs), key=lambda d: d.seq):
        if agent_only(doc.artifact):
            continue
        stem = re.sub(r"[^a-z0-9]+", "-", doc.step_id.lower()).strip("-")[:60] or "step"
        name, n = stem, 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name)
        out[doc.run_id] = f"{APPENDIX}/{name}.md"
    return out


def _plan(rec: Record, appendix: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    plan = [(path, template, {}) for path, template in DOCUMENTS.items()]
    for tier in rec.tiers_engaged:
        plan.append((TIER_DOCUMENTS[tier], "diagnostics.md.j2", {"tier": tier, "artifact": TIER_DOCUMENTS[tier]}))
    for path, title in SRE_DOCUMENTS.items():
        if rec.docs.get(path):
            plan.append((path, "agent-document.md.j2", {"artifacts": (path,), "doc_title": title}))
    for path in COMMUNICATIONS:
        plan.append((path, "communication.md.j2", {"artifact": path}))
    for path in sorted(rec.docs):
        if path and path not in KNOWN_ARTIFACTS:
            title = Path(path).stem.replace("-", " ").replace("_", " ").capitalize()
            plan.append((path, "agent-document.md.j2", {"artifacts": (path,), "doc_title": title}))
    if rec.docs.get(""):
        plan.append((OTHER_OUTPUTS, "agent-document.md.j2", {"artifacts": ("",), "doc_title": "Other agent outputs"}))
    by_run = {d.run_id: d for docs in rec.docs.values() for d in docs}
    for run_id, path in appendix.items():
        plan.append((path, "appendix-step.md.j2", {"d": by_run[run_id]}))
    return plan


def _texts(rec: Record) -> Iterator[str]:
    """The bulk of the free text the documents print (redacted in one batch up front)."""
    for row in rec.timeline:
        yield row.event
        yield row.actor
        yield row.notes
    for docs in rec.docs.values():
        for doc in docs:
            yield doc.text
    for note in rec.notes:
        yield note.text
    for updates in rec.updates.values():
        for update in updates:
            yield update.text
    yield from rec.review.values()


def render_record(rec: Record) -> dict[str, str]:
    """Render every document of ``rec``; communications that did not happen are left out."""
    return render_documents(rec, timeline_rows(rec))


def render_documents(rec: Record, timeline_table: md.Md) -> dict[str, str]:
    """Every document of ``rec``, the timeline's table rows being ``timeline_table`` (see ``stream``)."""
    env = environment()
    md.prime(_texts(rec))
    appendix = appendix_paths(rec)
    base = {**context(rec), "appendix": appendix, "timeline_table": timeline_table}
    files: dict[str, str] = {}
    for path, template, extra in _plan(rec, appendix):
        text = env.get_template(template).render({**base, **extra, "path": path, "up": "../" * path.count("/")})
        if not text.strip():
            continue  # a communication that never happened
        files[path] = tidy(text)
    files["preventive-actions.csv"] = _csv(rec)
    return dict(sorted(files.items()))


def render_incident(events: list[ev.BaseEvent], *, policy: Policy = DEFAULT_POLICY, state: Incident | None = None) -> dict[str, str]:
    """``{relative path: text}`` for the incident ``events`` describe; same events, same bytes.

    ``state``: the fold of every event, when ``events`` leave out the streamed chunks (see ``build_record``).
    """
    with md.memo():
        return render_record(build_record(list(events), policy, state))
