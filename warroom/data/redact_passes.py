"""Secrets that no single pattern sees: encoded in base64, or wrapped over two or more lines.

* :func:`decoded` looks inside base64 runs: a run that decodes to text holding a
  secret (a PEM key, a ``ghp_`` token, ``password=…``) or to ``user:password``
  credentials (Docker ``auths``, HTTP basic) is replaced whole, kind
  ``base64-<inner kind>``. Runs that decode to binary (digests, compressed data)
  or that are hex are left alone.
* :func:`unwrapped` joins tokens broken at a line end (optionally after a shell
  ``\\`` and before indentation) and runs the whole-token rules over the joined
  text; a secret that crosses a line end is replaced in the original, the line
  breaks kept after the marker so line numbers stay valid.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence

from warroom.data.redact_core import MARKER, Rule, marker

__all__ = ["decoded", "may_decode", "may_unwrap", "unwrapped"]

_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"[0-9a-fA-F]+")
_CREDENTIALS = re.compile(r"[\w.@+-]{1,128}:[^\s]{3,256}")
_LONGEST_RUN = 65_536


def _text_of(run: str) -> str | None:
    """The text ``run`` decodes to, or None when it is not base64 of printable text."""
    body = run.rstrip("=")
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = (base64.urlsafe_b64decode if ("-" in body or "_" in body) else base64.b64decode)(padded)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not text or not all(c.isprintable() or c in "\n\r\t" for c in text):
        return None
    return text


def _decodable(run: str) -> bool:
    """Whether :func:`decoded` looks inside ``run`` at all (not too long, not hex, letters or digits only)."""
    return not (len(run) > _LONGEST_RUN or _HEX.fullmatch(run) or run.isalpha() or run.isdigit())


def may_decode(text: str) -> bool:
    """False only when :func:`decoded` leaves ``text`` as it is: no base64 run in it decodes to text."""
    return any(_decodable(m.group(0)) and _text_of(m.group(0)) is not None for m in _B64_RUN.finditer(text))


def decoded(text: str, redact: Callable[[str], str]) -> str:
    """``text`` with every base64 run that hides a secret replaced by a marker."""
    parts: list[str] = []
    last = 0
    for match in _B64_RUN.finditer(text):
        run = match.group(0)
        if not _decodable(run):
            continue
        inner = _text_of(run)
        if inner is None:
            continue
        found = MARKER.search(redact(inner))
        if found is not None:
            kind = "base64-" + found.group(0)[len("[redacted: ") :].split(" ", 1)[0]
        elif _CREDENTIALS.fullmatch(inner.strip()) and "://" not in inner:
            kind = "base64-credentials"
        else:
            continue
        parts += [text[last : match.start()], marker(kind, run)]
        last = match.end()
    return "".join(parts) + text[last:] if parts else text


_JUNCTION = re.compile(r"(?<=[A-Za-z0-9_+/=.-])\\?\r?\n[ \t]*(?=[A-Za-z0-9_+/=.-])")


def may_unwrap(text: str) -> bool:
    """False only when :func:`unwrapped` leaves ``text`` as it is: no token is broken at a line end."""
    return "\n" in text and _JUNCTION.search(text) is not None


def unwrapped(text: str, rules: Sequence[Rule]) -> str:
    """``text`` with every whole-token secret that a line break cuts in two replaced."""
    if "\n" not in text:
        return text
    junctions = list(_JUNCTION.finditer(text))
    if not junctions:
        return text
    pieces: list[str] = []
    where: list[tuple[int, int]] = []  # (position in the joined text, characters removed before it so far)
    last = removed = 0
    for j in junctions:
        pieces.append(text[last : j.start()])
        removed += j.end() - j.start()
        where.append((j.start() - (removed - (j.end() - j.start())), removed))
        last = j.end()
    pieces.append(text[last:])
    joined = "".join(pieces)

    def original(pos: int) -> int:
        """Where joined position ``pos`` (a character, not a gap) is in ``text``."""
        shift = 0
        for at, total in where:
            if at > pos:
                break
            shift = total
        return pos + shift

    replacements: list[tuple[int, int, str]] = []
    for rule in rules:
        if rule.triggers and not any(t in joined for t in rule.triggers):
            continue
        for match in rule.pattern.finditer(joined):
            start, end = match.start(), match.end()
            if not any(start < at < end for at, _ in where):
                continue  # on one line: the rule itself has seen it
            a, b = original(start), original(end - 1) + 1
            if any(a < y and x < b for x, y, _ in replacements):
                continue
            replacement = rule.replace(match, joined)
            if replacement != match.group(0):
                replacements.append((a, b, replacement + "\n" * text.count("\n", a, b)))
    for a, b, replacement in sorted(replacements, reverse=True):
        text = text[:a] + replacement + text[b:]
    return text
