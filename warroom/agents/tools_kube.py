"""The ``list_kubernetes`` evidence tool: Kubernetes output in the evidence, read for what it is.

Every text file of the evidence (a recorded tool call's output included) goes through the same
reader the offline investigator uses (:func:`warroom.data.evidence.kube.read_kube`), recognised by
content, never by file name: objects from ``kubectl describe`` and manifests (kind, namespace,
name, phase, each container's state, reason, exit code, restarts and image, false conditions,
node selector), every event (Type, Reason, Object, Message, count), and the rows of ``kubectl
get`` tables. Each line cites ``file:line``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from warroom.agents.evidence_folder import BoundedOutput, EvidenceFolder
from warroom.data.evidence.kube import Container, KubeFacts, KubeObject, read_kube
from warroom.data.evidence.logs import looks_binary
from warroom.data.evidence.toolmock import read_tool_header, read_tool_text

__all__ = ["ListKubernetesArgs", "list_kubernetes"]

MAX_FILE_CHARS = 4 * 1024 * 1024  # the most read from one file
_HEALTHY = frozenset({"running", "completed", "succeeded", "bound", "ready", "active"})


class ListKubernetesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    file: str | None = Field(default=None, description="one file (relative path); every file if omitted")
    problems_only: bool = Field(default=False, description="only objects, events and rows that show a problem "
                                "(not Running/Ready, warnings, restarts, failing containers)")


def list_kubernetes(folder: EvidenceFolder, args: ListKubernetesArgs) -> str:
    files = [folder.resolve(args.file)] if args.file else folder.files()
    out = BoundedOutput()
    for path in files:
        facts = _facts(path, folder.rel(path))
        if facts is None:
            continue
        for line in _lines(facts, args.problems_only):
            if not out.add(line):
                return out.text()
    return out.text("no Kubernetes output (kubectl describe/get/events, manifests) in the evidence")


def _facts(path: Path, label: str) -> KubeFacts | None:
    try:
        with path.open("rb") as handle:
            if looks_binary(handle.read(8192)):
                return None
        tool = read_tool_header(path)
        if tool is not None:
            text, _cut = read_tool_text(path, MAX_FILE_CHARS)
            return read_kube(text, label, first_line=3)
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return read_kube(handle.read(MAX_FILE_CHARS), label)
    except (OSError, ValueError, RecursionError):
        return None


def _lines(facts: KubeFacts, problems_only: bool) -> list[str]:
    lines: list[str] = []
    for obj in facts.objects:
        if problems_only and not _troubled(obj):
            continue
        lines.append(_object_line(obj))
        lines += [f"    {_container_line(c)}" for c in obj.containers]
    for event in facts.events:
        if problems_only and event.type == "Normal":
            continue
        count = f" (x{event.count})" if event.count > 1 else ""
        lines.append(f"{event.source}:{event.line_no}: event {event.type} {event.reason} {event.object}: "
                     f"{event.message}{count}".replace("  ", " "))
    for row in facts.rows:
        status = row.cells.get("STATUS", "")
        if problems_only and (not status or status.lower() in _HEALTHY) and row.cells.get("RESTARTS", "0")[:1] in ("0", ""):
            continue
        cells = " ".join(f"{k}={v}" for k, v in row.cells.items() if v)
        lines.append(f"{row.source}:{row.line_no}: row {cells}")
    return lines


def _troubled(obj: KubeObject) -> bool:
    if obj.status and obj.status.lower() not in _HEALTHY:
        return True
    if any(v.lower() == "false" for v in obj.conditions.values()) or any(e.type != "Normal" for e in obj.events):
        return True
    return any(c.state.reason or c.last_state.reason or (c.restarts or 0) > 0 for c in obj.containers)


def _object_line(obj: KubeObject) -> str:
    where = f"{obj.namespace}/" if obj.namespace else ""
    parts = [f"{obj.source}:{obj.line_no}: {obj.kind}/{where}{obj.name}"]
    if obj.status:
        parts.append(f"status={obj.status}")
    false = [name for name, value in obj.conditions.items() if value.lower() == "false"]
    if false:
        parts.append("conditions false: " + ", ".join(false))
    if obj.node_selector:
        parts.append("node selector " + ",".join(f"{k}={v}" for k, v in obj.node_selector.items()))
    if obj.claims:
        parts.append("claims " + ",".join(obj.claims))
    return " ".join(parts)


def _container_line(c: Container) -> str:
    parts = [f"container {c.name}" + (" (init)" if c.init else "")]
    if c.image:
        parts.append(f"image={c.image}")
    for label, state in (("state", c.state), ("last", c.last_state)):
        if state.state or state.reason:
            code = f" exit {state.exit_code}" if state.exit_code is not None else ""
            text = f"{label}={state.state}" + (f"/{state.reason}" if state.reason else "") + code
            parts.append(text + (f" ({state.message})" if state.message else ""))
    if c.restarts:
        parts.append(f"restarts={c.restarts}")
    if c.limits:
        parts.append("limits " + ",".join(f"{k}={v}" for k, v in c.limits.items()))
    return " ".join(parts)
