"""Read-only evidence tools an agent may call, confined to one incident's evidence folder.

Every tool takes JSON arguments (validated against its schema), reads files under
the evidence root and returns bounded, redacted text. Nothing here writes, runs a
shell or follows a path out of the root: ``..``, absolute paths and symlinks that
resolve outside are refused with a clear message. Errors are returned as
:class:`ToolError` (the backend sends them back as ``is_error`` tool results).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warroom.agents import evidence_changes as changes
from warroom.agents import evidence_metrics as metrics
from warroom.agents.evidence_folder import (
    MAX_BYTES,
    MAX_LINE_CHARS,
    MAX_LINES,
    BoundedOutput,
    EvidenceFolder,
    ToolError,
    parse_time,
)
from warroom.agents.tools_kube import ListKubernetesArgs, list_kubernetes
from warroom.data.evidence.bundle import classify
from warroom.data.evidence.logs import LogReadError, read_log
from warroom.data.redact import redact

MAX_SCAN_BYTES = 64 * 1024 * 1024  # one search reads at most this much log text


# ---- argument models -------------------------------------------------------------------------------------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ListEvidenceArgs(_Args):
    pass


class SearchLogsArgs(_Args):
    pattern: str = Field(min_length=1, max_length=500, description="text or regular expression to find")
    regex: bool = Field(default=False, description="treat pattern as a Python regular expression")
    file: str | None = Field(default=None, description="one log file (relative path); all logs if omitted")
    since: str | None = Field(default=None, description="ISO-8601 start of the time window")
    until: str | None = Field(default=None, description="ISO-8601 end of the time window")
    max_matches: int = Field(default=50, ge=1, le=MAX_LINES)


class ReadLogWindowArgs(_Args):
    file: str = Field(min_length=1, description="log file (relative path)")
    line: int = Field(ge=1, description="1-based line number to centre on")
    before: int = Field(default=20, ge=0, le=100)
    after: int = Field(default=20, ge=0, le=100)


class ListAlertsArgs(_Args):
    file: str | None = Field(default=None, description="an alerts file; every alerts file if omitted")


class SummariseMetricArgs(_Args):
    file: str = Field(min_length=1, description="metrics file: CSV (time,value[,series]) or JSON")
    series: str | None = Field(default=None, description="series name/column when the file holds several")


class ListChangesArgs(_Args):
    since: str | None = Field(default=None, description="ISO-8601 time; changes at or after it")
    file: str | None = Field(default=None, description="changes file; found automatically if omitted")


class ShowDiffArgs(_Args):
    change: str = Field(min_length=4, max_length=80, description="commit sha (or its prefix) or change id")


class ReadDocumentArgs(_Args):
    file: str = Field(min_length=1, description="runbook or document (relative path)")
    start_line: int = Field(default=1, ge=1)


# ---- the tools -------------------------------------------------------------------------------------------

_LOG_SUFFIXES = (".log", ".txt", ".out", ".err", ".jsonl", ".log.1", ".gz")


def list_evidence(folder: EvidenceFolder, _args: ListEvidenceArgs) -> str:
    out = BoundedOutput()
    for repo in changes.git_repos(folder):
        out.add(f"{folder.rel(repo) or '.'}/\tgit repository (use list_changes and show_diff)")
    for path in folder.files():
        if not out.add(f"{folder.rel(path)}\t{path.stat().st_size} bytes"):
            break
    return out.text("(the evidence folder is empty)")


def search_logs(folder: EvidenceFolder, args: SearchLogsArgs) -> str:
    try:
        matcher = re.compile(args.pattern if args.regex else re.escape(args.pattern), re.IGNORECASE)
    except re.error as exc:
        raise ToolError(f"invalid regular expression {args.pattern!r}: {exc}") from exc
    since, until = parse_time(args.since), parse_time(args.until)
    files = [folder.resolve(args.file)] if args.file else folder.files(_LOG_SUFFIXES)
    out, scanned = BoundedOutput(max_lines=args.max_matches), 0
    for path in files:
        for record in read_log(path, source=folder.rel(path), max_line=MAX_LINE_CHARS * 4):
            scanned += len(record.raw) + 1
            if scanned > MAX_SCAN_BYTES:
                out.rows.append(f"[stopped after scanning {MAX_SCAN_BYTES >> 20} MB; narrow it with file, since, until]")
                return out.text()
            stamp = record.timestamp
            if since and (stamp is None or stamp < since):
                continue
            if until and stamp is not None and stamp > until:
                continue
            if matcher.search(record.raw):
                line = record.raw.replace("\x00", "")[:MAX_LINE_CHARS]
                if not out.add(f"{record.source}:{record.line_no}: {line}"):
                    break
        if out.truncated:
            break
    return out.text(f"no line matches {args.pattern!r}")


def read_log_window(folder: EvidenceFolder, args: ReadLogWindowArgs) -> str:
    path = folder.resolve(args.file)
    first, last = max(1, args.line - args.before), args.line + args.after
    out = BoundedOutput()
    for number, line in enumerate(folder.lines(path), 1):
        if number > last:
            break
        if number >= first and not out.add(f"{number:>6}{'>' if number == args.line else ' '} {line}"):
            break
    return out.text(f"{args.file} has fewer than {args.line} lines")


def list_alerts(folder: EvidenceFolder, args: ListAlertsArgs) -> str:
    files = [folder.resolve(args.file)] if args.file else [p for p in folder.files() if _alerts_file(p)]
    out = BoundedOutput()
    for path in files:
        for alert in metrics.alerts_in(path):
            if not out.add(f"{folder.rel(path)}: {alert}"):
                break
    return out.text("no alerts in the evidence")


def _alerts_file(path: Path) -> bool:
    """Whether ``path`` holds alert payloads, by its content (as the evidence bundle reads it)."""
    try:
        return classify(path) == "alerts"
    except (OSError, ValueError):
        return False


def summarise_metric(folder: EvidenceFolder, args: SummariseMetricArgs) -> str:
    path = folder.resolve(args.file)
    series = metrics.read_series(path, args.series)
    if not series:
        raise ToolError(f"{args.file} holds no numeric series" + (f" named {args.series!r}" if args.series else ""))
    out = BoundedOutput()
    for name, points in series.items():
        out.add(metrics.describe_series(name, points))
    return out.text()


def list_changes(folder: EvidenceFolder, args: ListChangesArgs) -> str:
    since = parse_time(args.since)
    out = BoundedOutput()
    for change in changes.changes_in(folder, args.file):
        if since and change.at is not None and change.at < since:
            continue
        if not out.add(change.line()):
            break
    return out.text("no changes in the evidence" + (f" since {args.since}" if since else ""))


def show_diff(folder: EvidenceFolder, args: ShowDiffArgs) -> str:
    for change in changes.changes_in(folder, None):
        if change.ident.startswith(args.change) or args.change.startswith(change.ident[:12]):
            if change.repo is not None:
                change.diff = changes.git_show(change, MAX_BYTES * 2)
            if not change.diff:
                return redact(f"{change.line()}\n(the change snapshot holds no diff for this change)")
            out = BoundedOutput()
            out.add(change.line())
            for line in change.diff.splitlines():
                if not out.add(line[:MAX_LINE_CHARS]):
                    break
            return out.text()
    raise ToolError(f"no change {args.change!r} in the evidence; call list_changes to see them")


def read_document(folder: EvidenceFolder, args: ReadDocumentArgs) -> str:
    path = folder.resolve(args.file)
    out = BoundedOutput()
    for number, line in enumerate(folder.lines(path), 1):
        if number >= args.start_line and not out.add(line):
            out.rows.append(f"[continue with start_line={number}]")
            break
    return out.text(f"{args.file} has fewer than {args.start_line} lines")


class EvidenceTool(BaseModel):
    """One tool: its name, what it does, its argument model and the function that answers it."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    description: str
    args: type[BaseModel]  # its argument model (extra keys forbidden, strict)
    run: Callable[[EvidenceFolder, Any], str]

    def definition(self) -> dict[str, Any]:
        """The tool as the Messages API declares it."""
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        schema.setdefault("properties", {})
        return {"name": self.name, "description": self.description, "input_schema": schema}


