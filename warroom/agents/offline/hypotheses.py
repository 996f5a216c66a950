"""Ranked hypotheses: every candidate cause with its evidence, ranked, the first being the conclusion.

Sources of candidates: the Kubernetes facts (:mod:`.kube_causes`), the log signatures, failed
jobs joined to their pods' logs, alerts whose condition the evidence explains (CPU throttling
against a CPU limit), status documents that report a fault, and a chronology of separate
problems. Ranking rules, in order: a cause about the object the incident names outranks one
about a bystander; a symptom never outranks a cause that explains it; a signature that is new
after the onset outranks background that was already there; then confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from warroom.agents.offline.findings import Hypothesis, LogLine, Signature
from warroom.agents.offline.kube_causes import cite_at, kube_hypotheses, merged
from warroom.agents.offline.signatures import workload
from warroom.data.answers import Citation
from warroom.data.evidence.kube import KubeFacts, KubeObject
from warroom.data.models import NormalisedAlert

ALWAYS_FIRING = re.compile(r"^(?:watchdog|infoinhibitor|deadmans?switch|dead ?man'?s ?switch|heartbeat|always[-_ ]?firing)$",
                           re.I)
_ERRORISH = re.compile(r"\b(?:error|fatal|exception|failed|failure|panic|not found|denied|refused|unexpected|"
                       r"cannot|can't|unable|invalid|traceback)\b|\w(?:Error|Exception)\b", re.I)
_NAME_TOKEN = re.compile(r"[a-z0-9][a-z0-9.-]{2,}[a-z0-9]", re.I)
_SYMPTOM_FAMILIES = {"crash_loop", "unbound_claim", "job_failed"}


@dataclass
class Subject:
    """What the incident is about: names from the alerts' subject and labels and from the title."""

    names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, title: str, service: str, alerts: Iterable[NormalisedAlert]) -> Subject:
        names = {t.lower() for t in _NAME_TOKEN.findall(title) if "-" in t or len(t) >= 5}
        names |= {service.lower()} if service else set()
        for alert in alerts:
            for key in ("pod", "subject_name", "job", "job_name", "deployment", "statefulset", "daemonset",
                        "persistentvolumeclaim", "container", "service"):
                value = alert.labels.get(key, "")
                if value:
                    names.add(value.lower())
        return cls({n for n in names if n not in _COMMON})

    def matches(self, name: str) -> bool:
        low = name.lower()
        base = workload(low)
        return any(n == low or n == base or (len(n) >= 4 and (low.startswith(n + "-") or n.startswith(base + "-")))
                   or (n == low.split("/")[-1]) for n in self.names)


_COMMON = {"investigate", "alert", "what", "issue", "with", "the", "pod", "namespace", "default", "subject",
           "container", "crashing", "healthy", "show", "logs", "since", "last", "thursday", "problem", "failing",
           "investigation", "incident", "outage", "error", "errors"}


def _enrich(sig: Signature, objects: list[KubeObject]) -> tuple[str, Citation | None]:
    """The object a signature is about (the pod whose container state or command mentions its detail)."""
    if not sig.detail:
        return "", None
    for obj in objects:
        for c in obj.containers:
            said = " ".join([c.state.message, c.last_state.message, c.full_command])
            if sig.detail in said:
                where = f"container `{c.name}` of {obj.kind.lower()} `{obj.name}`"
                cite = cite_at(obj, c.line_no, f"{c.name}: command `{c.full_command[:160]}`") if c.full_command else None
                return where, cite
    return "", None


_CALL_POD = re.compile(r"\b(?:pod_name|pod|name)=([a-z0-9][a-z0-9.-]{2,})")


def _logged_by(sig: Signature, source_names: dict[str, str]) -> str:
    """The pod whose logs a signature's lines come from, when the recorded tool call names it."""
    for c in sig.citations:
        described = source_names.get(c.source.rsplit(":", 1)[0], "")
        if "log" in described and (m := _CALL_POD.search(described)):
            return f"pod `{m.group(1)}`"
    return ""


def _logged_in(sig: Signature) -> str:
    """Who logs a signature's lines when no object names it: its service(s), else its log file."""
    if sig.services:
        return "service " + " and ".join(f"`{name}`" for name in sig.services[:2])
    files = list(dict.fromkeys(c.source.rsplit(":", 1)[0] for c in sig.citations if c.source))
    return ("the log " + " and ".join(f"`{name}`" for name in files[:2])) if files else ""


