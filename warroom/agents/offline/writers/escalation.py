"""Functional escalation (Tier 1 data, Tier 2 hypothesis, Tier 3 assessment) and hierarchical notifications."""

from __future__ import annotations

from warroom.agents.offline.writers.common import (
    Step, change_line, cite, cites, diff_summary, evidence_gaps, explain, headline, hm, primary, problems_by_date,
    ranked_hypotheses, saturated, suspect, when,
)
from warroom.agents.offline.writers.triage import assess, error_ratio


def tier1_data(step: Step) -> None:
    a = step.analysis
    step.add(f"## Tier 1: data gathered\n\nRead {a.lines_read} log lines from {len(a.sources)} source(s) "
             f"covering {when(a.first_at)} to {when(a.last_at)}.\n\n" + "\n".join(f"- {s}" for s in a.sources))
    if a.onset:
        step.add(f"**Onset:** {when(a.onset.at)}, from {a.onset.series} ({a.onset.baseline:g} -> {a.onset.after:g}).\n"
                 + "".join(f"\n- `{o.series}` moved at {hm(o.at)} ({o.baseline:g} -> {o.after:g}, {o.direction})"
                           for o in a.metric_onsets[:6]))
    else:
        step.add("**Onset:** none found. No per-minute error or metric series left its baseline in the attached window"
                 + (" (the logs carry no usable timestamps)" if a.lines_read and not a.first_at else "") + ".")
    chronology = problems_by_date(a)
    step.add("### Recognised signatures\n\n" + ("\n".join(chronology) if chronology else "None of the known failure "
             "signatures (crash loop, OOM, certificate expiry, DNS, pool exhaustion, missing variable, disk full, ...) "
             "appear in the evidence."))
    if a.metrics:
        step.add("### Metrics\n\n" + "\n".join(f"- `{m.name}` ({m.kind}): {m.note}" for m in a.metrics))
    if a.changes:
        rows = [f"- {when(c.at)} `{c.short}` {c.subject} ({c.author})" + (" — after the onset" if c in a.after_onset_changes else "")
                for c in a.changes[:8]]
        step.add("### Recent changes\n\n" + "\n".join(rows))
    gaps = evidence_gaps(a)
    if gaps:
        step.add("### Gaps\n\n" + "\n".join(f"- {g}" for g in gaps))
    step.add("Runbook check: the signatures above " + ("match a known failure pattern; Tier 2 should confirm the cause "
             "before anyone mitigates." if a.signatures else "match no known pattern; escalate to Tier 2 with this data."))


