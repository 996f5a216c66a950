"""The machinery of redaction: the marker that replaces a secret, and one rule (pattern, triggers, replacer).

Kept apart from the rule sets (:mod:`warroom.data.redact` and :mod:`warroom.data.redact_more`)
so both build on the same pieces.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

__all__ = ["MARKER_PREFIX", "MARKER", "Replacer", "Rule", "already", "group", "marker", "span", "whole"]

MARKER_PREFIX = "[redacted: "
#: A marker as it appears in text (what :func:`marker` makes).
MARKER = re.compile(r"\[redacted: [a-z0-9-]+ …[0-9a-f]{4}\]")


def marker(kind: str, secret: str) -> str:
    """The text that replaces ``secret``, a secret of ``kind``: the kind and a short fingerprint."""
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{MARKER_PREFIX}{kind} …{digest[-4:]}]"


def already(value: str) -> bool:
    """Whether ``value`` is a marker already (redaction is idempotent)."""
    return value.lstrip("\"'").startswith(MARKER_PREFIX[:-1])  # a value cut at the marker's space counts too


# A replacer gets the match (found in the original or in its lower-cased copy) and the original text;
# it reads the original through the match's spans so the case of everything it keeps is preserved.
Replacer = Callable[["re.Match[str]", str], str]


def span(match: re.Match[str], src: str, group: int | str = 0) -> str:
    """The text of ``group`` of ``match`` in the original ``src``."""
    return src[match.start(group) : match.end(group)]


def whole(kind: str) -> Replacer:
    """Replace the whole match; a match over several lines keeps its line breaks after the marker."""

    def replace(match: re.Match[str], src: str) -> str:
        secret = span(match, src)
        return marker(kind, secret) + "\n" * secret.count("\n")

    return replace


def group(kind: str, index: int = 2) -> Replacer:
    """Replace only group ``index`` of the match (the secret), keeping its label and punctuation."""

    def replace(match: re.Match[str], src: str) -> str:
        secret = span(match, src, index)
        if already(secret):
            return span(match, src)
        return src[match.start(0) : match.start(index)] + marker(kind, secret) + src[match.end(index) : match.end(0)]

    return replace


class Rule:
    """One kind of secret: a pattern, the words that must occur for it to run, and its replacement.

    ``folded`` patterns are written in lower case and matched against the lower-cased text (several
    times faster than ``re.IGNORECASE``); the others are case-sensitive and run on the original.
    Triggers are substrings one of which must occur (lower-case ones in the lower-cased text for
    folded rules, exact ones in the original otherwise) for the pattern to run at all.
    """

    __slots__ = ("triggers", "pattern", "insensitive", "replace", "folded", "wraps", "gate")

    def __init__(
        self, triggers: tuple[str, ...], pattern: str, replace: Replacer, *, folded: bool = False, wraps: bool = False,
        gate: str | None = None,
    ) -> None:
        self.triggers = triggers
        #: A short regex standing in for the triggers in the shared prefilter, for a rule whose only literal
        #: trigger is too common to filter anything (a Telegram token's ``:`` is in every timestamp).
        self.gate = re.compile(gate) if gate else None
        #: A whole token that may be wrapped over lines (see :mod:`warroom.data.redact_passes`).
        self.wraps = wraps
        self.pattern = re.compile(pattern)
        self.insensitive = re.compile(pattern, re.IGNORECASE) if folded else self.pattern
        self.replace = replace
        self.folded = folded

    def apply(self, text: str, lowered: str) -> str:
        scope = lowered if self.folded else text
        if self.triggers and not any(t in scope for t in self.triggers):
            return text
        if self.gate is not None and self.gate.search(scope) is None:
            return text
        if not self.folded:
            pattern, haystack = self.pattern, text
        elif len(lowered) == len(text):
            pattern, haystack = self.pattern, lowered
        else:  # lower-casing changed the length (rare non-ASCII): spans would not line up
            pattern, haystack = self.insensitive, text
        parts: list[str] = []
        last = 0
        for match in pattern.finditer(haystack):
            parts.append(text[last : match.start()])
            parts.append(self.replace(match, text))
            last = match.end()
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)
