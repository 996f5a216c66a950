"""How an alert's own severity becomes a warroom priority (P0–P3).

One table for every source, so the same word means the same priority whether it
came from Alertmanager or PagerDuty:

==================================================  ========
source severity (case-insensitive)                  priority
==================================================  ========
explicit ``priority`` label / PagerDuty priority     as given (P0–P3; PagerDuty P4/P5 → P3)
critical, page, emergency, fatal, disaster           P1
error, high, major                                   P1
warning, warn, medium, minor, average                P2
info, informational, low, none, ok, debug, (empty)   P3
anything else                                        P2 (the source text is kept)
==================================================  ========

Why no alert becomes P0 on its own: P0 is High impact × High urgency (the
whole business is down), which one alert cannot tell; a human raises it. Why
``error`` is P1: PagerDuty's own default gives ``critical`` and ``error``
events high urgency and ``warning``/``info`` low urgency, and a P1 in warroom
is the high-urgency page. PagerDuty webhook v3 incidents carry an urgency
(``high`` → P1, ``low`` → P3) when they have no priority.
"""

from __future__ import annotations

import re

from warroom.data.models import Severity

SEVERITY_WORDS: dict[str, Severity] = {
    **dict.fromkeys(("critical", "page", "emergency", "fatal", "disaster"), Severity.P1),
    **dict.fromkeys(("error", "high", "major"), Severity.P1),
    **dict.fromkeys(("warning", "warn", "medium", "minor", "average"), Severity.P2),
    **dict.fromkeys(("info", "informational", "low", "none", "ok", "debug", ""), Severity.P3),
}
UNKNOWN_SEVERITY = Severity.P2
URGENCY_WORDS: dict[str, Severity] = {"high": Severity.P1, "low": Severity.P3}
_PRIORITY = re.compile(r"^\s*(?:p|sev|sev-|sev )?([0-9])\s*$", re.IGNORECASE)


def from_word(word: str) -> Severity:
    """The priority for a severity word (see the table above)."""
    return SEVERITY_WORDS.get(word.strip().lower(), UNKNOWN_SEVERITY)


def from_priority(value: str) -> Severity | None:
    """``P0``..``P3`` as given (``P4``, ``P5`` → P3); ``None`` if ``value`` is not a priority."""
    match = _PRIORITY.match(value)
    if not match:
        return None
    return Severity(f"P{min(int(match.group(1)), 3)}")


def from_urgency(value: str) -> Severity | None:
    return URGENCY_WORDS.get(value.strip().lower())