def signature_hypotheses(signatures: list[Signature], objects: list[KubeObject], explain,
                         source_names: dict[str, str] | None = None) -> list[Hypothesis]:
    out = []
    for sig in signatures:
        where, cite = _enrich(sig, objects)
        if not where and source_names:
            where = _logged_by(sig, source_names)
        if not where:
            where = _logged_in(sig)
        text = explain(sig)
        statement = f"In {where}, {text}" if where else text
        out.append(Hypothesis(
            family=sig.family, subject=where or ", ".join(sig.services[:2]), statement=_sentence(statement),
            confidence=sig.confidence, evidence_for=[*sig.citations[:3], *([cite] if cite else [])],
            symptom=sig.family in _SYMPTOM_FAMILIES, new_after_onset=sig.new_after_onset,
            explains=f"{sig.count} line{'s' if sig.count != 1 else ''}"))
    return out


def job_hypotheses(objects: list[KubeObject], error_lines: dict[str, list[LogLine]],
                   source_names: dict[str, str]) -> list[Hypothesis]:
    """A failed job: its pods' exit code and the error line their logs end on, with the command."""
    out = []
    for job in (o for o in objects if o.kind == "Job"):
        statuses = job.fields.get("Pods Statuses", "")
        failed = re.search(r"(\d+) Failed", statuses)
        pods = [o for o in objects if o.kind == "Pod" and (o.fields.get("Controlled By") == f"Job/{job.name}"
                                                           or o.name.startswith(job.name + "-"))]
        codes = sorted({c.state.exit_code for p in pods for c in p.containers if c.state.exit_code not in (None, 0)})
        if not (failed and int(failed.group(1))) and not codes:
            continue
        tails = {p.name.rsplit("-", 1)[-1] for p in pods} | {job.name}
        sources = [found for source, found in error_lines.items() if any(t in source_names.get(source, source) for t in tails)]
        lines = [found[-1] for found in sources]  # the line each pod's log ends on: what it died of
        command = next((c.full_command for c in job.containers + [c for p in pods for c in p.containers] if c.full_command), "")
        said = max(reversed([line.message for line in lines]), key=lambda m: sum(x.message == m for x in lines), default="")
        limit = job.fields.get("Backoff Limit", "")
        counts = f"{failed.group(1)} pods failed" if failed else "its pods failed"
        text = (f"Job `{job.name}`{' (namespace ' + job.namespace + ')' if job.namespace else ''} failed ({counts}"
                f"{', backoff limit ' + limit if limit else ''}): its command `{command[:200]}` exits"
                f"{' with code ' + ', '.join(map(str, codes)) if codes else ''}"
                + (f", and the pods' logs end on `{said[:200]}`." if said else "; the pods' logs say nothing more."))
        cites = [cite_at(job, job.line_no, f"Pods Statuses: {statuses}")]
        cites += [line.cite() for line in lines if line.message == said][:2]
        out.append(Hypothesis(family="job_failed", subject=f"job {job.namespace}/{job.name}".replace(" /", " "),
                              statement=text, confidence=0.9 if said else 0.6, evidence_for=cites,
                              explains="explains the job's failed pods" + ("" if said else "; the failing step is not logged")))
    return out


def throttling_hypotheses(alerts: list[NormalisedAlert], objects: list[KubeObject], top_rows) -> list[Hypothesis]:
    """A CPU-throttling alert explained by the container's CPU limit (and its usage, when ``top`` shows it)."""
    out = []
    for alert in alerts:
        words = f"{alert.title} {alert.labels.get('alertname', '')} {alert.annotations.get('description', '')}"
        if "throttl" not in words.lower():
            continue
        name = alert.labels.get("pod") or alert.labels.get("subject_name", "")
        container = alert.labels.get("container") or alert.labels.get("subject_container", "")
        for obj in objects:
            if obj.kind != "Pod" or (name and obj.name != name):
                continue
            for c in obj.containers:
                if container and c.name != container:
                    continue
                limit, request = c.limits.get("cpu"), c.requests.get("cpu")
                if not limit:
                    continue
                usage = next((r.get("CPU(cores)") for r in top_rows if r.get("NAME") == obj.name and r.get("CPU(cores)")), "")
                runs = f" while it runs `{c.full_command[:120]}`" if c.full_command else ""
                text = (f"Container `{c.name}` of pod `{obj.name}` is CPU-throttled ({alert.title.rstrip('.')}"
                        f"{': ' + alert.annotations['description'].rstrip('.') if alert.annotations.get('description') else ''}): "
                        f"its CPU limit is {limit}{' (request ' + request + ')' if request else ''}{runs}"
                        f"{', using ' + usage if usage else ''}; raise limits.cpu or reduce its CPU demand.")
                out.append(Hypothesis(family="cpu_throttling", subject=obj.ref, statement=text, confidence=0.9,
                                      evidence_for=[cite_at(obj, c.line_no, f"{c.name}: Limits cpu {limit}"),
                                                    Citation(source="alert", detail=words.strip()[:240])]))
    return out


