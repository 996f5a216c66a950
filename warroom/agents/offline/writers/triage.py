"""Detection and triage: the incident record, the initial alert, impact, urgency and the severity proposal."""

from __future__ import annotations

from warroom.agents.offline.writers.common import (
    CUSTOMER_FACING,
    Step,
    cite,
    cites,
    evidence_gaps,
    headline,
    hm,
    primary,
    problems_by_date,
    when,
)
from warroom.data.answers import SeverityProposal
from warroom.data.models import Level, Severity

MATRIX = {
    (Level.HIGH, Level.HIGH): Severity.P0, (Level.HIGH, Level.MEDIUM): Severity.P1, (Level.HIGH, Level.LOW): Severity.P2,
    (Level.MEDIUM, Level.HIGH): Severity.P1, (Level.MEDIUM, Level.MEDIUM): Severity.P2, (Level.MEDIUM, Level.LOW): Severity.P3,
    (Level.LOW, Level.HIGH): Severity.P2, (Level.LOW, Level.MEDIUM): Severity.P3, (Level.LOW, Level.LOW): Severity.P3,
}


def error_ratio(step: Step) -> tuple[float | None, str]:
    """The latest 5xx ratio (errors / requests) from metrics, with how it was computed."""
    a = step.analysis
    errors, requests = a.metric("error_rate"), a.metric("throughput")
    if errors and requests and requests.latest:
        return errors.latest / requests.latest, f"`{errors.name}` / `{requests.name}` at the end of the window"
    return None, ""


def assess(step: Step) -> SeverityProposal:
    """Impact and urgency from the evidence and the incident's own description."""
    a, inc = step.analysis, step.incident
    impact_reasons, urgency_reasons = [], []
    ratio, how = error_ratio(step)
    facing = bool(CUSTOMER_FACING.search(step.service) or CUSTOMER_FACING.search(inc.title))
    critical_alert = [al for al in inc.alerts if al.severity in (Severity.P0, Severity.P1) and al.status == "firing"]
    impact = Level.MEDIUM
    if ratio is not None and ratio >= 0.05 and facing:
        impact = Level.HIGH
        impact_reasons.append(f"{ratio:.0%} of requests to the customer-facing {step.service} fail ({how})")
    elif ratio is not None:
        impact_reasons.append(f"{ratio:.1%} of requests fail ({how})")
        impact = Level.HIGH if ratio >= 0.25 else Level.MEDIUM if ratio >= 0.01 else Level.LOW
    sig = primary(a)
    if sig and sig.family == "crash_loop":
        impact_reasons.append(f"{sig.detail or 'a workload'} is crash-looping, so it serves nothing while it restarts")
    if facing:
        impact_reasons.append(f"{step.service} is on the customer path (checkout, orders, login or an API)")
    if critical_alert:
        impact_reasons.append(f"critical alert firing: {critical_alert[0].title}")
        impact = Level.HIGH if facing or impact == Level.HIGH else Level.MEDIUM
    if not impact_reasons:
        impact_reasons.append("no metric or alert quantifies user impact yet; impact kept at the declared level")
        impact = inc.impact
    urgency = Level.MEDIUM
    if a.onset and a.last_at:
        errors = a.metric("error_rate")
        rising = errors is not None and errors.peak and errors.latest >= 0.7 * errors.peak
        if rising:
            urgency = Level.HIGH
            urgency_reasons.append(f"the error rate is still at {errors.latest:g} (peak {errors.peak:g}) at the end of the "
                                   f"evidence, {hm(a.last_at)}: the failure is ongoing, not recovering")
        urgency_reasons.append(f"the onset was at {when(a.onset.at)} ({a.onset.series})")
    guidance = inc.guidance.lower()
    if any(w in guidance for w in ("revenue", "tight sla", "data loss", "breach")):
        urgency = Level.HIGH
        urgency_reasons.append(f"guidance says: {inc.guidance[:120]}")
    if sig and sig.family in ("crash_loop", "cert_expiry", "missing_env", "command_not_found") and urgency != Level.HIGH:
        urgency_reasons.append("a crash loop or expired credential does not heal on its own: it needs action")
        urgency = Level.HIGH if facing else Level.MEDIUM
    if not urgency_reasons:
        urgency_reasons.append("no time series shows whether the problem is growing; urgency kept at medium")
    return SeverityProposal(impact=impact, urgency=urgency, severity=MATRIX[(impact, urgency)],
                            impact_reasons=impact_reasons, urgency_reasons=urgency_reasons,
                            confidence=0.75 if ratio is not None else 0.5)


