"""Status documents (a cluster's health as JSON: RabbitMQ, Elasticsearch, etcd...) that report a fault.

Read generically: a key that says a partition or split brain was detected, an alarm that is
raised, or a member that is not running / not healthy, with the member's name beside it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from warroom.agents.offline.findings import Hypothesis
from warroom.data.answers import Citation

_PARTITION = re.compile(r"partition|split[_ -]?brain", re.I)
_ALARM = re.compile(r"alarm$|_alarm|alarms", re.I)
_UP_KEYS = ("running", "healthy", "alive", "up", "ready", "connected")
_NAME_KEYS = ("name", "node", "member", "host", "id")


def _walk(value: Any, path: str, out: list[tuple[str, Any, dict[str, Any] | None]], parent: dict | None = None) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{path}.{k}" if path else str(k), out, value)
    elif isinstance(value, list):
        for i, v in enumerate(value[:200]):
            _walk(v, f"{path}[{i}]", out, parent if not isinstance(v, dict) else None)
    else:
        out.append((path, value, parent))


def _member(parent: dict[str, Any] | None) -> str:
    return next((str(parent[k]) for k in _NAME_KEYS if parent and isinstance(parent.get(k), str)), "")


def status_hypotheses(text: str, source: str, system: str) -> list[Hypothesis]:
    """Faults a JSON status document reports (none when it is not JSON or reports none)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return []
    leaves: list[tuple[str, Any, dict[str, Any] | None]] = []
    _walk(doc, "", leaves)
    partition = [(p, v) for p, v, _ in leaves if _PARTITION.search(p.rsplit(".", 1)[-1]) and v is True]
    unreachable = sorted({str(v) for p, v, _ in leaves if "unreachable" in p and isinstance(v, str)})
    down = sorted({_member(parent) for p, v, parent in leaves
                   if p.rsplit(".", 1)[-1] in _UP_KEYS and v is False and _member(parent)})
    alarms = [(p, _member(parent)) for p, v, parent in leaves if _ALARM.search(p.rsplit(".", 1)[-1]) and v is True]
    who = system or "the cluster"
    out = []
    if partition:
        extra = f"; {', '.join(down[:3])} {'is' if len(down) == 1 else 'are'} not running" if down else ""
        cut = f": {', '.join(unreachable[:3])} cannot be reached from the other members" if unreachable else ""
        out.append(Hypothesis(family="network_partition", subject=who, confidence=0.9,
                              statement=f"The {who} cluster is split by a network partition (split brain){cut}{extra} "
                                        f"({partition[0][0]} is true).",
                              evidence_for=[Citation(source=source, detail=f"{partition[0][0]}: true")]))
    elif down:
        out.append(Hypothesis(family="member_down", subject=who, confidence=0.75,
                              statement=f"In the {who} cluster, {', '.join(down[:3])} {'is' if len(down) == 1 else 'are'} "
                                        "not running.", evidence_for=[Citation(source=source, detail="running: false")]))
    for path, member in alarms[:2]:
        out.append(Hypothesis(family="resource_alarm", subject=who, confidence=0.8,
                              statement=f"The {who} {'member ' + member + ' ' if member else ''}has raised {path.rsplit('.', 1)[-1]}.",
                              evidence_for=[Citation(source=source, detail=f"{path}: true")]))
    return out
