"""The headless runner: a playbook on a terminal, with progress lines and a closing summary.

``✓`` done, ``⏳`` running, ``⚠`` escalation or interruption, ``❌`` failed — the
ITIL flow's progress indicators. Gates are answered by the ``auto`` policy (the
recommendation, recorded as auto-decided), at a terminal prompt when stdin is a
TTY, or the run stops at the gate and can be resumed later.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.agents.backend import Backend
from warroom.agents.gates import Gate
from warroom.agents.orchestrator import GateError, Orchestrator, RunSummary
from warroom.agents.plan import StepState
from warroom.agents.playbook import Playbook, load_playbook
from warroom.agents.registry import get_backend
from warroom.data import events as ev
from warroom.data.describe import describe_event
from warroom.data.models import Incident, Status
from warroom.data.policy import DEFAULT_POLICY, format_duration, response_metrics
from warroom.data.store import EventStore
from warroom.data.text import plain

__all__ = ["ProgressPrinter", "format_summary", "prompt_for_gate", "run_headless"]

RULE = "─" * 61
QUIET = {"agent.output", "incident.declared", "evidence.attached", "alert.received", "review.updated"}
METRIC_NAMES = {"detect": "Detection", "acknowledge": "Acknowledgment", "engage": "Time to engage",
                "mitigate": "Time to mitigate", "resolve": "Time to resolve"}  # fmt: skip


def _line(text: str, limit: int = 160) -> str:
    first = plain(text).strip().splitlines()[0] if plain(text).strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


class ProgressPrinter:
    """Turns the incident's events into progress lines."""

    def __init__(self, playbook: Playbook, out: Callable[[str], Any]) -> None:
        self.playbook, self.out = playbook, out
        self._runs: dict[str, str] = {}

    def _title(self, step_id: str) -> str:
        try:
            return self.playbook.step(step_id).title
        except KeyError:
            return step_id

    def __call__(self, event: ev.BaseEvent) -> None:
        line = self.describe(event)
        if line:
            self.out(line)

    def describe(self, e: Any) -> str:  # noqa: C901 - one branch per event kind, flat
        kind = e.kind
        if kind == "phase.changed":
            return f"\n── {plain(e.title or e.phase)} ──"
        if kind == "agent.started":
            self._runs[e.run_id] = e.step_id
            return f"⏳ {self._title(e.step_id)} ({plain(e.role)}, {plain(e.backend)})…"
        step = self._title(self._runs.get(getattr(e, "run_id", ""), getattr(e, "run_id", "")))
        if kind == "agent.finished":
            return f"  ✓ {step}" + (f" → {e.artifact}" if e.artifact else "")
        if kind == "agent.failed":
            return f"  {'⚠ interrupted' if e.interrupted else '❌ failed'}: {step}: {_line(e.error)}"
        if kind == "agent.cancelled":
            return f"  ⚠ stopped: {step}"
        if kind == "decision.taken":
            how = " (auto-decided)" if e.auto else f" ({plain(e.actor)})"
            return f"✓ Decision at {plain(e.gate)}: {plain(e.choice)}{how}"
        if kind == "severity.set":
            return f"✓ Priority assigned: {e.severity.value} (impact {e.impact.value}, urgency {e.urgency.value})"
        if kind == "role.assigned":
            return f"✓ {e.role.title} assigned: {plain(e.person)}"
        if kind == "tier.escalated":
            return f"⚠ Escalating to Tier {e.tier}{' (timer)' if e.by_timer else ''}: {_line(e.reason)}"
        if kind == "management.notified":
            return f"⚠ Management notified: {_line(e.reason)}"
        if kind == "executive.notified":
            return f"⚠ Executive notified: {_line(e.reason)}"
        if kind == "status.changed":
            return f"✓ Status {e.status.value}"
        if kind == "update.published":
            return f"✓ Update published ({e.audience.value.replace('_', ' ')})"
        if kind == "mitigation.executed":
            mark = "✓" if e.outcome == "succeeded" else "❌"
            return f"{mark} Mitigation {e.strategy.title.lower()} {e.outcome}"
        if kind == "incident.resolved":
            return "✓ Incident RESOLVED"
        if kind == "action.added":
            return f"  ✓ Action item {e.item_id}: {_line(e.title, 100)}"
        if kind == "note.added":
            return f"• {_line(e.text, 300)}"
        if kind in QUIET:
            return ""
        mark = "⚠" if kind in ("sla.breached", "hold.placed", "branch.raised") else "•"
        return f"{mark} {_line(describe_event(e), 300)}"


def _metric_line(metric: Any) -> str:
    name = METRIC_NAMES.get(metric.name, metric.name)
    if metric.duration is None:
        took = "not reached"
    else:
        took = format_duration(metric.duration)
    if metric.target is None:
        return f"- {name}: {took}"
    target = format_duration(metric.target)
    if metric.met is None:
        return f"- {name}: {took} (SLA {target})"
    verdict = f"MET ({format_duration(metric.margin)} to spare)" if metric.met else f"MISSED by {format_duration(metric.margin)}"
    return f"- {name}: {took} (SLA {target}) {verdict}"


