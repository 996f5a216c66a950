"""Communications: resolution notice, stakeholder updates and the customer-impact statement."""

from __future__ import annotations

from warroom.agents.offline.writers.common import Step, headline, hm, suspect, when
from warroom.agents.offline.writers.triage import error_ratio


def _window(step: Step) -> str:
    a, inc = step.analysis, step.incident
    start = a.onset.at if a.onset else inc.detected_at
    end = inc.resolved_at or inc.mitigated_at
    return f"from {hm(start)}" + (f" to {hm(end)}" if end else " (ongoing)")


def _mitigation(step: Step) -> str:
    inc = step.incident
    if inc.mitigations:
        m = inc.mitigations[-1]
        return f"{m.strategy.title.lower()} ({m.outcome}) at {when(m.at)}"
    if inc.decisions:
        return f"{inc.decisions[-1].choice.replace('_', ' ')} (decided {when(inc.decisions[-1].decided_at)})"
    return ""


def resolution_communication(step: Step) -> None:
    """The resolution update for the status page: written for customers only (the cause, the mitigation
    and the validation are in the incident record, not here)."""
    step.add(f"**Resolved — {step.service}**")
    step.add(f"Between {_window(step).removeprefix('from ')} some requests to {step.service} failed or were slow. "
             "The issue has been fixed and the service is operating normally. We apologise for the disruption; "
             "a review will follow so that it does not happen again.")


def stakeholder_communication(step: Step) -> None:
    inc, a = step.incident, step.analysis
    text, confidence, _ = headline(a)
    ratio, _ = error_ratio(step)
    step.add(f"## Stakeholder update — {inc.incident_id} [{inc.severity.value}]")
    step.add(f"**Engineering:** {text} (confidence {confidence:.0%}). Next step: {_mitigation(step) or 'mitigation decision'}.")
    step.add(f"**Support / customer success:** customers may see errors on {step.service} {_window(step)}"
             + (f"; about {ratio:.0%} of requests are affected" if ratio is not None else "")
             + ". Advise retrying; no action is needed on their side and no data was lost according to the evidence so far.")
    step.add(f"**Leadership:** {inc.severity.label} priority incident on {step.service}; "
             + ("the trigger is identified and a revert is planned." if suspect(a) else "the cause is being confirmed.")
             + f" Next update {step.next_update}.")


def customer_impact(step: Step) -> None:
    a = step.analysis
    ratio, how = error_ratio(step)
    lines = [f"- Window: {_window(step)}."]
    if ratio is not None:
        lines.append(f"- Failure rate at the end of the evidence: {ratio:.0%} ({how}).")
    failing = [(t, n) for t, n, _ in a.top_errors if "status=503" in t or " 503 " in t or "failed" in t]
    if failing:
        lines.append(f"- Failed requests logged: {sum(n for _, n in failing)} lines across {len(failing)} request signatures.")
    lat = a.metric("latency")
    if lat:
        lines.append(f"- Latency p95: {lat.baseline:g} at baseline, {lat.latest:g} now (requests that do succeed are slower).")
    lines.append("- Data: nothing in the evidence shows data loss or corruption; failed requests were rejected, not half-applied, "
                 "as far as the logs show. Confirm with the owning team before saying so externally.")
    step.add("## Customer impact\n\n" + "\n".join(lines))