def incident_record(step: Step) -> None:
    a, inc = step.analysis, step.incident
    step.add(f"## Incident record: {inc.incident_id}\n\n"
             f"- **Title:** {inc.title}\n- **Service:** {step.service}\n- **Declared:** {when(inc.declared_at)} "
             f"(detected {when(inc.detected_at)}, by {inc.detection_method or 'manual report'})\n"
             f"- **Current priority:** {inc.severity.value} (impact {inc.impact.value}, urgency {inc.urgency.value})\n"
             f"- **Evidence:** {len(inc.evidence)} item(s), {a.lines_read} log lines read, {len(a.metrics)} metric series, "
             f"{len(a.changes)} changes")
    symptoms = [f"- {al}" for al in a.alerts[:4]] or ["- no alert payload attached"]
    step.add("### Symptoms\n\n" + "\n".join(symptoms))
    if a.onset:
        step.add(f"### Onset\n\n{a.onset.series} left its baseline at **{when(a.onset.at)}** "
                 f"({a.onset.baseline:g} before, {a.onset.after:g} after; robust z {a.onset.score:g}).")
    chronology = problems_by_date(a)
    if chronology:
        step.add("### What the evidence shows\n\n" + "\n".join(chronology))
    gaps = evidence_gaps(a)
    if gaps:
        step.add("### Not yet known\n\n" + "\n".join(f"- {g}" for g in gaps))


def initial_alert(step: Step) -> None:
    a, inc = step.analysis, step.incident
    text, _, citations = headline(a)
    step.add(f"**[{inc.severity.value}] {inc.incident_id}: {inc.title}**\n\n"
             f"Service: {step.service}. Declared {when(inc.declared_at)}."
             + (f" Errors started {when(a.onset.at)}." if a.onset else ""))
    step.add(f"First read of the evidence: {text}" + (f"\n\nEvidence:\n{cites(citations)}" if citations else ""))
    step.add("Response: war room open, incident commander and technical lead being assigned. "
             f"Next update {step.next_update} or sooner if the picture changes.")


def impact_assessment(step: Step) -> None:
    proposal = assess(step)
    a = step.analysis
    lines = [f"- {r}" for r in proposal.impact_reasons]
    step.add(f"## Impact: {proposal.impact.value}\n\n" + "\n".join(lines))
    if a.top_errors:
        rows = "\n".join(f"| {n} | `{t[:140]}` | {cite(c)} |" for t, n, c in a.top_errors[:5])
        step.add("### Most frequent error lines\n\n| lines | template | example |\n|---|---|---|\n" + rows)
    if a.services:
        counts = [f"{svc} {a.error_counts[svc]}" if svc in a.error_counts else f"{svc} none" for svc in a.services[:8]]
        step.add("Error lines by service in the evidence: " + ", ".join(counts) + ".")


def urgency_assessment(step: Step) -> None:
    proposal = assess(step)
    step.add(f"## Urgency: {proposal.urgency.value}\n\n" + "\n".join(f"- {r}" for r in proposal.urgency_reasons))
    series = list(step.analysis.error_series.items())[-10:]
    if series:
        step.add("Error lines per minute, last ten minutes of the evidence: "
                 + ", ".join(f"{k[11:16]}Z {v}" for k, v in series) + ".")


def severity_proposal(step: Step) -> None:
    proposal = assess(step)
    step.structured = proposal.model_dump(mode="json")
    step.add(f"## Proposed priority: {proposal.severity.value} ({proposal.severity.label})\n\n"
             f"Impact **{proposal.impact.value}** × urgency **{proposal.urgency.value}** on the priority matrix gives "
             f"**{proposal.severity.value}** (currently {step.incident.severity.value}).")
    step.add("Impact:\n" + "\n".join(f"- {r}" for r in proposal.impact_reasons)
             + "\n\nUrgency:\n" + "\n".join(f"- {r}" for r in proposal.urgency_reasons))
    if proposal.severity in (Severity.P0, Severity.P1):
        step.add("At this priority the response needs an incident commander, a technical lead and a communications "
                 "lead, and management is notified per the escalation policy.")