def format_summary(summary: RunSummary, policy: Any = DEFAULT_POLICY) -> list[str]:
    """The closing report: status, duration, SLA verdicts, escalation path, what is pending."""
    inc: Incident = summary.incident
    done = "Incident Response Complete" if not inc.is_open else "Playbook Finished, Incident Still Open"
    heading = {"completed": done, "waiting": "Incident Response Waiting for a Decision",
               "failed": "Incident Response Stopped", "busy": "Playbook Driven by Another Session"}[summary.outcome]  # fmt: skip
    lines = [RULE, f"{heading}: {inc.incident_id}", RULE, f"Overall Status: {inc.status.value}",
             f"Severity: {inc.severity.value} (impact {inc.impact.value}, urgency {inc.urgency.value})"]  # fmt: skip
    if inc.resolved_at:
        lines.append(f"Duration: {format_duration(inc.resolved_at - inc.detected_at)} (detection → resolution)")
    lines.append(f"Steps: {summary.count(StepState.DONE)} done, {summary.count(StepState.SKIPPED)} skipped, "
                 f"{summary.count(StepState.FAILED)} failed")  # fmt: skip
    if inc.mitigations:
        last = inc.mitigations[-1]
        lines.append(f"Mitigation: {last.strategy.title} ({last.outcome})")
    lines.append("Response Metrics:")
    lines.extend(_metric_line(m) for m in response_metrics(inc, policy))
    lines.append("Escalation Path Executed:")
    lines.append(f"✓ Tier 1{' → escalated' if inc.tier > 1 else ' → resolved at Tier 1' if not inc.is_open else ''}")
    for tier in (2, 3):
        if inc.tier >= tier:
            lines.append(f"✓ Tier {tier}")
    if inc.management_notified_at:
        lines.append("✓ Management notified")
    if inc.executive_notified_at:
        lines.append("✓ Executive notified")
    if inc.actions:
        lines.append(f"Preventive actions: {len(inc.actions)} tracked")
    for gate in summary.gates:
        lines.append(f"⏳ Waiting: {plain(gate.question)} [{', '.join(gate.options)}] (recommended: {gate.recommended})")
    if summary.reason:
        why = "" if summary.outcome == "busy" else "The decision is refused for now: "
        lines.append(f"⚠ {why}{plain(summary.reason)}")
    lines.append(RULE)
    return lines


async def prompt_for_gate(gate: Gate, read: Callable[[str], str] = input, out: Callable[[str], Any] = print) -> tuple[str, str]:
    """Ask at the terminal: numbered options, Enter takes the recommendation. Returns (choice, rationale)."""
    out(f"\n? {plain(gate.question)}")
    for number, option in enumerate(gate.options, 1):
        mark = "  (recommended)" if option == gate.recommended else ""
        out(f"  {number}. {option}{mark}")
    if gate.recommendation_reason:
        out(f"  why: {_line(gate.recommendation_reason, 300)}")
    while True:
        answer = (await asyncio.to_thread(read, f"choice [1-{len(gate.options)}, Enter = {gate.recommended}]: ")).strip()
        if not answer:
            return gate.recommended, f"accepted the recommendation: {gate.recommendation_reason}"
        if answer.isdigit() and 1 <= int(answer) <= len(gate.options):
            choice = gate.options[int(answer) - 1]
        elif answer in gate.options:
            choice = answer
        else:
            out(f"  please answer 1-{len(gate.options)}")
            continue
        rationale = (await asyncio.to_thread(read, "rationale (optional): ")).strip()
        return choice, rationale


async def run_headless(
    store: EventStore, incident_id: str, *, playbook: str | Path | Playbook = "itil", backend: str | Backend = "offline",
    auto: bool = True, config: Any = None, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    out: Callable[[str], Any] = print, evidence_root: Path | None = None, interactive: bool | None = None,
    operator: str = "", poll_interval: float = 0.2, read: Callable[[str], str] = input,
) -> RunSummary:  # fmt: skip
    """Run ``playbook`` on the incident with progress lines on ``out``; returns how it ended."""
    book = playbook if isinstance(playbook, Playbook) else load_playbook(playbook)
    agent = backend if not isinstance(backend, str) else get_backend(backend, config)
    policy = getattr(config, "policy", None) or DEFAULT_POLICY
    if interactive is None:
        interactive = sys.stdin.isatty()
    incident = await store.load(incident_id)
    if incident.status is Status.CLOSED:
        raise ValueError(f"{incident_id} is closed: nothing to run (reopen it first)")
    out(f"Running the {book.name} playbook on {incident.incident_id} ({plain(incident.title)}, "
        f"{incident.severity.value}) with the {getattr(agent, 'name', 'custom')} backend"
        f"{', auto-deciding gates' if auto else ''}")  # fmt: skip
    orchestrator: Orchestrator

    async def ask(gate: Gate) -> None:
        choice, rationale = await prompt_for_gate(gate, read, out)
        try:
            await orchestrator.decide(gate.gate_id, choice, rationale, actor=operator or None)
        except GateError as exc:
            out(f"  ({exc})")

    orchestrator = Orchestrator(
        store, incident_id, book, agent, policy=policy, now=now, auto=auto, evidence_root=evidence_root,
        poll_interval=poll_interval, operator=operator, on_event=ProgressPrinter(book, out),
        on_gate=ask if (interactive and not auto) else None, stop_at_gates=not auto and not interactive,
        roster=getattr(config, "roster", None),
    )  # fmt: skip
    summary = await orchestrator.run()
    for line in format_summary(summary, policy):
        out(line)
    return summary
