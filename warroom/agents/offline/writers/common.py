"""What every writer needs: the step's context, the diagnosis, and how to cite evidence in markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.agents.backend import StepRequest
from warroom.agents.offline.findings import Analysis, MetricFinding, Signature, Suspect
from warroom.agents.offline.signatures import suggest_command
from warroom.data.answers import Citation
from warroom.data.models import Incident

# Families that name a cause by themselves, most specific first; the rest are symptoms or context.
SPECIFIC = ("command_not_found", "missing_env", "cert_expiry", "image_pull", "oom_kill", "disk_full", "pool_exhaustion",
            "dns_failure", "query_error", "auth_failure", "dependency_unavailable", "memory_pressure", "cpu_saturation",
            "crash_loop", "exception")
CUSTOMER_FACING = re.compile(r"checkout|payment|login|auth|cart|order|api|edge|gateway|web|frontend|signup|search", re.I)
EXTERNAL = ("dependency_unavailable", "dns_failure")


@dataclass
class Step:
    """One step's inputs: the request, the analysis of the evidence, and the incident."""

    request: StepRequest
    analysis: Analysis
    structured: dict[str, Any] | None = None
    sections: list[str] = field(default_factory=list)

    @property
    def incident(self) -> Incident:
        return self.request.incident

    @property
    def next_update(self) -> str:
        """When the next update is promised, as the policy sets it ("within 15 minutes")."""
        from warroom.data.drafts import spoken_duration

        every = self.request.update_every
        return f"within {spoken_duration(every)}" if every is not None else "when there is news"

    @property
    def service(self) -> str:
        return self.analysis.failing_service or self.incident.service or "the affected service"

    def earlier(self, *needles: str) -> str:
        """An earlier step's output whose step id contains one of ``needles`` ('' if none)."""
        for step_id, text in self.request.inputs.items():
            if any(n in step_id for n in needles):
                return text
        return ""

    def recorded(self, step_name: str) -> dict[str, Any] | None:
        """The structured answer an earlier step recorded on the timeline (by step id), if it is an input here."""
        return next((v for k, v in self.request.structured_inputs.items() if step_name in k), None)

    def add(self, text: str) -> None:
        self.sections.append(text.strip())


def when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}Z" if at else "an unknown time (no timestamps)"


def hm(at: datetime | None) -> str:
    return f"{at:%H:%M}Z" if at else "?"


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else ""


def cite(c: Citation) -> str:
    detail = c.detail.replace("`", "'")
    return f"`{c.source}`" + (f" — `{detail[:240]}`" if detail else "")


def cites(items: list[Citation], limit: int = 3) -> str:
    return "\n".join(f"  - {cite(c)}" for c in items[:limit])


def primary(a: Analysis) -> Signature | None:
    """The most specific signature, preferring those new since the onset."""
    ordered = sorted(a.signatures, key=lambda s: (s.new_after_onset is False, SPECIFIC.index(s.family) if s.family in SPECIFIC else 99))
    return ordered[0] if ordered else None


def saturated(a: Analysis) -> list[MetricFinding]:
    return [m for m in a.metrics if m.saturated_at is not None]


def suspect(a: Analysis) -> Suspect | None:
    """The prime suspect change, only if it overlaps what the new signatures name."""
    s = a.prime_suspect
    return s if s and s.overlap else None