TOOLS: dict[str, EvidenceTool] = {
    t.name: t
    for t in (
        EvidenceTool(name="list_evidence", description="List the incident's evidence files with sizes.",
                     args=ListEvidenceArgs, run=list_evidence),
        EvidenceTool(name="search_logs", description="Search log lines for text or a regex, optionally within a "
                     "time window; returns file:line: text.", args=SearchLogsArgs, run=search_logs),
        EvidenceTool(name="read_log_window", description="Read the lines of a log around a line number.",
                     args=ReadLogWindowArgs, run=read_log_window),
        EvidenceTool(name="list_alerts", description="List the alerts in the evidence (name, severity, "
                     "status, start time, summary).", args=ListAlertsArgs, run=list_alerts),
        EvidenceTool(name="list_kubernetes", description="List the Kubernetes objects, events and table rows in "
                     "the evidence (kubectl describe/get/events output, manifests): kind/namespace/name, phase, "
                     "container states with reasons and exit codes, warnings; each with file:line.",
                     args=ListKubernetesArgs, run=list_kubernetes),
        EvidenceTool(name="summarise_metric", description="Summarise a metric series: min, max, mean, p95, "
                     "first/last and an obvious change point.", args=SummariseMetricArgs, run=summarise_metric),
        EvidenceTool(name="list_changes", description="List deploys/commits (time, author, id, message, files) "
                     "since a time.", args=ListChangesArgs, run=list_changes),
        EvidenceTool(name="show_diff", description="Show a change's diff, if the snapshot holds it.",
                     args=ShowDiffArgs, run=show_diff),
        EvidenceTool(name="read_document", description="Read a runbook or document from the evidence.",
                     args=ReadDocumentArgs, run=read_document),
    )
}


def definitions() -> list[dict[str, Any]]:
    """Every evidence tool, as declared to the Messages API."""
    return [tool.definition() for tool in TOOLS.values()]


def run_tool(root: str | Path, name: str, arguments: object) -> str:
    """Answer one tool call; raises :class:`ToolError` with a message for the model on any bad call."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ToolError(f"unknown tool {name!r}; available: {', '.join(TOOLS)}")
    if not isinstance(arguments, dict):
        raise ToolError(f"{name} takes a JSON object of arguments, got {type(arguments).__name__}")
    try:
        args = tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
        raise ToolError(f"invalid arguments for {name}: {problems}") from None
    try:
        return tool.run(EvidenceFolder(root), args)
    except (OSError, LogReadError) as exc:
        raise ToolError(f"{name} could not read the evidence: {getattr(exc, 'strerror', None) or exc}") from None


__all__ = ["TOOLS", "EvidenceFolder", "EvidenceTool", "ToolError", "definitions", "run_tool"]
