"""Post-incident review: the invite, the review document, preventive actions, runbook and knowledge-base text."""

from __future__ import annotations

from datetime import timedelta

from warroom.agents.offline.analysis import template_of
from warroom.agents.offline.writers.common import (
    Step,
    change_line,
    cite,
    explain,
    headline,
    primary,
    problems_by_date,
    saturated,
    suspect,
    when,
)
from warroom.agents.offline.writers.rootcause import five_whys_answer
from warroom.data.answers import ActionItems, ProposedAction
from warroom.data.models import ActionType, Horizon, Level

HORIZON_DAYS = {Horizon.IMMEDIATE: 7, Horizon.SHORT_TERM: 30, Horizon.LONG_TERM: 90}


def actions(step: Step) -> ActionItems:
    """Preventive actions tied to the findings: alert on what came first, test the failing path, canary the change type."""
    a, inc = step.analysis, step.incident
    sig, sus, sat = primary(a), suspect(a), saturated(a)
    base = inc.resolved_at or inc.updated_at
    items: list[ProposedAction] = []

    def add(title: str, horizon: Horizon, reason: str, kind: ActionType, priority: Level) -> None:
        items.append(ProposedAction(title=title, horizon=horizon, reason=reason, action_type=kind, priority=priority,
                                    due=base + timedelta(days=HORIZON_DAYS[horizon])))

    first = sat[0] if sat else None
    if first:
        add(f"Alert when `{first.name.split('{')[0]}` stays at its maximum for 2 minutes", Horizon.IMMEDIATE,
            f"the saturation ({first.note}) preceded the 5xx alert; alerting on it would have paged earlier",
            ActionType.DETECT, Level.HIGH)
    if sig:
        add(f"Alert on the first occurrence of the signature: {sig.title}", Horizon.IMMEDIATE,
            f"the signature first appeared at {when(sig.first_seen)}, before anyone was paged", ActionType.DETECT, Level.HIGH)
    if sus:
        add(f"Add a load test for {step.service}'s database path that runs on changes to pool or capacity settings",
            Horizon.SHORT_TERM, f"{change_line(sus)} would have failed it", ActionType.PREVENT, Level.HIGH)
        add(f"Canary analysis for configuration changes to {step.service} (compare error rate and p95 against baseline "
            "before full rollout)", Horizon.SHORT_TERM, "the change type that caused this shipped without a canary gate",
            ActionType.MITIGATE, Level.MEDIUM)
        add("Require a capacity note (measured peak, headroom) on changes to connection-pool, thread or memory limits",
            Horizon.LONG_TERM, "the new limit was set without measured demand in the evidence", ActionType.PROCESS, Level.MEDIUM)
    if sig and sig.family == "cert_expiry":
        add("Automate certificate renewal and alert 30/14/7 days before expiry", Horizon.SHORT_TERM, explain(sig),
            ActionType.PREVENT, Level.HIGH)
    if sig and sig.family in ("missing_env", "command_not_found"):
        add("Validate workload specs before rollout (required variables present, command resolvable in the image)",
            Horizon.SHORT_TERM, explain(sig), ActionType.PREVENT, Level.HIGH)
    if any(s.family == "crash_loop" for s in a.signatures):
        add("Alert on CrashLoopBackOff within 5 minutes for production namespaces", Horizon.IMMEDIATE,
            "the crash loop ran for a long time before the investigation", ActionType.DETECT, Level.HIGH)
    if not items:
        add("Attach application logs, metrics and deploy history to incidents by default", Horizon.SHORT_TERM,
            "this investigation could not reach a cause with the evidence it had", ActionType.PROCESS, Level.MEDIUM)
    return ActionItems(actions=items)


def preventive_actions(step: Step) -> None:
    answer = actions(step)
    step.structured = answer.model_dump(mode="json")
    for horizon, label in ((Horizon.IMMEDIATE, "Immediate (1 week)"), (Horizon.SHORT_TERM, "1 month"),
                           (Horizon.LONG_TERM, "3 months")):
        picked = [x for x in answer.actions if x.horizon == horizon]
        if picked:
            step.add(f"### {label}\n\n" + "\n".join(f"- **{x.title}** — {x.reason} (due {x.due:%Y-%m-%d})" for x in picked))


def pir_invite(step: Step) -> None:
    inc = step.incident
    step.add(f"**Post-incident review: {inc.incident_id} — {inc.title}**\n\nWhen: within five working days of resolution "
             f"(resolved {when(inc.resolved_at) if inc.resolved_at else 'pending'}). 60 minutes.\n\nAttendees: "
             + (", ".join(f"{r.title} ({p})" for r, p in inc.roles.items()) or "incident commander, technical lead, owning team")
             + ", and the author of the change under review.")
    step.add("Agenda: timeline (10 min); what the evidence shows (15); 5 Whys and contributing factors (15); preventive "
             "actions with owners and dates (15); what went well (5). The review is blameless: we look at systems "
             "and information, not at people.")