def always_firing(alerts: list[NormalisedAlert]) -> str:
    """Why the alerts are not an incident, when every one of them is an always-firing alert ('' otherwise)."""
    if not alerts:
        return ""
    names = [a.labels.get("alertname") or a.title for a in alerts]
    if all(ALWAYS_FIRING.match(re.sub(r"[\s.:]+$", "", str(n)).strip()) for n in names):
        shown = ", ".join(sorted(set(map(str, names))))
        return (f"{shown} is an always-firing alert: it fires while the alerting pipeline works, to prove that it "
                "works; it is not an incident, and nothing is at fault. Silence or route it, do not investigate it.")
    return ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".") if text else ""


def rank(hypotheses: list[Hypothesis], subject: Subject) -> list[Hypothesis]:
    """Best first, each with its score and a note saying why it ranks there."""
    causes = [h for h in hypotheses if not h.symptom]
    for h in hypotheses:
        h.on_subject = bool(subject.names) and any(subject.matches(part.strip("`(),")) for part in
                                                   re.split(r"[\s/]+", h.subject) if part)
        score = h.confidence + (0.3 if h.on_subject else 0.0)
        notes = []
        if h.symptom and causes:
            score -= 0.5
            notes.append("a symptom: what causes it is in the evidence")
        if h.new_after_onset is True:
            score += 0.15
        elif h.new_after_onset is False:
            score -= 0.35
            notes.append("background: already present before the onset")
        if subject.names and not h.on_subject:
            notes.append("not about the object the incident names")
        h.score = round(score, 3)
        h.rank_note = "; ".join(notes)
    ordered = sorted(hypotheses, key=lambda h: (-h.score, h.family, h.statement))
    unique: list[Hypothesis] = []
    for h in ordered:
        if not any(h.statement == u.statement for u in unique):
            unique.append(h)
    kept = unique[:8]
    for n, h in enumerate(kept):
        h.evidence_against = _against(h, kept[:n], causes, subject)
    return kept


def _family(h: Hypothesis) -> str:
    return h.family.replace("_", " ")


def _against(h: Hypothesis, above: list[Hypothesis], causes: list[Hypothesis], subject: Subject) -> list[str]:
    """What in the evidence speaks against ``h`` (or ranks it below ``above``), one clause each."""
    out: list[str] = []
    if h.symptom:
        cause = next((c for c in above if not c.symptom), None) or next((c for c in causes if c is not h), None)
        if cause is not None:
            out.append(f"it is a symptom: the evidence shows a cause behind it ({_family(cause)} of "
                       f"{cause.subject or 'the failing service'}, {cause.confidence:.0%})")  # fmt: skip
    if h.new_after_onset is False:
        out.append("it was already in the logs before the onset, so it did not start the incident (background)")
    if subject.names and h.subject and not h.on_subject:
        names = ", ".join(sorted(subject.names)[:3])
        out.append(f"it is about {h.subject}, while the incident names {names}")
    same = next((c for c in above if not c.symptom and c.subject and c.subject == h.subject and not h.symptom), None)
    if same is not None:
        out.append(f"{same.subject} has a better-supported cause ({_family(same)}, {same.confidence:.0%})")
    if not h.evidence_for:
        out.append("no line of the attached evidence shows it directly")
    return out


def build(facts: KubeFacts, signatures: list[Signature], alerts: list[NormalisedAlert], subject: Subject, explain,
          error_lines: dict[str, list[LogLine]], source_names: dict[str, str],
          extra: list[Hypothesis]) -> list[Hypothesis]:
    """All hypotheses, ranked."""
    objects = merged(facts)
    found = kube_hypotheses(facts)
    covered = {c.source for h in found if not h.symptom for c in h.evidence_for}
    found += [h for h in signature_hypotheses(signatures, objects, explain, source_names)  # a line a Kubernetes cause already reads
              if not h.evidence_for or not all(c.source in covered for c in h.evidence_for)]
    found += job_hypotheses(objects, error_lines, source_names)
    found += throttling_hypotheses(alerts, objects, facts.rows)
    found += extra
    return rank(found, subject)


def errorish(message: str) -> bool:
    return bool(_ERRORISH.search(message))
