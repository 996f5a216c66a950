"""The post-incident review vocabulary: the sections a human writes in review.

``review.updated`` events carry a ``section`` key and its text. This module is
the one place those keys are defined: the review screen offers them, the export
places them. A human's section always takes precedence over an agent's draft
of the same content. Keys not listed here are still exported (under
"Other review notes"), so nothing a reviewer wrote is ever dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewSection:
    """One editable section of the post-incident review."""

    key: str
    title: str
    hint: str
    kind: str = "text"  # "text": prose; "list": one item per line; "value": a short figure


REVIEW_SECTIONS: tuple[ReviewSection, ...] = (
    ReviewSection("summary", "Executive summary", "2-3 sentences: what happened, why, and how it was resolved"),
    ReviewSection("root_cause", "Root cause", "the root cause in one sentence"),
    ReviewSection("resolution", "Resolution", "how service was restored, in one sentence"),
    ReviewSection("impact_users", "Affected users", "count and share of the user base, e.g. '12,400 (8%)'", "value"),
    ReviewSection("impact_symptoms", "User symptoms", "what users experienced"),
    ReviewSection("impact_downtime", "Downtime", "minutes of outage or degradation, if it differs from the timeline", "value"),
    ReviewSection("impact_failed_transactions", "Failed transactions", "count of failed requests, orders or jobs", "value"),
    ReviewSection("impact_revenue", "Revenue impact", "estimated revenue lost", "value"),
    ReviewSection("impact_reputation", "Reputation impact", "HIGH, MEDIUM or LOW, with why", "value"),
    ReviewSection("impact_compliance", "Compliance impact", "NONE, or what is affected", "value"),
    ReviewSection("slo_availability", "Availability", "measured availability over the SLO window, e.g. '99.87%'", "value"),
    ReviewSection("error_budget_consumed", "Error budget consumed", "share of the monthly error budget, e.g. '42%'", "value"),
    ReviewSection("contributing_factors", "Contributing factors", "one factor per line", "list"),
    ReviewSection("went_well", "What went well", "one point per line", "list"),
    ReviewSection("could_improve", "What could improve", "one point per line", "list"),
    ReviewSection("lessons_technical", "Technical lessons", "one lesson per line", "list"),
    ReviewSection("lessons_process", "Process lessons", "one lesson per line", "list"),
    ReviewSection("lessons_communication", "Communication lessons", "one lesson per line", "list"),
    ReviewSection("attendees", "Attendees", "who took part in the review (initials are fine)", "list"),
    ReviewSection("pir_meeting", "Review meeting", "when and where the review meeting is held", "value"),
    ReviewSection("related_incidents", "Related incidents", "similar past incidents, one per line", "list"),
    ReviewSection("lucky", "Where we got lucky", "what limited the damage by chance, one point per line", "list"),
    ReviewSection("impact_error_rate", "Peak error rate", "share of requests failing at the worst, e.g. '38%'", "value"),
    ReviewSection("impact_support", "Support impact", "tickets, calls or chats the incident caused", "value"),
)

SECTIONS_BY_KEY: dict[str, ReviewSection] = {section.key: section for section in REVIEW_SECTIONS}
SECTION_KEYS: tuple[str, ...] = tuple(SECTIONS_BY_KEY)


def section_title(key: str) -> str:
    """The human title of a section key (unknown keys are titled from the key)."""
    known = SECTIONS_BY_KEY.get(key)
    return known.title if known else key.replace("_", " ").strip().capitalize() or "Section"


def unknown_sections(review: dict[str, str]) -> list[tuple[str, str]]:
    """Review entries whose key is not in the vocabulary, sorted by key (stable output)."""
    return sorted((k, v) for k, v in review.items() if k not in SECTIONS_BY_KEY and v.strip())


#: Headings under which an agent's review draft writes each section (lower case, punctuation ignored).
DRAFT_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("executive summary", "summary"),
    "contributing_factors": ("contributing factors",),
    "went_well": ("what went well", "went well"),
    "lucky": ("where we got lucky", "what we got lucky with", "lucky"),
    "could_improve": ("what could improve", "what could be improved", "what went wrong", "areas for improvement"),
    "lessons_technical": ("technical lessons", "technical"),
    "lessons_process": ("process lessons", "process"),
    "lessons_communication": ("communication lessons", "communication"),
}


def _heading_key(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def draft_sections(markdown: str) -> dict[str, str]:
    """The review sections an agent's draft (markdown) contains, by section key: the text under each heading."""
    found: dict[str, str] = {}
    lines = markdown.replace("\r\n", "\n").split("\n")
    fence = False
    headings: list[tuple[int, int, str]] = []  # (line index, level, key)
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        stripped = line.strip()
        if fence or not stripped.startswith("#"):
            continue
        level = len(stripped) - len(stripped.lstrip("#"))
        if 1 <= level <= 6 and stripped[level:level + 1] in (" ", ""):
            headings.append((index, level, _heading_key(stripped[level:])))
    for position, (index, level, name) in enumerate(headings):
        key = next((k for k, names in DRAFT_HEADINGS.items() if name in names), None)
        if key is None or key in found:
            continue
        end = next((i for i, lv, _ in headings[position + 1:] if lv <= level), len(lines))
        body = "\n".join(lines[index + 1 : end]).strip()
        if body:
            found[key] = body
    return found