def post_incident_review(step: Step) -> None:
    a, inc = step.analysis, step.incident
    text, confidence, citations = headline(a)
    why = five_whys_answer(step)
    step.add(f"## Summary\n\n{inc.title} ({inc.incident_id}, {inc.severity.value}). {text}")
    timeline = [f"| {when(c.at)} | change `{c.short}`: {c.subject} |" for c in reversed(a.changes[:4])
                if not a.onset or c.at <= a.onset.at + timedelta(hours=1)]
    if a.onset:
        timeline.append(f"| {when(a.onset.at)} | onset: {a.onset.series} leaves baseline ({a.onset.baseline:g} -> {a.onset.after:g}) |")
    timeline += [f"| {when(inc.detected_at)} | detected ({inc.detection_method or 'manual'}) |",
                 f"| {when(inc.declared_at)} | incident declared |"]
    if inc.mitigated_at:
        timeline.append(f"| {when(inc.mitigated_at)} | mitigated |")
    if inc.resolved_at:
        timeline.append(f"| {when(inc.resolved_at)} | resolved |")
    step.add("## Timeline (UTC)\n\n| time | event |\n|---|---|\n" + "\n".join(sorted(timeline)))
    recorded = step.recorded("five_whys") or {}
    root = str(recorded.get("root_cause") or why.root_cause or "Not established.")
    ends = str(recorded.get("evidence_ends") or why.evidence_ends)
    step.add("## Root cause\n\n" + root + f"\n\nWhere the evidence ends: {ends}")
    if citations:
        step.add("## Evidence\n\n" + "\n".join(f"- {cite(c)}" for c in citations))
    chronology = problems_by_date(a)
    if chronology:
        step.add("## Signatures found\n\n" + "\n".join(chronology))
    ttd = (inc.detected_at - a.onset.at) if a.onset else None
    ttr = (inc.resolved_at - inc.detected_at) if inc.resolved_at else None
    step.add("## Stats\n\n" + f"- Category: {inc.category or (primary(a).family.replace('_', ' ') if primary(a) else 'unknown')}\n"
             + f"- Time to detection: {_minutes(ttd) if ttd is not None else 'unknown (no onset)'}\n"
             + f"- Time to recovery: {_minutes(ttr) if ttr is not None else 'not resolved yet'}")
    step.add("## Lessons learned\n\n- " + "\n- ".join(x.reason[0].upper() + x.reason[1:] for x in actions(step).actions[:4]))


def _minutes(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def runbook_update(step: Step) -> None:
    a = step.analysis
    sig, sus = primary(a), suspect(a)
    step.add(f"## Runbook: {step.service} — {sig.title if sig else 'errors without a known signature'}")
    detect = [f"`{template_of(sig.citations[0].detail)[:160]}`" if sig and sig.citations else "the alert that fired"]
    step.add("**Recognise it:** log lines like " + detect[0]
             + "".join(f"; `{m.name.split('{')[0]}` {m.note}" for m in saturated(a)[:1]) + ".")
    steps = ["Check the deploy and config history of the last two hours (`git log --since=2.hours -p config/`)."]
    if sus:
        steps.append(f"If a change altered a capacity setting ({', '.join(sus.change.keys) or 'pool, threads, memory'}), "
                     "revert it first and investigate after.")
    if sig and sig.family == "pool_exhaustion":
        steps.append("Compare pool active vs max and pending threads; active = max with pending > 0 is exhaustion.")
    steps.append("Validate: error rate, p95 latency and throughput back at baseline for 15 minutes.")
    step.add("**Respond:**\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))


def knowledge_base_article(step: Step) -> None:
    a = step.analysis
    text, _, _ = headline(a)
    sig = primary(a)
    step.add(f"# {sig.title if sig else 'Service errors'} on {step.service}")
    step.add(f"**Symptoms:** {', '.join(a.alerts[:2]) or 'errors on the service'}"
             + (f"; log signature `{template_of(sig.citations[0].detail)[:160]}`" if sig and sig.citations else "") + ".")
    step.add(f"**Cause:** {text}")
    step.add(f"**Resolution:** {step.incident.resolution or 'see the mitigation record of ' + step.incident.incident_id}.")
    step.add(f"**Related:** {step.incident.incident_id}; detected {when(step.incident.detected_at)}.")
