"""Mitigation: the recommendation (a human gate acts on it), execution record, validation, fix design and rollout."""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.agents.offline.findings import MetricFinding
from warroom.agents.offline.signatures import suggest_command
from warroom.agents.offline.writers.common import (
    EXTERNAL,
    Step,
    change_line,
    cite,
    diff_summary,
    explain,
    headline,
    hm,
    primary,
    saturated,
    suspect,
    when,
)
from warroom.data.answers import MitigationRecommendation
from warroom.data.models import MitigationStrategy as MS

MIN_AFTER_MITIGATION = 10  # minutes of evidence after the mitigation before a verdict


def recommend(step: Step) -> MitigationRecommendation:
    """Rollback for a change on the failing path; config revert for a config-only change outside git; scaling for
    saturation without a change; workaround when the cause is external."""
    a = step.analysis
    sig, sus, sat = primary(a), suspect(a), saturated(a)
    _, confidence, citations = headline(a)
    if sus and sus.change.kind in ("config",):
        choice, why = MS.CONFIGURATION_CHANGE, (f"the configuration change \"{sus.change.subject}\" ({sus.change.change_id}, "
                                                f"{when(sus.change.at)}) precedes the onset by {sus.minutes_before_onset:.0f} min "
                                                f"and touches the failing path ({', '.join(sus.overlap[:5])})")
    elif sus:
        choice, why = MS.ROLLBACK, (f"{change_line(sus)} precedes the onset by {sus.minutes_before_onset:.0f} min and "
                                    f"touches the failing path ({', '.join(sus.overlap[:5])})")
    elif sat:
        choice, why = MS.SCALING, f"`{sat[0].name}` is saturated ({sat[0].note}) and no change explains it"
    elif sig and sig.family in EXTERNAL:
        choice, why = MS.WORKAROUND, f"the cause is outside the service: {explain(sig)}"
    elif sig and sig.family in ("missing_env", "cert_expiry"):
        choice, why = MS.CONFIGURATION_CHANGE, f"{explain(sig)}; setting it right is a configuration change"
    elif sig and sig.family in ("command_not_found", "image_pull", "query_error"):
        choice, why = MS.HOTFIX, f"{explain(sig)}; the workload's definition itself must be corrected"
    elif sig and sig.family in ("oom_kill", "memory_pressure", "cpu_saturation", "disk_full"):
        choice, why = MS.SCALING, f"{explain(sig)}; more headroom stops the failures while the cause is studied"
    else:
        choice, why = MS.WORKAROUND, "the evidence names no cause, so only a workaround that limits impact is justified"
        confidence = 0.2
    ranking = [choice] + [s for s in (MS.ROLLBACK, MS.CONFIGURATION_CHANGE, MS.HOTFIX, MS.SCALING, MS.WORKAROUND) if s != choice]
    if "rollback" in step.incident.guidance.lower() or "tight sla" in step.incident.guidance.lower():
        ranking.remove(MS.ROLLBACK)
        ranking.insert(0, MS.ROLLBACK)
    return MitigationRecommendation(recommended=choice, rationale=why[0].upper() + why[1:] + ".", ranking=ranking,
                                    rollback_plan=rollback_plan(step, choice), risk=risk(step, choice),
                                    citations=citations[:4], confidence=round(min(confidence, 0.95), 2))


def rollback_plan(step: Step, choice: MS) -> str:
    sus = suspect(step.analysis)
    if choice == MS.ROLLBACK and sus:
        diff = diff_summary(sus)
        return (f"Revert commit {sus.change.short} (`git revert {sus.change.short}`)"
                + (f", restoring {_restored(diff)}" if diff else "")
                + f", and redeploy {step.service} from the previous release. Roll out to one instance first; if the "
                "error rate does not fall within 5 minutes, stop and re-open the investigation. Undo: redeploy the "
                "current release (the reverted commit is kept in history).")
    if choice == MS.CONFIGURATION_CHANGE and sus and diff_summary(sus):
        return (f"Set {_restored(diff_summary(sus))} again on {step.service} (the values before "
                f"\"{sus.change.subject}\"), on one instance first; if the errors stop there within 5 minutes, apply it "
                f"everywhere. Undo: re-apply the change ({diff_summary(sus)}).")
    sig = primary(step.analysis)
    if choice in (MS.CONFIGURATION_CHANGE, MS.HOTFIX) and sig and sig.family in FAMILY_PLANS:
        return FAMILY_PLANS[sig.family](sig.detail, step.service)
    if choice == MS.CONFIGURATION_CHANGE:
        return ("Apply the corrected value to one instance, confirm it starts and serves, then the rest. Undo: restore "
                "the previous value from the config history.")
    if choice == MS.SCALING:
        return "Add capacity in one step (e.g. +50%), watch saturation and errors for 10 minutes. Undo: scale back."
    if choice == MS.HOTFIX:
        return "Fix the workload definition in a reviewed change, deploy to one replica first. Undo: redeploy the previous spec."
    return "Apply the workaround behind a flag or route so it can be switched off at once."