def explain(sig: Signature) -> str:
    """One sentence naming what the signature means, in the engineer's words."""
    d = sig.detail
    if sig.family == "crash_loop":
        return f"`{d or 'the pod'}` is in CrashLoopBackOff: its container exits on start and the kubelet keeps backing off restarts"
    if sig.family == "command_not_found":
        guess = suggest_command(d)
        typo = f"; `{d}` is most likely a typo of `{guess}`" if guess else ""
        return f"the container's command `{d}` is not found in the image (executable not in $PATH){typo}"
    if sig.family == "missing_env":
        return f"the environment variable `{d}` is missing (undefined) when the process starts, and it exits"
    if sig.family == "cert_expiry":
        return f"the SSL/TLS certificate {d}" if d else "the SSL/TLS certificate expired"
    if sig.family == "pool_exhaustion":
        said = " ".join(c.detail for c in sig.citations).lower()
        if "remaining connection slots are reserved" in said or "too many clients already" in said:
            return ("the PostgreSQL server refuses new connections: every connection slot is taken (max_connections "
                    "reached: \"remaining connection slots are reserved\" / \"too many clients already\")")
        if "too many connections" in said:
            return "the MySQL server refuses new connections: max_connections is reached (\"Too many connections\")"
        return (f"requests cannot get a database connection from {d or 'the connection pool'} and time out: "
                "the connection pool is exhausted")
    if sig.family == "oom_kill":
        return "the process is killed for running out of memory (OOM kill)"
    if sig.family == "memory_pressure":
        return "the application is under memory pressure (usage above its soft limit)"
    if sig.family == "cpu_saturation":
        return "CPU usage is far above the allocation (high CPU)"
    if sig.family == "dns_failure":
        return f"DNS resolution fails{' for `' + d + '`' if d else ''}"
    if sig.family == "auth_failure":
        return "a burst of authentication failures"
    if sig.family == "disk_full":
        return "the disk is full (no space left on device)"
    if sig.family == "image_pull":
        return "the container image cannot be pulled"
    if sig.family == "query_error":
        return f"a database query fails with a syntax error{' (query ' + d + ')' if d else ''}"
    if sig.family == "exception":
        thrown = "a Go panic" if d == "panic" else f"`{d}` is thrown"
        where = f" at `{sig.where}`" if sig.where else ""
        said = f" ({sig.said.rstrip('.')})" if sig.said else ""
        return f"{thrown}{where}{said}"
    if sig.family == "dependency_unavailable":
        said = " ".join(c.detail for c in sig.citations).lower()
        target = f"`{d}`" if d else "a dependency"
        if "refused" in said or "econnrefused" in said:
            return f"{target} refuses connections (connection refused: nothing listens there, or it is down)"
        if "reset by peer" in said:
            return f"{target} resets its connections (connection reset by peer)"
        if "timed out" in said or "deadline exceeded" in said:
            return f"calls to {target} time out"
        return f"{target} is unavailable" if d else "a dependency is unavailable or timing out"
    return sig.title


def change_line(s: Suspect) -> str:
    c = s.change
    keys = f", keys {', '.join(c.keys[:4])}" if c.keys else ""
    files = f" ({', '.join(c.files[:3])}{keys})" if c.files else keys
    return f"{c.kind} `{c.short}` \"{c.subject}\" by {c.author} at {when(c.at)}{files}"


def diff_summary(s: Suspect) -> str:
    """``DB_POOL_MAX_SIZE 50 -> 10`` style summary of the changed keys, from the diff lines."""
    removed = {m.group(1): m.group(2).strip() for line in s.change.diff_lines
               if (m := re.match(r"^-\s*([\w.-]+)\s*[:=]\s*(.+)$", line))}
    added = {m.group(1): m.group(2).strip() for line in s.change.diff_lines
             if (m := re.match(r"^\+\s*([\w.-]+)\s*[:=]\s*(.+)$", line))}
    pairs = [f"{k} {removed[k]} -> {added[k]}" for k in added if k in removed and removed[k] != added[k]]
    return ", ".join(pairs[:4])


