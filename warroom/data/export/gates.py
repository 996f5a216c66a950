"""The ITIL quality gates, evaluated from the events: checked or not, and when.

Each :class:`Gate` says whether it was met, when (the event that met it), and
in one sentence why — or why not. A gate that does not apply to the incident's
severity is met trivially and says so ("not required for P2"), and so is the
functional-escalation gate for an incident run on a playbook without Tier 1/2/3
steps (:data:`PLAYBOOKS_WITHOUT_TIERS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.data import events as ev
from warroom.data.durations import format_duration
from warroom.data.export.record import Record
from warroom.data.models import ActionStatus, Audience, Incident, Role, Severity


#: Built-in playbooks with no functional Tier 1 → 2 → 3 steps (``warroom/agents/playbooks/*.toml``), by the
#: name an incident records; the data layer does not load playbooks. ``itil`` and any other name are judged by the tier timers.
PLAYBOOKS_WITHOUT_TIERS = frozenset({"sre"})

FUNCTIONAL_ESCALATION = "Functional escalation executed per timers (Tier 1 → 2 → 3)"


@dataclass(frozen=True)
class Gate:
    label: str
    met: bool
    at: datetime | None
    detail: str


def _within(label: str, start: datetime, moment: datetime | None, limit: timedelta, what: str) -> Gate:
    if moment is None:
        return Gate(label, False, None, f"not on the timeline yet ({what})")
    took = moment - start
    if took <= limit:
        return Gate(label, True, moment, f"{what} after {format_duration(took)} (limit {format_duration(limit)})")
    over = format_duration(took - limit)
    return Gate(label, False, moment, f"{what} after {format_duration(took)}, {over} over the {format_duration(limit)} limit")


def _overdue_escalations(rec: Record, kinds: set[str]) -> dict[str, datetime]:
    """Escalations of ``kinds`` that were due before the timeline row that followed them: kind → due time."""
    return {kind: due for kind, due in rec.overdue.items() if kind in kinds}


def _escalation_gate(rec: Record, label: str, kinds: set[str], done: dict[str, datetime | None]) -> Gate:
    overdue = _overdue_escalations(rec, kinds)
    executed = [(kind, at) for kind, at in done.items() if at is not None]
    last = max((at for _, at in executed), default=None)
    if overdue:
        parts = []
        for kind, due_at in sorted(overdue.items(), key=lambda kv: kv[1]):
            at = done.get(kind)
            name = {"tier2": "Tier 2", "tier3": "Tier 3"}.get(kind, kind)
            parts.append(f"{name} due {due_at:%H:%M} UTC " + (f"reached at {at:%H:%M} UTC" if at else "never reached"))
        return Gate(label, False, last, "; ".join(parts))
    if executed:
        names = ", ".join({"tier2": "Tier 2", "tier3": "Tier 3"}.get(k, k) for k, _ in sorted(executed, key=lambda kv: kv[1]))
        return Gate(label, True, last, f"{names} on time")
    when = "before the incident was resolved" if not rec.incident.is_open else "so far"
    return Gate(label, True, None, f"no escalation came due {when}")


def evaluate_gates(rec: Record) -> list[Gate]:
    """The quality-gate checklist for the incident, in the ITIL order."""
    i: Incident = rec.incident
    row = rec.policy.for_severity(i.severity)
    gates: list[Gate] = []
    gates.append(_within("Incident detected and logged within 5 minutes", i.detected_at, i.declared_at,
                         rec.policy.detect_target, "logged"))  # fmt: skip
    triaged = rec.severity_changes[0].at if rec.severity_changes else None
    gates.append(_within("Triage and prioritization completed within 15 minutes", i.detected_at, triaged,
                         rec.policy.triage_target, "priority assigned"))  # fmt: skip
    label = "Incident Commander assigned (P0/P1)"
    if i.severity in (Severity.P0, Severity.P1):
        commander = next((r for r in rec.role_changes if r.role is Role.INCIDENT_COMMANDER), None)
        gates.append(Gate(label, commander is not None, commander.at if commander else None,
                          f"{commander.person} assigned" if commander
                          else f"no incident commander was assigned for a {i.severity.value}"))  # fmt: skip
    else:
        gates.append(Gate(label, True, None, f"not required for {i.severity.value}"))
    if i.playbook in PLAYBOOKS_WITHOUT_TIERS:
        gates.append(Gate(FUNCTIONAL_ESCALATION, True, None,
                          f"not applicable (the {i.playbook} playbook has no functional tiers)"))  # fmt: skip
    else:
        tier_at = {f"tier{e.tier}": e.at for e in rec.tier_escalations}
        gates.append(_escalation_gate(rec, FUNCTIONAL_ESCALATION, {"tier2", "tier3"},
                                      {"tier2": tier_at.get("tier2"), "tier3": tier_at.get("tier3")}))  # fmt: skip
    gates.append(_escalation_gate(rec, "Hierarchical escalation completed per severity (management/executive)",
                                  {"management", "executive"},
                                  {"management": i.management_notified_at, "executive": i.executive_notified_at}))  # fmt: skip
    if rec.five_whys is not None and rec.five_whys.root_cause.strip() and rec.five_whys_doc is not None:
        gates.append(Gate("Root cause identified using 5 Whys and fishbone", True, rec.five_whys_doc.finished_at,
                          "5 Whys chain recorded with a root cause"))  # fmt: skip
    elif rec.review.get("root_cause"):
        at = _review_at(rec, "root_cause")
        gates.append(Gate("Root cause identified using 5 Whys and fishbone", True, at, "root cause written in the review"))
    else:
        gates.append(Gate("Root cause identified using 5 Whys and fishbone", False, None, "no 5 Whys root cause or review root cause recorded"))
    validated = next((m for m in i.mitigations if m.outcome == "succeeded" and m.validation), None)
    if validated is not None:
        gates.append(Gate("Mitigation deployed and validated", True, validated.at,
                          f"{validated.strategy.title} validated ({_count(len(validated.validation), 'check')})"))  # fmt: skip
    elif i.mitigated_at is not None and i.resolution_validation and i.resolved_at is not None:
        gates.append(Gate("Mitigation deployed and validated", True, i.resolved_at, "validated at resolution"))
    elif i.mitigated_at is not None:
        gates.append(Gate("Mitigation deployed and validated", False, i.mitigated_at, "mitigation deployed; no validation recorded"))
    else:
        gates.append(Gate("Mitigation deployed and validated", False, None, "no successful mitigation recorded"))
    public = rec.updates_for(Audience.STATUS_PAGE)
    internal = rec.updates_for(Audience.INTERNAL) + rec.updates_for(Audience.MANAGEMENT) + rec.updates_for(Audience.EXECUTIVE)
    if public and (internal or rec.management or rec.executive):
        gates.append(Gate("User communication sent (status page, internal)", True, public[0].at,
                          f"{_count(len(public), 'status-page update')} and internal communication"))  # fmt: skip
    else:
        missing = " or ".join(w for w, have in (("status page", public), ("internal", internal or rec.management)) if not have)
        gates.append(Gate("User communication sent (status page, internal)", False, public[0].at if public else None,
                          f"no {missing} communication published"))  # fmt: skip
    if row.resolve is not None:
        gates.append(_within(f"Incident resolved within SLA ({format_duration(row.resolve)} for {i.severity.value})",
                             i.detected_at, i.resolved_at, row.resolve, "resolved"))  # fmt: skip
    else:
        gates.append(Gate("Incident resolved within SLA", i.resolved_at is not None, i.resolved_at,
                          f"no resolution SLA for {i.severity.value}"))  # fmt: skip
    if row.review_due is None:
        gates.append(Gate("Post-incident review completed within 24-48h (P0/P1)", True, i.review_completed_at,
                          f"no review required for {i.severity.value}"))  # fmt: skip
    elif i.resolved_at is None:
        gates.append(Gate("Post-incident review completed within 24-48h (P0/P1)", False, None, "the incident is not resolved"))
    else:
        gates.append(_within(f"Post-incident review completed within {format_duration(row.review_due)} of resolution",
                             i.resolved_at, i.review_completed_at, row.review_due, "review completed"))  # fmt: skip
    tracked = [a for a in i.actions.values() if a.status is not ActionStatus.CANCELLED]
    owned = [a for a in tracked if a.owner and a.due is not None]
    label = "Preventive actions identified and tracked"
    if tracked and len(owned) == len(tracked):
        gates.append(Gate(label, True, max(a.updated_at for a in owned), f"{_count(len(tracked), 'action')}, each with an owner and a due date"))
    elif tracked:
        gates.append(Gate(label, False, None, f"{len(tracked) - len(owned)} of {_count(len(tracked), 'action')} lack an owner or a due date"))
    else:
        gates.append(Gate(label, False, None, "no preventive action is tracked"))
    return gates


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _review_at(rec: Record, section: str) -> datetime | None:
    found = [e.at for e in rec.events if isinstance(e, ev.ReviewUpdated) and e.section == section]
    return found[-1] if found else None
