"""Root cause: the 5 Whys chain (as far as the evidence reaches) and contributing factors."""

from __future__ import annotations

from warroom.agents.offline.signatures import suggest_command
from warroom.agents.offline.writers.common import (
    Step, change_line, cite, diff_summary, evidence_gaps, explain, headline, primary, ranked_hypotheses, saturated,
    sentence, suspect, when,
)
from warroom.data.answers import Citation, FiveWhys, Moment, MomentKind, Why


def five_whys_answer(step: Step) -> FiveWhys:
    """The chain: symptom -> signature -> saturation -> change -> process, stopping where evidence stops."""
    a = step.analysis
    sig, sus, sat = primary(a), suspect(a), saturated(a)
    whys: list[Why] = []
    own = [e for e in a.top_errors if step.service in e[2].detail]
    symptom = (own or a.top_errors or [None])[0]
    problem = f"{step.service} is failing" + (f" since {when(a.onset.at)}" if a.onset else "")
    if symptom:
        whys.append(Why(question=f"Why is {step.service} failing?",
                        answer=f"Its requests end in errors like `{symptom[2].detail[:160]}` ({symptom[1]} such lines).",
                        evidence=[symptom[2]]))
    crash = next((s for s in a.signatures if s.family == "crash_loop"), None)
    if crash and sig is not crash:
        whys.append(Why(question="Why is the workload not serving?", answer=sentence(explain(crash)), evidence=crash.citations[:2]))
    if sig and sig is not crash:
        whys.append(Why(question="Why do the requests or the container fail?", answer=sentence(explain(sig)),
                        evidence=sig.citations[:2]))
    elif sig:
        whys.append(Why(question="Why does it crash?", answer="The evidence names no more specific failure than the crash loop.",
                        evidence=sig.citations[:1]))
    for m in sat[:1]:
        whys.append(Why(question="Why is that resource exhausted?",
                        answer=f"`{m.name}` is {m.note}: demand above the limit queues and times out.", evidence=[m.citation]))
    if sus:
        diff = diff_summary(sus)
        limit = f" It changed {diff}." if diff else ""
        deploy = _deploy_line(step)
        whys.append(Why(question="Why is the limit where it is?" if sat else "Why did this start now?",
                        answer=f"{change_line(sus)} landed {sus.minutes_before_onset:.0f} min before the onset.{limit}",
                        evidence=[sus.change.cite(), *([deploy] if deploy else [])]))
        whys.append(Why(question="Why did that change reach production unchecked?",
                        answer=f"The commit message gives the intent (\"{sus.change.subject}\"); nothing in the evidence "
                               "shows a load test, a canary stage or an alert on pool saturation that would have caught it.",
                        evidence=[sus.change.cite()]))
    elif sig and sig.family == "command_not_found" and (guess := suggest_command(sig.detail)):
        whys.append(Why(question=f"Why is `{sig.detail}` not found?",
                        answer=f"No such executable exists in the image; `{sig.detail}` is a typo of `{guess}` in the "
                               "container command.", evidence=sig.citations[:1]))
    if sus:
        root = f"{change_line(sus)}" + (f" ({diff_summary(sus)})" if diff_summary(sus) else "") + \
               f", deployed without a capacity check; {explain(sig) if sig else 'the failures followed'}."
        ends = ("The evidence stops at the change: who reviewed it, and why the new limit was chosen, is not in the "
                "attached data and needs the review meeting.")
        confidence = 0.85
    elif a.hypotheses or a.not_incident or (sig and _chronology(a)):
        root, confidence, _ = headline(a)
        ends = ("How this was introduced is not in the evidence: "
                + ("no change history (git repository or changes file) was attached." if not a.changes else
                   "none of the attached changes correlates with it.")
                + " Ask the owning team what changed in the workload's spec, image or secrets.")
        if a.not_incident:
            ends = "Nothing is at fault: the alert is expected to fire at all times."
    elif sig:
        root = sentence(explain(sig))
        ends = ("How this was introduced is not in the evidence: "
                + ("no change history (git repository or changes file) was attached." if not a.changes else
                   "none of the attached changes correlates with it.")
                + " Ask the owning team what changed in the workload's spec, image or secrets.")
        confidence = sig.confidence * 0.9
    else:
        root = ""
        ends = "The evidence does not reach a cause: " + "; ".join(evidence_gaps(a)[:3] or ["no failure signature found"]) + "."
        confidence = 0.1
    return FiveWhys(problem=problem, whys=whys[:7], root_cause=root, evidence_ends=ends, confidence=round(confidence, 2),
                    moments=_moments(step))