def headline(a: Analysis) -> tuple[str, float, list[Citation]]:
    """The cause as far as the evidence supports it: (sentence, confidence, citations)."""
    sig, sus = primary(a), suspect(a)
    if sus and sig:
        diff = diff_summary(sus)
        what = f" ({diff})" if diff else ""
        return (f"{change_line(sus)}{what} landed {sus.minutes_before_onset:.0f} min before the onset; since then "
                f"{explain(sig)}.", min(0.9, 0.5 + sus.score / 2), [sus.change.cite(), *sig.citations[:2]])
    if a.not_incident:
        return a.not_incident, 0.9, []
    dated = sorted((s for s in a.signatures if s.first_seen), key=lambda s: s.first_seen)  # type: ignore[arg-type, return-value]
    if sig and len({s.family for s in dated}) >= 3 and len({s.first_seen.date() for s in dated}) >= 3:  # type: ignore[union-attr]
        latest = dated[-1]
        days = "; ".join(f"{s.first_seen:%Y-%m-%d} {explain(s)}" for s in dated)
        return (f"The logs show {len(dated)} separate problems on different days, not one failure: {days}. The most "
                f"recent is the one to act on first: {explain(latest)}.", latest.confidence * 0.9, latest.citations[:2])
    top = a.hypotheses[0] if a.hypotheses else None
    if top and not top.symptom:
        return top.statement, top.confidence, top.evidence_for[:3]
    if sig:
        sigs = [s for s in a.signatures if s.family in ("command_not_found", "missing_env", "cert_expiry")]
        extra = [s for s in sigs if s is not sig]
        text = explain(sig) + "".join(f"; {explain(s)}" for s in extra[:2])
        crash = next((s for s in a.signatures if s.family == "crash_loop" and s is not sig), None)
        if crash:
            text = f"{explain(crash)}, because {text}"
        return text[0].upper() + text[1:] + ".", sig.confidence, sig.citations[:3]
    if top:
        return top.statement, top.confidence, top.evidence_for[:3]
    sat = saturated(a)
    if sat:
        return f"`{sat[0].name}` is {sat[0].note}.", 0.5, [sat[0].citation]
    return ("The evidence attached so far does not establish a cause: no recognised failure signature, no saturated "
            "resource and no change that correlates with the onset.", 0.1, [])


def ranked_hypotheses(a: Analysis, limit: int = 5) -> list[str]:
    """The candidate causes, best first, each with its confidence, evidence for it and why it ranks there."""
    lines = []
    for n, h in enumerate(a.hypotheses[:limit], 1):
        kind = " (a symptom)" if h.symptom else ""
        evidence = "; ".join(cite(c) for c in h.evidence_for[:2]) or "no citation"
        label = "Against (why it ranks lower)" if n > 1 else "Against"
        against = f" {label}: {'; '.join(h.evidence_against)}." if h.evidence_against else ""
        covers = f" Explains: {h.explains}." if h.explains else ""
        lines.append(f"{n}. **{h.confidence:.0%}**{kind} {h.statement} Evidence: {evidence}.{covers}{against}")
    return lines


def problems_by_date(a: Analysis) -> list[str]:
    """Every recognised signature as a dated line with its citation (the chronology)."""
    lines = []
    for sig in sorted(a.signatures, key=lambda s: (s.first_seen is None, s.first_seen.isoformat() if s.first_seen else "")):
        status = "" if sig.new_after_onset is None else (" — new since the onset" if sig.new_after_onset else " — already present before the onset")
        day = f"{sig.first_seen:%Y-%m-%d %H:%M}Z" if sig.first_seen else "undated"
        lines.append(f"- **{day}** {explain(sig)} ({sig.count} line{'s' if sig.count != 1 else ''}{status}); "
                     f"first at {cite(sig.citations[0]) if sig.citations else 'no citation'}")
    return lines


def evidence_gaps(a: Analysis) -> list[str]:
    """Where the evidence runs out, said plainly."""
    gaps = []
    if not a.lines_read:
        gaps.append("no log lines were attached")
    if not a.metrics:
        gaps.append("no metric series were attached, so saturation and baselines rest on logs alone")
    if not a.changes:
        gaps.append("no change history (git repository or changes file) was attached, so no change can be tied to the onset")
    if a.onset is None and a.lines_read:
        gaps.append("no onset was found: the error rate and metrics did not leave their baseline in the attached window")
    gaps += a.problems[:12]
    return gaps
