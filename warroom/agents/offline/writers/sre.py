"""SRE-playbook tasks: observability sweep, security assessment, performance analysis, monitoring, hardening."""

from __future__ import annotations

import re

from warroom.agents.offline.analysis import template_of
from warroom.agents.offline.writers.common import Step, cite, explain, hm, primary, saturated, suspect, when
from warroom.agents.offline.writers.review import actions
from warroom.data.models import Horizon

_SECRET_HINT = re.compile(r"password|secret|token|api[_-]?key|private key|credential", re.I)


def observability_sweep(step: Step) -> None:
    a = step.analysis
    step.add(f"## Observability sweep\n\n- **Logs:** {a.lines_read} lines, {len(a.services)} services "
             f"({', '.join(a.services[:6]) or 'none named'}), {when(a.first_at)} to {when(a.last_at)}.\n"
             f"- **Metrics:** {len(a.metrics)} series.\n- **Alerts:** {len(a.alerts)}.\n- **Changes:** {len(a.changes)}.")
    if a.onset:
        step.add(f"Symptom onset: {a.onset.series} at {when(a.onset.at)}. Series that moved, in order: "
                 + ", ".join(f"`{o.series.split('{')[0]}` at {hm(o.at)}" for o in sorted(a.metric_onsets, key=lambda o: o.at)[:5]) + ".")
    if a.top_errors:
        step.add("Top error signatures:\n" + "\n".join(f"- {n} × `{t[:100]}` ({cite(c)})" for t, n, c in a.top_errors[:5]))
    blind = []
    if not a.metric("connections") and any(s.family == "pool_exhaustion" for s in a.signatures):
        blind.append("no connection-pool metrics, although the logs show pool timeouts")
    if not a.metric("latency"):
        blind.append("no latency series")
    if not a.changes:
        blind.append("no deploy or change history")
    if blind:
        step.add("Blind spots: " + "; ".join(blind) + ".")


def security_assessment(step: Step) -> None:
    a = step.analysis
    auth = [s for s in a.signatures if s.family == "auth_failure"]
    findings = []
    for s in auth:
        findings.append(f"{s.count} authentication failures between {when(s.first_seen)} and {when(s.last_seen)} "
                        f"({cite(s.citations[0])}). " + ("They predate the onset, so they are background, not this incident."
                                                          if s.new_after_onset is False else "Review the sources of these requests."))
    if any(s.family == "cert_expiry" for s in a.signatures):
        findings.append("An expired certificate: clients that skip verification to work around it would be exposed.")
    leaked = [c for c in a.top_errors if _SECRET_HINT.search(c[2].detail)]
    if leaked:
        findings.append(f"Log lines mention credentials ({cite(leaked[0][2])}); check the logs for secrets before sharing them.")
    step.add("## Security assessment\n\n" + ("\n".join(f"- {f}" for f in findings) if findings else
             "- Nothing in the evidence indicates a security incident: no authentication-failure burst, no unexpected "
             "access pattern, no credential in the error lines."))
    sus = suspect(a)
    step.add("The likely trigger is " + (f"an internal change by {sus.change.author} ({sus.change.short}), not an attacker."
                                         if sus else "not established; treat the security question as open until it is."))
    step.add("Preserve: keep the attached logs and the repository state unchanged until the review is done.")


def performance_analysis(step: Step) -> None:
    a = step.analysis
    step.add("## Performance analysis")
    rows = [f"| `{m.name.split('{')[0]}` | {m.kind} | {m.baseline:g} | {m.latest:g} | {m.peak:g} |" for m in a.metrics]
    if rows:
        step.add("| series | kind | baseline | latest | peak |\n|---|---|---|---|---|\n" + "\n".join(rows))
    sat = saturated(a)
    if sat:
        step.add("Bottleneck: " + "; ".join(f"`{m.name}` {m.note}" for m in sat) + ". Requests wait on this limit; "
                 "compute is " + (a.metric("cpu").note if a.metric("cpu") else "not measured") + ".")
    else:
        step.add("No resource in the evidence is pinned at a limit.")
    sig = primary(a)
    if sig and sig.family == "pool_exhaustion":
        step.add("Latency and errors share one cause: each failed request waits the full 30 s acquisition timeout "
                 "before it fails, holding a worker thread, so latency p95 sits at the timeout.")


def monitoring_enhancements(step: Step) -> None:
    picked = [x for x in actions(step).actions if "lert" in x.title or x.horizon == Horizon.IMMEDIATE]
    step.add("## Monitoring and alert enhancements\n\n" + "\n".join(f"- **{x.title}** — {x.reason}" for x in picked))
    sig = primary(step.analysis)
    if sig and sig.citations:
        step.add(f"Log-based alert pattern to add: `{template_of(sig.citations[0].detail)[:160]}` "
                 "(more than 5 per minute for 2 minutes).")


def system_hardening(step: Step) -> None:
    a = step.analysis
    items = []
    if any(s.family == "pool_exhaustion" for s in a.signatures):
        items += ["Fail fast: cut the pool acquisition timeout from 30 s to about 2 s so a saturated pool sheds load "
                  "instead of holding threads.", "Bulkhead the pool per endpoint class (checkout vs browsing).",
                  "Guard capacity settings with a lower bound in config validation."]
    for s in a.signatures:
        if s.family in ("missing_env", "command_not_found", "crash_loop"):
            items.append(f"Start-up validation and readiness gates so a bad spec never reaches all replicas ({explain(s)}).")
            break
    if any(s.family == "cert_expiry" for s in a.signatures):
        items.append("Automated certificate rotation with expiry monitoring.")
    sus = suspect(a)
    if sus:
        items.append(f"Progressive delivery for config changes like {sus.change.short}: canary, automated analysis, auto-rollback.")
    step.add("## System hardening\n\n" + ("\n".join(f"- {i}" for i in items) or "- The evidence suggests no hardening "
             "beyond the preventive actions."))
