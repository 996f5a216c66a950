"""The post-incident review's template context: each section's facts as plain text, worked out once.

The template only lays these out and escapes them; which facts go where, and
how an unknown is said (once, with its reason), is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.data.answers import Citation
from warroom.data.export.comms import Communication
from warroom.data.export.pir import (
    action_gaps,
    action_rows,
    authors,
    detection,
    impact_rows,
    key_events,
    onset,
    stats,
    summary,
    trigger,
)
from warroom.data.export.record import Record
from warroom.data.export.sections import draft_sections

#: The review's judgement sections: (section key, how the PIR names it).
JUDGEMENTS = (("went_well", "what went well"), ("could_improve", "what went wrong"), ("lucky", "where we got lucky"))
EVIDENCE_SHOWN = 4


@dataclass(frozen=True)
class CommsLine:
    path: str
    title: str
    count: int
    first: datetime


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


def _pairs(values: dict[str, str]) -> str:
    return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(values.items()))


def evidence(rec: Record) -> list[Citation]:
    """The 5 Whys' citations, each source once, in chain order (at most :data:`EVIDENCE_SHOWN`)."""
    if rec.five_whys is None:
        return []
    seen: dict[str, Citation] = {}
    for why in rec.five_whys.whys:
        for citation in why.evidence:
            seen.setdefault(citation.source, citation)
    return list(seen.values())[:EVIDENCE_SHOWN]


def detection_text(rec: Record) -> list[str]:
    """How and when the incident was detected, in sentences."""
    i = rec.incident
    out = [f"Detection: {i.detection_method or 'method not recorded'}" + (f", reported by {i.reporter}." if i.reporter else ".")]
    start = onset(rec)
    if start is not None:
        out.append(f"The evidence puts the onset at {_hm(start)}.")
    alert = next((e for e in rec.events if e.kind == "alert.received"), None)
    if alert is not None:
        out.append(f"The first alert, {alert.alert.title}, fired at {_hm(alert.alert.started_at or alert.at)}.")  # type: ignore[attr-defined]
    declared = rec.events[0]
    out.append(f"{declared.actor} declared the incident at {_hm(declared.at)}.")
    if start is not None:
        out.append(f"Time to detect: {stats(rec)[1].value}.")
    return out


def response_text(rec: Record) -> list[str]:
    """What was chosen and why, when it was applied and when it was validated, one line each."""
    i = rec.incident
    out = []
    if rec.recommendation is not None:
        r = rec.recommendation
        out.append(f"The agents recommended {r.recommended.title.lower()} ({r.confidence:.0%} confidence): {r.rationale.strip()}")
    for d in i.decisions:
        if "mitigat" in d.gate.lower():
            by = f"{d.decided_by}, auto-decided" if d.auto else d.decided_by
            why = f": {d.rationale.strip()}" if d.rationale.strip() else ""
            out.append(f"Chosen at {_hm(d.decided_at)}: {d.choice.replace('_', ' ')} ({by}){why}")
    for m in i.mitigations:
        details = f" ({m.details.strip()})" if m.details.strip() else ""
        out.append(f"{m.strategy.title} at {_hm(m.at)} by {m.by or 'unknown'}: {m.outcome}{details}")
        if m.validation:
            out.append(f"Validated at {_hm(m.at)}: {_pairs(m.validation)}")
    if i.resolved_at is not None:
        text = f"Resolved at {_hm(i.resolved_at)}" + (f": {i.resolution.strip()}" if i.resolution.strip() else "")
        if i.resolution_validation:
            text += f" (checked: {_pairs(i.resolution_validation)})"
        out.append(text)
    if not i.mitigations and i.resolved_at is None:
        out.append("No mitigation is recorded yet.")
    return out


def comms_lines(comms: dict[str, Communication]) -> list[CommsLine]:
    """One line per communications file that holds something published."""
    out = []
    for path, c in comms.items():
        published = [p for p in c.published if not p.drafted]
        if published:
            out.append(CommsLine(path, c.title, len(published), min(p.at for p in published)))
    return out


def drafted_sections(rec: Record) -> dict[str, str]:
    """Review sections found in the agents' review drafts (the latest draft's wins)."""
    found: dict[str, str] = {}
    for doc in rec.docs_for("post-incident-review.md"):
        found.update(draft_sections(doc.text))
    return found


def pir_context(rec: Record, comms: dict[str, Communication]) -> dict[str, Any]:
    """What ``post-incident-review.md.j2`` reads as ``pir``."""
    impact, impact_gaps = impact_rows(rec)
    rows = action_rows(rec)
    drafted = drafted_sections(rec)
    unwritten = [f"{name} ({key})" for key, name in JUDGEMENTS if not rec.review.get(key) and not drafted.get(key)]
    return {
        "authors": authors(rec), "summary": summary(rec), "impact": impact, "impact_gaps": impact_gaps,
        "trigger": trigger(rec), "evidence": evidence(rec), "detection": detection_text(rec),
        "response": response_text(rec), "comms": comms_lines(comms), "key_events": key_events(rec),
        "unwritten": unwritten, "actions": rows, "action_gaps": action_gaps(rows), "stats": stats(rec),
        "detected": detection(rec),
    }  # fmt: skip
