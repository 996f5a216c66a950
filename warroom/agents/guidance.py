"""``--guidance`` steers the run: keywords in the incident's guidance reshape the playbook.

- "security" (or an incident flagged security): the security assessment runs, before
  any mitigation, and is followed by a forensics-preservation gate;
- "data loss" / "breach": the executive is notified at once (and the executive
  notification step runs);
- "revenue": hierarchical escalation is raised: management is notified at once and
  the executive notification step runs;
- "rollback" / "tight SLA": rollback is put first among the mitigation options;
- "performance": the performance analysis runs.

:func:`steer` is pure: the same playbook and incident give the same result, so
the orchestrator and the screen derive the same plan from the events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.agents.backend import Task
from warroom.agents.playbook import GateSpec, Playbook, Step
from warroom.data.clocks import mentions_breach_or_data_loss
from warroom.data.models import Incident, MitigationStrategy

__all__ = ["FORENSICS_GATE", "KEYWORDS", "MITIGATION_TASKS", "Steering", "active_keywords", "keywords", "steer"]

#: keyword → the patterns that mean it (matched case-insensitively on word boundaries).
KEYWORDS: dict[str, str] = {
    "security": r"security|forensic\w*|intrusion|compromis\w+",
    "data loss": r"data[\s-]*loss|lost\s+data|data\s+corruption",
    "breach": r"(?<!sla\s)(?<!slo\s)breach(?:ed|es)?",
    "revenue": r"revenue|payments?\s+(?:processing\s+)?down",
    "rollback": r"roll[\s-]?back",
    "tight sla": r"tight\s+sla|sla\s+(?:window\s+)?(?:is\s+)?tight",
    "performance": r"performance|latency|slow(?:ness)?",
}
_NEGATED = re.compile(r"\b(?:no|not|without|non)\b[\w\s-]{0,10}$", re.IGNORECASE)

#: Steps that change the system: the security assessment and its gate come before the first of these.
MITIGATION_TASKS = {
    Task.INITIAL_MITIGATION, Task.MITIGATION_RECOMMENDATION, Task.MITIGATION_EXECUTION,
    Task.FIX_DESIGN, Task.DEPLOYMENT_VALIDATION,
}  # fmt: skip

FORENSICS_GATE = GateSpec(
    kind="choose",
    label="forensics preservation",
    position="after",
    question="Preserve forensic evidence (logs, disk and memory snapshots, access records) before any mitigation.",
    options=["evidence preserved", "preservation waived"],
    recommended="evidence preserved",
    reason="Security incident: mitigation can destroy the evidence a forensic analysis needs.",
)


def keywords(text: str) -> set[str]:
    """The guidance keywords ``text`` mentions (negated mentions such as "no data loss" excluded)."""
    found: set[str] = set()
    for keyword, pattern in KEYWORDS.items():
        for match in re.finditer(rf"\b(?:{pattern})\b", text or "", re.IGNORECASE):
            if not _NEGATED.search(text[max(0, match.start() - 16) : match.start()]):
                found.add(keyword)
                break
    if found & {"data loss", "breach"} and not mentions_breach_or_data_loss(text):
        found -= {"data loss", "breach"}  # the policy's reading ("SLA breach" is not a breach) decides
    return found


@dataclass
class Steering:
    """The playbook as guidance shaped it, what changed (said plainly), and the immediate escalations."""

    playbook: Playbook
    keywords: set[str] = field(default_factory=set)
    changes: list[str] = field(default_factory=list)
    notify_management: bool = False
    notify_executive: bool = False



def active_keywords(incident: Incident) -> set[str]:
    found = keywords(incident.guidance)
    security_type = incident.incident_type.lower().replace("-", "_").replace(" ", "_")
    if incident.security or security_type.startswith("security") or security_type in ("data_loss", "breach", "data_breach"):
        found.add("security")
    if found & {"data loss", "breach"} or getattr(incident, "evidence_required", False):
        found.add("security")  # a breach or data loss is a security incident: evidence before mitigation
    return found


def steer(playbook: Playbook, incident: Incident) -> Steering:
    """``playbook`` reshaped by the incident's guidance (pure)."""
    active = active_keywords(incident)
    steering = Steering(playbook=playbook, keywords=active)
    steps = list(playbook.steps)
    if "security" in active:
        steps = _security_first(steps, playbook, steering)
    if active & {"rollback", "tight sla"}:
        steps = [_rollback_first(s, steering) for s in steps]
    if active & {"data loss", "breach"}:
        steering.notify_executive = True
        steering.changes.append("executive notified at once (breach or data loss)")
    if "revenue" in active:
        steering.notify_management = True
        steering.changes.append("hierarchical escalation raised: management notified at once, executive notification drafted")
    for step in steps:
        wanted = sorted(set(step.condition.guidance) & active)
        if wanted:
            steering.changes.append(f"{step.title.lower()} included ({', '.join(wanted)})")
    steering.playbook = playbook.model_copy(update={"steps": steps})
    return steering


def _security_first(steps: list[Step], playbook: Playbook, steering: Steering) -> list[Step]:
    security = next((s for s in steps if s.task is Task.SECURITY_ASSESSMENT), None)
    first_mitigation = next((i for i, s in enumerate(steps) if s.task in MITIGATION_TASKS), None)
    if security is None:
        steering.changes.append("no security assessment step in this playbook; forensics gate not added")
        return steps
    gate = security.gate or FORENSICS_GATE
    moved = security.model_copy(update={"gate": gate, "parallel": ""})
    index = steps.index(security)
    if first_mitigation is not None and first_mitigation < index:
        anchor = steps[first_mitigation]
        earlier = {s.id for s in steps[:first_mitigation]}
        moved = moved.model_copy(update={"phase": anchor.phase, "reads": [r for r in moved.reads if r in earlier]})
        steps = [s for s in steps if s.id != security.id]
        steps.insert(first_mitigation, moved)
        # A step that read the security assessment from its old place still reads it: it is now earlier.
        steering.changes.append(f"security assessment moved before {anchor.title.lower()}")
    else:
        steps[index] = moved
    steering.changes.append("forensics-preservation gate added before any mitigation")
    return steps


def _rollback_first(step: Step, steering: Steering) -> Step:
    gate = step.gate
    if gate is None or gate.effect != "mitigation":
        return step
    options = gate.option_list()
    rollback = MitigationStrategy.ROLLBACK.value
    if rollback not in options or options[0] == rollback:
        return step
    reordered = [rollback, *[o for o in options if o != rollback]]
    steering.changes.append(f"rollback put first among the mitigation options of {step.id}")
    return step.model_copy(update={"gate": gate.model_copy(update={"options": reordered})})