FAMILY_PLANS = {
    "cert_expiry": lambda d, svc: (f"Issue a new certificate, replace it in the secret or config map {svc} mounts, and "
                                   "restart one pod; when it starts and passes readiness, roll the rest. Undo: the old "
                                   "certificate is expired, so there is no safe way back; keep the previous secret "
                                   "version for audit only."),
    "missing_env": lambda d, svc: (f"Set `{d}` in {svc}'s deployment (env or the config map it reads), roll one pod "
                                   "and confirm it stays up past its previous crash point, then the rest. Undo: "
                                   "`kubectl rollout undo` to the previous revision."),
    "command_not_found": lambda d, svc: (f"Correct the container command `{d}`"
                                         + (f" to `{suggest_command(d)}`" if suggest_command(d) else "")
                                         + f" in {svc}'s spec, apply, and watch the pod leave CrashLoopBackOff. "
                                         "Undo: re-apply the previous manifest."),
}


def _restored(diff: str) -> str:
    """``DB_POOL_MAX_SIZE 50 -> 10`` -> ``DB_POOL_MAX_SIZE to 50``."""
    parts = []
    for pair in diff.split(", "):
        key, _, values = pair.partition(" ")
        parts.append(f"{key} to {values.split(' -> ')[0]}")
    return ", ".join(parts)


def risk(step: Step, choice: MS) -> str:
    sus = suspect(step.analysis)
    if choice == MS.ROLLBACK and sus:
        return (f"Low: the revert restores the state that ran without errors before {hm(sus.change.at)}. "
                "Check the reason given for the change first (the commit message) so the revert does not break what it was protecting.")
    return "Medium: the fix has not been tested in production; stage it on one instance."


def mitigation_recommendation(step: Step) -> None:
    rec = recommend(step)
    step.structured = rec.model_dump(mode="json")
    step.add(f"## Recommended mitigation: {rec.recommended.title} (confidence {rec.confidence:.0%})\n\n{rec.rationale}")
    if rec.citations:
        step.add("Evidence:\n" + "\n".join(f"- {cite(c)}" for c in rec.citations))
    step.add(f"**Plan and rollback:** {rec.rollback_plan}\n\n**Risk:** {rec.risk}")
    step.add("Other options, in order: " + ", ".join(s.title for s in rec.ranking[1:]) + ".")


def _chosen(step: Step) -> str:
    decisions = [d for d in step.incident.decisions if "mitigation" in d.gate or d.choice in {s.value for s in MS}]
    return decisions[-1].choice if decisions else ""


def mitigation_execution(step: Step) -> None:
    inc = step.incident
    choice = _chosen(step) or recommend(step).recommended.value
    strategy = MS(choice) if choice in {s.value for s in MS} else None
    title = strategy.title if strategy else choice
    step.add(f"## Execution record: {title}\n\n- Decided: " + (
        f"{inc.decisions[-1].decided_by or 'incident commander'} at {when(inc.decisions[-1].decided_at)}"
        + (" (auto-decided from the recommendation)" if inc.decisions[-1].auto else "") if inc.decisions else "no decision recorded yet"))
    plan = rollback_plan(step, strategy) if strategy else ""
    if plan:
        step.add(f"### Steps\n\n{plan}")
    step.add("warroom does not change production: whoever executes this records the outcome (succeeded / failed) "
             "on the timeline, which starts validation.")


def mitigation_time(step: Step) -> datetime | None:
    """When the mitigation took effect: its execution record, else the decision that chose it."""
    inc = step.incident
    if inc.mitigations:
        return inc.mitigations[-1].at
    if inc.mitigated_at:
        return inc.mitigated_at
    chosen = [d for d in inc.decisions if d.choice in {s.value for s in MS}]
    return chosen[-1].decided_at if chosen else None


