"""Which of an incident's events a read wants: kinds, kinds left out, a time from which.

A :class:`Selection` is said once and turned into SQL by :meth:`Selection.where`, so every
store read that narrows the timeline (the tail of ``warroom show``, a count of what it hides,
a forward read from a time) narrows it the same way. Times are compared as the store writes
them (``datetime.isoformat()`` of a UTC time, always ``+00:00``): in that form the text order
is the time order, so the comparison can run in SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from warroom.data import events as ev

__all__ = ["CHUNKS", "TIMELINE", "Selection", "kinds_named"]

#: The agents' streamed output: most of a long incident's events, not rows of its timeline.
CHUNKS = "agent.output"


@dataclass(frozen=True)
class Selection:
    """The events of a read: only ``kinds`` (all when empty), never ``exclude``, at or after ``at_from``."""

    kinds: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    at_from: datetime | None = None

    def where(self) -> tuple[str, tuple[Any, ...]]:
        """The SQL condition (to AND with the incident's) and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.kinds:
            parts.append(f"kind IN ({', '.join('?' * len(self.kinds))})")
            params.extend(self.kinds)
        if self.exclude:
            parts.append(f"kind NOT IN ({', '.join('?' * len(self.exclude))})")
            params.extend(self.exclude)
        if self.at_from is not None:
            parts.append("at >= ?")
            params.append(self.at_from.astimezone(timezone.utc).isoformat())
        return (" AND ".join(parts) or "1"), tuple(params)

    @property
    def narrowed(self) -> bool:
        """True when it asks for less than the timeline (a kind or a time)."""
        return bool(self.kinds) or self.at_from is not None


#: The timeline's rows: every event but the streamed chunks.
TIMELINE = Selection(exclude=(CHUNKS,))


def kinds_named(names: str) -> tuple[str, ...]:
    """Event kinds from a comma-separated list of kinds (``note.added``) or families (``note``, ``agent``).

    Raises ``ValueError`` naming the first word that is neither.
    """
    found: list[str] = []
    for word in (w.strip().lower() for w in names.split(",")):
        if not word:
            continue
        if word in ev.EVENT_KINDS:
            matched = [word]
        else:
            matched = [k for k in ev.EVENT_KINDS if k.split(".", 1)[0] == word.rstrip(".")]
        if not matched:
            shown = word[:40].encode("unicode_escape").decode("ascii")
            families = ", ".join(sorted({k.split(".", 1)[0] for k in ev.EVENT_KINDS}))
            raise ValueError(f"--kind {shown!r} is not an event kind or family: use one of {families} "
                             "(or a kind such as note.added)")  # fmt: skip
        found.extend(k for k in matched if k not in found)
    if not found:
        raise ValueError("--kind is empty: name an event kind (note.added) or a family (note, agent, update)")
    return tuple(found)