def tier2_hypothesis(step: Step) -> None:
    a = step.analysis
    text, confidence, citations = headline(a)
    step.add(f"## Tier 2: hypothesis (confidence {confidence:.0%})\n\n{text}")
    if citations:
        step.add("Evidence:\n" + cites(citations, 5))
    sus, sig = suspect(a), primary(a)
    reasons = []
    if sus:
        reasons += [f"- {r}" for r in sus.reasons]
        diff = diff_summary(sus)
        if diff:
            reasons.append(f"- the diff changes {diff}")
    for m in saturated(a):
        reasons.append(f"- `{m.name}` {m.note} ({cite(m.citation)})")
    if sig and sig.new_after_onset:
        reasons.append(f"- the signature is new: first seen {when(sig.first_seen)}, after the onset; it was absent before")
    old = [s for s in a.signatures if s.new_after_onset is False]
    for s in old[:3]:
        reasons.append(f"- ruled out as the trigger: {explain(s)} — already present before the onset "
                       f"(first {when(s.first_seen)}, {cite(s.citations[0])})")
    for c in a.after_onset_changes[:3]:
        reasons.append(f"- not a cause: `{c.short}` \"{c.subject}\" landed at {when(c.at)}, after the onset")
    for other in [s for s in a.suspects if s is not sus][:3]:
        label = "less likely" if sus else "a lead only, nothing ties it to a failure signature"
        reasons.append(f"- {label}: {change_line(other)} — {'; '.join(other.reasons)}")
    if reasons:
        step.add("### Why this hypothesis\n\n" + "\n".join(reasons))
    ranked = ranked_hypotheses(a)
    if len(ranked) > 1:
        step.add("### Candidate causes, ranked\n\n" + "\n".join(ranked))
    chronology = problems_by_date(a)
    if len(chronology) > 1:
        step.add("### All problems found, by date\n\n" + "\n".join(chronology))
    step.add("### Test plan\n\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(test_plan(step), 1)))


def test_plan(step: Step) -> list[str]:
    a, sus, sig = step.analysis, suspect(step.analysis), primary(step.analysis)
    plan = []
    if sus:
        plan.append(f"Confirm the running version carries `{sus.change.short}` (deployed config / release tag) on "
                    f"{step.service}.")
        plan.append(f"Revert `{sus.change.short}` on one instance (canary) and watch whether "
                    f"{sig.title if sig else 'the errors'} stop within 5 minutes while the others keep failing.")
    if sig and sig.family == "pool_exhaustion":
        plan.append("Compare active connections with the pool maximum and pending threads on the pool's metrics "
                    "(`hikaricp_connections_active`, `_pending`, `_max`): exhaustion shows active = max with pending > 0.")
    if sig and sig.family in ("command_not_found", "missing_env"):
        plan.append(f"Read the pod spec (`kubectl get pod -o yaml`) and confirm {explain(sig)}.")
    if sig and sig.family == "cert_expiry":
        plan.append("Check the certificate's notAfter (`openssl x509 -enddate -noout -in <cert>`) against the clock.")
    if any(m.kind == "cpu" for m in a.metrics):
        plan.append("Keep CPU in view: if it rises with the errors the bottleneck is compute, not the pool.")
    if not plan:
        plan.append("Attach more evidence (application logs around the first alert, metrics, the deploy history) "
                    "and re-run the analysis: the current evidence does not support a testable hypothesis.")
    return plan


def tier3_assessment(step: Step) -> None:
    a = step.analysis
    step.add("## Tier 3: capacity and design assessment")
    questions = []
    sat = saturated(a)
    for m in sat:
        questions.append(f"`{m.name}` {m.note}. Was that limit sized from measured peak demand? The series before "
                         f"the onset had a median of {m.baseline:g}, so the headroom is what the limit leaves above that.")
    sus = suspect(a)
    if sus and sus.change.keys:
        questions.append(f"{change_line(sus)} changed {', '.join(sus.change.keys)}: capacity settings changed by a "
                         "config commit need a load test or canary gate; the evidence shows neither.")
    cpu = a.metric("cpu")
    if cpu:
        questions.append(f"CPU `{cpu.name}`: {cpu.note}. Scaling out on CPU would not help a connection limit.")
    for sig in a.signatures:
        if sig.family in ("pool_exhaustion", "dependency_unavailable"):
            questions.append("Request timeouts (30 s pool wait) exceed what a user waits: should requests fail fast "
                             "(short acquisition timeout, bulkhead per endpoint) rather than hold threads?")
            break
    if any(s.family == "crash_loop" for s in a.signatures):
        questions.append("Start-up validation: should the workload refuse to roll out when its command, variables or "
                         "certificates are wrong (readiness gates, pre-deploy checks) instead of crash-looping in prod?")
    if any(s.family == "cert_expiry" for s in a.signatures):
        questions.append("Certificate lifecycle: who owns renewal, and why did no alert fire before expiry?")
    if not questions:
        questions.append("The evidence raises no capacity or design question yet; nothing is saturated and no change "
                         "correlates with the onset.")
    step.add("\n".join(f"- {q}" for q in questions))


def management_notification(step: Step) -> None:
    a, inc = step.analysis, step.incident
    proposal = assess(step)
    ratio, _ = error_ratio(step)
    text, confidence, _ = headline(a)
    step.add(f"**To:** engineering management\n**Subject:** [{inc.severity.value}] {inc.title} ({inc.incident_id})")
    step.add(f"What is happening: {step.service} has been failing since "
             f"{when(a.onset.at) if a.onset else when(inc.detected_at)}"
             + (f"; {ratio:.0%} of its requests currently fail" if ratio is not None else "") + ".\n\n"
             f"Business impact: {'; '.join(proposal.impact_reasons[:2])}.\n\n"
             f"Likely cause ({confidence:.0%} confidence): {text}")
    step.add(f"What we are doing: Tier {inc.tier} engineers are on it; the mitigation decision is next. "
             f"Next update {step.next_update}. No action is needed from you now; escalation to executives follows the "
             "policy if the incident runs long or impact grows.")


def executive_notification(step: Step) -> None:
    a, inc = step.analysis, step.incident
    ratio, _ = error_ratio(step)
    sus = suspect(a)
    step.add(f"**[{inc.severity.value}] {inc.title}**")
    step.add(f"Customers {'cannot reliably use ' + step.service if ratio is None else f'see failures on {ratio:.0%} of {step.service} requests'} "
             f"since {hm(a.onset.at) if a.onset else hm(inc.detected_at)}."
             + (" The likely trigger is a configuration change deployed just before; reverting it is the planned fix."
                if sus else " The cause is being confirmed."))
    step.add(f"Decision needed from you: none at this time. Next update {step.next_update} or at resolution.")


def status_page_update(step: Step) -> None:
    a, inc = step.analysis, step.incident
    step.add(f"**Investigating — {'Degraded performance' if inc.severity.value in ('P2', 'P3') else 'Partial outage'}**")
    step.add(f"Since {hm(a.onset.at) if a.onset else hm(inc.detected_at)} some requests to {step.service} are failing "
             "or timing out. Our engineers have identified the likely cause and are working on a fix. "
             f"We will post an update {step.next_update}.")