def validation_result(step: Step) -> tuple[list[str], dict[str, object]]:
    """Table rows and the structured verdict (``passed`` is None when no evidence postdates the mitigation)."""
    a = step.analysis
    mitigated = mitigation_time(step)
    checks: dict[str, dict[str, object]] = {}
    rows = []
    for kind, label in (("error_rate", "error rate"), ("latency", "latency p95"), ("throughput", "throughput")):
        m: MetricFinding | None = a.metric(kind)
        if m is None:
            rows.append(f"| {label} | no series attached | | |")
            continue
        base = m.baseline or 0.0
        ok = m.latest <= base * 1.5 + 1e-9 if kind != "throughput" else m.latest >= base * 0.8
        checks[kind] = {"baseline": m.baseline, "latest": m.latest, "within_baseline": ok}
        rows.append(f"| {label} (`{m.name}`) | {m.baseline:g} | {m.latest:g} | {'yes' if ok else 'no'} |")
    ends = max([t for t in [a.last_at, *(m.ends_at for m in a.metrics)] if t], default=None)
    after = bool(mitigated and ends and ends >= mitigated + timedelta(minutes=MIN_AFTER_MITIGATION))
    passed = all(bool(c["within_baseline"]) for c in checks.values()) if after and checks else None
    return rows, {"passed": passed, "evidence_after_mitigation": after,
                  "mitigated_at": mitigated.isoformat() if mitigated else None,
                  "evidence_ends": ends.isoformat() if ends else None, "checks": checks}


def validation(step: Step) -> None:
    rows, verdict = validation_result(step)
    step.structured = verdict
    step.add("## Validation against baseline\n\n| signal | baseline | latest | within baseline |\n|---|---|---|---|\n" + "\n".join(rows))
    step.add(_verdict_text(verdict))


def _verdict_text(verdict: dict[str, object]) -> str:
    passed, ends, mitigated = verdict["passed"], verdict["evidence_ends"], verdict["mitigated_at"]
    if passed is None:
        return (f"**Not verified from data.** The evidence ends at {ends or 'an unknown time'}"
                + (f" and the mitigation dates from {mitigated}" if mitigated else ", and no mitigation is recorded")
                + f": attach metrics or logs covering at least {MIN_AFTER_MITIGATION} minutes after the mitigation and "
                "re-run this step. Until then, confirm on the live dashboards that the error rate, latency p95 and "
                "throughput are back at the baselines in the table.")
    return ("**Passed:** every signal is back within its baseline after the mitigation." if passed else
            "**Failed:** at least one signal is still off its baseline after the mitigation; do not resolve.")


def initial_mitigation(step: Step) -> None:
    rec = recommend(step)
    step.add(f"## Initial mitigation: {rec.recommended.title}\n\n{rec.rationale}\n\n{rec.rollback_plan}")
    step.add("Until it is applied: page the owning team, hold further deploys to "
             f"{step.service}, and keep the status page current. Preserve the logs attached as evidence.")


def fix_design(step: Step) -> None:
    a = step.analysis
    sus, sig = suspect(a), primary(a)
    step.add("## Fix design")
    if sus:
        diff = diff_summary(sus)
        step.add(f"Immediate: revert {sus.change.short}" + (f" ({diff})" if diff else "") + ". Permanent: if the change "
                 "had a real reason (the commit says: \"" + sus.change.subject + "\"), re-introduce it with the limit "
                 "sized from measured peak demand plus headroom, and land it through a canary.")
    elif sig:
        step.add(f"Correct the cause: {explain(sig)}. Make the fix a reviewed change to the workload definition.")
    else:
        step.add("No fix can be designed from the evidence: the cause is not established.")
    step.add("**Rollback capability:** the fix ships as one revertible change; the previous release stays deployable; "
             "rollback triggers are the validation thresholds (error rate above 1.5x baseline, p95 above 1.5x baseline, "
             "throughput below 0.8x baseline for 5 minutes).")


def deployment_validation(step: Step) -> None:
    a = step.analysis
    err, lat = a.metric("error_rate"), a.metric("latency")
    step.add(f"## Deployment and validation plan for {step.service}\n\n1. Canary: one instance (about 5-10% of traffic) with the fix for "
             "15 minutes.\n2. Health checks: readiness passes; no new error signature in its logs.\n3. Compare canary "
             "against the baseline" + (f" (error rate {err.baseline:g}, p95 {lat.baseline:g})" if err and lat else "")
             + ".\n4. Promote in two steps (50%, 100%) or switch blue-green once the canary is clean.\n"
             "5. Automatic rollback if any trigger below fires.")
    rows, verdict = validation_result(step)
    step.structured = verdict
    step.add("### Current signals against baseline\n\n| signal | baseline | latest | within baseline |\n|---|---|---|---|\n"
             + "\n".join(rows) + "\n\n" + _verdict_text(verdict))
    step.add("Rollback triggers: error rate above 1.5x baseline for 5 minutes; p95 latency above 1.5x baseline; "
             "any crash loop; the failing signature reappearing" + (f" (`{primary(a).title}`)" if primary(a) else "") + ".")
