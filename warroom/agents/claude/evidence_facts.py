"""The facts beside the offline analysis that Claude's evidence summary carries.

The analysis (:class:`~warroom.agents.offline.findings.Analysis`) keeps what the
investigator concluded from the Kubernetes output and the alerts (its ranked
hypotheses), not the facts themselves. Claude gets those too, from the same
public readers: every object, container state, event and table row that
:func:`~warroom.data.evidence.kube.read_kube` finds in the attached text files
(recorded tool outputs unwrapped as the investigator does), and the incident's
alerts with their labels and annotations. Warning events come before normal
ones, so the cut of a long list keeps what matters.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from warroom.agents.backend import StepRequest
from warroom.agents.offline.analysis import resolve
from warroom.data.evidence.kube import KubeFacts, read_kube
from warroom.data.evidence.toolmock import read_tool_header, read_tool_text

TEXT_LIMIT = 2 * 1024 * 1024  # the Kubernetes readers' input is small text output; larger files are logs


def extra_facts(request: StepRequest) -> dict[str, Any]:
    """``{"alerts_detail": [...], "kubernetes_objects": [...], ...}``: JSON-able, empty parts left out."""
    facts = KubeFacts()
    for item in sorted(request.evidence, key=lambda e: (e.path, e.evidence_id)):
        path = resolve(item, request.evidence_root)
        if path is not None:
            facts.extend(_kube_facts(path, item.name or path.name))
    alerts = [alert.model_dump(mode="json", exclude={"raw", "fingerprint"}) for alert in request.incident.alerts]
    events = sorted(facts.events, key=lambda e: (e.type != "Warning", e.source, e.line_no))
    found = {
        "alerts_detail": alerts,
        "kubernetes_objects": [dataclasses.asdict(obj) | {"events": len(obj.events)} for obj in facts.objects],
        "kubernetes_events": [dataclasses.asdict(event) for event in events],
        "kubernetes_table_rows": [dataclasses.asdict(row) for row in facts.rows],
    }
    return {name: value for name, value in found.items() if value}


def _kube_facts(path: Path, source: str) -> KubeFacts:
    """The Kubernetes facts in one small text file (a recorded tool call's output read past its header)."""
    try:
        if not path.is_file() or path.suffix == ".gz" or path.stat().st_size > TEXT_LIMIT:
            return KubeFacts()
        header = read_tool_header(path)
        if header is None:
            return read_kube(path.read_text(encoding="utf-8", errors="replace"), source)
        text, _cut = read_tool_text(path, TEXT_LIMIT)
        return read_kube(text, source, str(header.params.get("kind", "")), 3)
    except (OSError, ValueError, RecursionError):
        return KubeFacts()  # unreadable here: the analysis says why, and the tools can still open the file
