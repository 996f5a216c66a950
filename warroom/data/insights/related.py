"""Similar past incidents, recorded on the incident's timeline.

The export is a pure function of the events, so the "Related incidents" of the
knowledge-base article come from a ``review.updated`` event (section
``related_incidents``) written here: when the war room opens and again at close
(after the root cause is known). Nothing is written when the list is unchanged.
"""

from __future__ import annotations

from datetime import datetime

from warroom.data import events as ev
from warroom.data.insights.history import History
from warroom.data.insights.similar import SimilarIncident, similar_incidents
from warroom.data.store import EventStore
from warroom.data.text import plain

SECTION = "related_incidents"


def related_text(matches: list[SimilarIncident]) -> str:
    """One line per match: id, title, score and why it matched."""
    lines = []
    for m in matches:
        reasons = "; ".join(plain(r) for r in m.reasons[:3])
        lines.append(f"{m.incident_id} — {plain(m.title)} (similarity {m.score:.2f}: {reasons})")
    return "\n".join(lines)


async def record_related(
    store: EventStore, incident_id: str, *, now: datetime, actor: str = "warroom", limit: int = 5,
    history: History | None = None,
) -> list[SimilarIncident]:
    """Find similar past incidents; record them on the timeline when they changed. Returns the matches.

    ``history``: ``load_history(store, chunks=False)`` already read by the caller (else it is read here).
    """
    if len(await store.incident_ids()) < 2:
        return []
    found = await similar_incidents(store, incident_id, limit=limit, history=history)
    matches = [m for m in found if m.incident_id != incident_id]
    text = related_text(matches)
    state = await store.load(incident_id)
    if not text or state.review.get(SECTION, "") == text:
        return matches
    await store.append(ev.ReviewUpdated(incident_id=incident_id, at=now, actor=actor, section=SECTION, text=text))
    return matches
