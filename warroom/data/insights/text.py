"""Words, root causes and similarity measures shared by the insights (stdlib only).

Root-cause text comes from the incident's own record, first match wins: the
structured answer of a five-whys run (``root_cause``), the review section
``root_cause``, the resolution text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from warroom.data.models import Incident, RunState

#: Playbook steps whose task is ``five_whys`` (itil and sre playbooks).
FIVE_WHYS_STEPS = frozenset({"five_whys", "deep_debugging"})

_WORD = re.compile(r"[a-z0-9][a-z0-9_]*")
STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have in into is it its of on or that the this
    to was were when which while with after before because not no than then there their they we our
    so if all any can could did do does due during over under out up down via per also only very more
    most incident root cause caused causes""".split()
)


def words(text: str) -> list[str]:
    """Lower-case content words of ``text`` (stopwords, one-letter words and bare numbers dropped)."""
    out = []
    for word in _WORD.findall(text.lower()[:20_000]):
        if len(word) < 2 or word in STOPWORDS or word.isdigit():
            continue
        out.append(_stem(word))
    return out


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def root_cause_text(incident: Incident) -> str:
    """The incident's root cause in words (five whys, else the review section, else the resolution)."""
    best = None
    for run in incident.runs.values():
        data = run.structured
        if run.state is not RunState.FINISHED or not isinstance(data, dict):
            continue
        cause = data.get("root_cause")
        if not isinstance(cause, str) or not cause.strip():
            continue
        if run.step_id in FIVE_WHYS_STEPS or "whys" in data:
            if best is None or (run.ended_at or run.started_at) >= (best[0]):
                best = (run.ended_at or run.started_at, cause.strip())
    if best is not None:
        return best[1]
    review = incident.review.get("root_cause", "").strip()
    return review or incident.resolution.strip()


def set_cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two word sets (|A∩B| / √(|A|·|B|)); 0 when either is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / math.sqrt(len(a) * len(b)) if shared else 0.0


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


class TfIdf:
    """TF-IDF vectors over a corpus of documents (each a list of words), compared by cosine."""

    def __init__(self, documents: Iterable[list[str]]) -> None:
        docs = list(documents)
        self.size = len(docs)
        self.df: Counter[str] = Counter()
        for doc in docs:
            self.df.update(set(doc))

    def vector(self, doc: list[str]) -> dict[str, float]:
        counts = Counter(doc)
        vec = {w: n * (math.log((1 + self.size) / (1 + self.df.get(w, 0))) + 1.0) for w, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {w: v / norm for w, v in vec.items()} if norm else {}

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return min(1.0, sum(v * b.get(w, 0.0) for w, v in a.items()))