def _moments(step: Step) -> list[Moment]:
    """What the evidence dates: the suspect change and the onset (the events date the response)."""
    a, sus = step.analysis, suspect(step.analysis)
    out = []
    if sus:
        out.append(Moment(kind=MomentKind.CHANGE, at=sus.change.at, what=f"{sus.change.kind} `{sus.change.short}` "
                          f"\"{sus.change.subject}\" by {sus.change.author}", evidence=[sus.change.cite()]))
    if a.onset:
        o = a.onset
        out.append(Moment(kind=MomentKind.ONSET, at=o.at, what=f"`{o.series}` left its baseline ({o.baseline:g} -> {o.after:g})",
                          evidence=[o.citation]))
    return out


def _deploy_line(step: Step) -> Citation | None:
    """A log line showing the changed setting live (e.g. ``maximumPoolSize.........10``), if the evidence has one."""
    sus = suspect(step.analysis)
    return sus.took_effect if sus else None


def five_whys(step: Step) -> None:
    answer = five_whys_answer(step)
    step.structured = answer.model_dump(mode="json")
    step.add(f"## 5 Whys\n\n**Problem:** {answer.problem}.")
    for n, why in enumerate(answer.whys, 1):
        ev = "".join(f"\n   - {cite(c)}" for c in why.evidence[:2])
        step.add(f"{n}. **{why.question}**\n   {why.answer}{ev}")
    step.add(f"**Root cause ({answer.confidence:.0%}):** {answer.root_cause or 'not established by the evidence.'}\n\n"
             f"**Where the evidence ends:** {answer.evidence_ends}")
    ranked = ranked_hypotheses(step.analysis)
    if len(ranked) > 1:
        step.add("### Hypotheses, ranked\n\n" + "\n".join(ranked))


def _chronology(a) -> bool:
    """Whether the headline is a chronology of separate problems on different days."""
    dated = [s for s in a.signatures if s.first_seen]
    return len({s.family for s in dated}) >= 3 and len({s.first_seen.date() for s in dated}) >= 3


def contributing_factors(step: Step) -> None:
    a = step.analysis
    sig, sus, sat = primary(a), suspect(a), saturated(a)
    people, process, technology, environment = [], [], [], []
    if sus:
        people.append(f"The change author could not see the effect of the new value: {change_line(sus)}. This is a "
                      "gap in the information available to them, not an individual failing.")
        process.append("No gate between merge and production exercised the changed setting under load (no canary "
                       "analysis or load test appears in the evidence).")
        if sus.config_change:
            process.append("A configuration-only change shipped through the same path as code, with less scrutiny "
                           "than its blast radius deserves.")
    for m in sat:
        technology.append(f"`{m.name}` {m.note}; requests queue behind the limit instead of failing fast.")
    if sig:
        technology.append(f"{explain(sig)[0].upper() + explain(sig)[1:]} ({sig.count} lines; {cite(sig.citations[0])}).")
    first_alert = a.alerts[0] if a.alerts else ""
    if a.onset and first_alert:
        process.append(f"Detection relied on a symptom alert ({first_alert}); nothing alerted on the saturating "
                       "resource first.")
    old = [s for s in a.signatures if s.new_after_onset is False]
    for s in old[:2]:
        environment.append(f"Background noise present before the onset: {explain(s)} (first {when(s.first_seen)}). It "
                           "did not cause this incident but makes new errors harder to spot.")
    if any(s.family in ("cert_expiry",) for s in a.signatures):
        process.append("Certificate renewal is not automated or not monitored for upcoming expiry.")
    if any(s.family in ("missing_env", "command_not_found") for s in a.signatures):
        process.append("The workload's spec is not validated before rollout (command and required variables).")
    if not environment:
        environment.append("Nothing in the evidence points to an environmental factor (traffic, region, dependency).")
    if not people:
        people.append("The evidence says nothing about who made which decision; leave this for the review meeting.")
    for title, items in (("People", people), ("Process", process or ["No process factor is evidenced."]),
                         ("Technology", technology or ["No technology factor is evidenced."]), ("Environment", environment)):
        step.add(f"### {title}\n\n" + "\n".join(f"- {i}" for i in items))
