"""One line of plain text per event: what happened, for timelines and ``warroom show``.

The text is raw (not escaped): each view escapes it for its medium (Rich
markup on screen, markdown in the export).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warroom.data import events as ev

# Timeline filter categories.
CATEGORY: dict[str, str] = {
    "decision.taken": "decisions", "severity.set": "decisions", "tier.escalated": "decisions",
    "mitigation.executed": "decisions", "incident.resolved": "decisions", "incident.closed": "decisions",
    "incident.reopened": "decisions", "incident.acknowledged": "decisions", "role.assigned": "decisions",
    "agent.started": "agents", "agent.output": "agents", "agent.finished": "agents",
    "agent.failed": "agents", "agent.cancelled": "agents",
    "update.published": "comms", "management.notified": "comms", "executive.notified": "comms",
    "note.added": "notes", "review.updated": "notes", "review.completed": "notes",
    "recurrence.marked": "notes",
    "branch.raised": "decisions", "person.unavailable": "decisions", "cadence.changed": "comms",
    "options.offered": "decisions", "notification.drafted": "comms", "major_incident.declared": "decisions",
    "freeze.declared": "decisions", "freeze.lifted": "decisions", "hold.placed": "decisions",
    "hold.lifted": "decisions", "security.declared": "decisions", "evidence.preserved": "decisions",
    "regulator.notified": "comms", "notification.queued": "comms", "notification.delivered": "comms",
    "notification.failed": "comms", "notification.retried": "comms",
}  # fmt: skip

BRANCH_TITLES: dict[str, str] = {
    "sla_overrun": "Resolution SLA exceeded", "escalation_blocked": "Escalation path blocked",
    "major_incident": "Major incident", "rollback_failed": "Rollback failed", "security": "Security breach or data loss",
}  # fmt: skip


def category(event: ev.BaseEvent) -> str:
    """The timeline filter an event belongs to: decisions, agents, comms, notes or other."""
    return CATEGORY.get(event.kind, "other")


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _tokens(e: ev.AgentStepFinished) -> str:
    if not (e.input_tokens or e.output_tokens):
        return ""
    return f" ({e.input_tokens} in / {e.output_tokens} out tokens)"


_DESCRIBERS: dict[str, Callable[[Any], str]] = {
    "incident.declared": lambda e: f"Incident declared: {e.title} ({e.severity.value}, {e.detection_method})",
    "severity.set": lambda e: f"Severity set to {e.severity.value} (impact {e.impact.value}, urgency {e.urgency.value})"
    + (f": {_first_line(e.reason)}" if e.reason else ""),
    "incident.acknowledged": lambda e: f"Acknowledged by {e.actor}",
    "role.assigned": lambda e: f"{e.role.title}: {e.person}",
    "tier.escalated": lambda e: f"Escalated to Tier {e.tier}" + (" (timer)" if e.by_timer else "")
    + (f": {_first_line(e.reason)}" if e.reason else ""),
    "management.notified": lambda e: _hierarchical("Management", e),
    "executive.notified": lambda e: _hierarchical("Executive", e),
    "status.changed": lambda e: f"Status {e.status.value}" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "phase.changed": lambda e: f"Phase: {e.title or e.phase}",
    "playbook.started": lambda e: f"Playbook {e.playbook} started",
    "agent.started": lambda e: f"Agent step {e.step_id} started ({e.role}, {e.backend})",
    "agent.output": lambda e: f"Agent output ({len(e.text)} chars)",
    "agent.finished": lambda e: f"Agent step finished: {e.artifact or e.run_id}{_tokens(e)}",
    "agent.failed": lambda e: ("Agent step interrupted: " if e.interrupted else "Agent step failed: ")
    + _first_line(e.error),
    "agent.cancelled": lambda e: "Agent step cancelled" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "decision.taken": lambda e: f"Decision at {e.gate}: {e.choice}" + (" (auto-decided)" if e.auto else "")
    + (f": {_first_line(e.rationale)}" if e.rationale else ""),
    "mitigation.executed": lambda e: f"Mitigation {e.strategy.title} {e.outcome}"
    + (f": {_first_line(e.details)}" if e.details else ""),
    "update.published": lambda e: f"Status update ({e.audience.value.replace('_', ' ')}): {_first_line(e.text)}",
    "sla.breached": lambda e: f"SLA breached: {e.clock} (due {e.deadline.strftime('%Y-%m-%d %H:%M UTC')})",
    "note.added": lambda e: f"Note: {_first_line(e.text)}",
    "action.added": lambda e: f"Action item {e.item_id}: {_first_line(e.title)}" + (f" (owner {e.owner})" if e.owner else ""),
    "action.updated": lambda e: f"Action item {e.item_id} updated"
    + (f": {e.status.value.replace('_', ' ')}" if e.status else ""),
    "evidence.attached": lambda e: f"Evidence attached: {e.name} ({e.evidence_kind}, {e.size} bytes)",
    "alert.received": lambda e: f"Alert {e.alert.status}: {_first_line(e.alert.title)} [{e.alert.source}]",
    "review.updated": lambda e: f"Review section updated: {e.section}",
    "review.completed": lambda e: "Post-incident review completed",
    "incident.resolved": lambda e: "Resolved" + (f": {_first_line(e.resolution)}" if e.resolution else ""),
    "incident.closed": lambda e: "Closed" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "incident.reopened": lambda e: "Reopened" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "recurrence.marked": lambda e: (
        f"Recurrence of {e.related_incident} (root cause similarity {e.similarity:.2f})"
        + (f"; preventive actions not done there: {', '.join(e.open_actions)}" if e.open_actions else "")
        if e.role == "recurrence"
        else f"Recurred as {e.related_incident} (root cause similarity {e.similarity:.2f})"
    ),
    "branch.raised": lambda e: f"Branch: {BRANCH_TITLES[e.branch]}" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "person.unavailable": lambda e: f"{e.person} unavailable"
    + (f" ({e.role.replace('_', ' ')})" if e.role else "") + f": {_first_line(e.reason)}"
    + (f"; backup proposed: {e.backup}" if e.backup else ""),
    "cadence.changed": lambda e: f"Update cadence every {e.every_minutes} min" + (f": {_first_line(e.reason)}" if e.reason else ""),
    "options.offered": lambda e: f"Options offered at {e.gate}: {', '.join(e.options)}",
    "notification.drafted": lambda e: f"Drafted ({e.audience.replace('_', ' ')}): {_first_line(e.subject)}"
    + (f" to {', '.join(e.recipients[:6])}" + (" …" if len(e.recipients) > 6 else "") if e.recipients else ""),
    "major_incident.declared": lambda e: f"MAJOR INCIDENT declared ({e.count} P0/P1 open: {', '.join(e.incidents[:8])}"
    + (f" and {e.count - 8} more)" if e.count > 8 else ")")
    + (f"; senior incident commander {e.coordinator}" if e.coordinator else ""),
    "freeze.declared": lambda e: f"Change freeze {e.freeze_id} declared: {_first_line(e.reason)}",
    "freeze.lifted": lambda e: f"Change freeze {e.freeze_id} lifted: {_first_line(e.reason)}",
    "hold.placed": lambda e: f"HOLD: STOP, no further changes until assessment: {_first_line(e.reason)}",
    "hold.lifted": lambda e: f"Hold lifted by {e.actor}: {_first_line(e.reason)}",
    "security.declared": lambda e: f"Security incident: {_first_line(e.reason)}" + (f" ({e.source})" if e.source else ""),
    "evidence.preserved": lambda e: f"Evidence preserved: {_first_line(e.details)}",
    "regulator.notified": lambda e: f"{e.regime} authority notified" + (f": {_first_line(e.reference)}" if e.reference else ""),
    "notification.queued": lambda e: f"Queued for {_CHANNEL.get(e.channel, e.channel)}{' ' + e.action if e.action else ''}"
    f" ({e.audience.replace('_', ' ')}): {_first_line(e.subject)}",
    "notification.delivered": lambda e: _delivered(e),
    "notification.failed": lambda e: f"Delivery to {_CHANNEL.get(e.channel, e.channel)} failed ({e.audience.replace('_', ' ')}, "
    f"attempt {e.attempt}): {_first_line(e.reason)}; "
    + (f"next attempt {e.next_attempt_at:%H:%M:%S} UTC" if e.next_attempt_at else "given up, retry by hand"),
    "notification.retried": lambda e: f"Delivery retried by {e.actor}: {e.notification_id}",
}

_CHANNEL = {"slack": "Slack", "teams": "Teams", "email": "email", "pagerduty": "PagerDuty", "statuspage": "Statuspage",
            "webhook": "webhook"}  # fmt: skip
_TOLD = {"management": "Management notified", "executive": "Executive notified", "status_page": "Status page updated",
         "internal": "Internal update delivered", "customer": "Customer update delivered", "legal": "Legal notified",
         "resolution": "Resolution notice delivered"}  # fmt: skip


def _hierarchical(who: str, e: Any) -> str:
    """A hierarchical escalation: published with its text (the outbox delivers it), or only found due."""
    reason = f": {_first_line(e.reason)}" if e.reason else ""
    if e.message.strip():
        return f"{who} notification published{reason}"
    return f"{who} notification due{reason} (not sent: nobody has been told yet)"


def _delivered(e: Any) -> str:
    if e.channel == "pagerduty":
        return f"PagerDuty: {e.target or 'event'} delivered"
    if e.channel == "webhook":
        return f"Webhook delivered ({e.audience.replace('_', ' ')})"
    return f"{_TOLD.get(e.audience, 'Delivered')} ({e.target or _CHANNEL.get(e.channel, e.channel)})"


def describe_event(event: ev.BaseEvent) -> str:
    """What ``event`` says, in one line of plain (unescaped) text."""
    describer = _DESCRIBERS.get(event.kind)
    return describer(event) if describer else event.kind
