"""Escaping user and model text for the markdown export.

Every piece of text that did not come from our own templates (notes, titles,
agent outputs, alert labels, log lines) passes through one of these functions
before it reaches a file. Each one:

* strips terminal escape sequences and control characters (``strip_control``),
* redacts secrets (``warroom.data.redact.redact``),
* neutralises HTML (``<`` and ``>`` become entities) and template-looking
  braces (``{`` becomes ``\\{``, which markdown renders as ``{``),

and then escapes what would break the surrounding construct: a table cell
(pipes, newlines), an inline run (leading block markers, backticks) or a block
(headings are escaped for human text, demoted for agent documents).

The results are :class:`Md` strings; the renderer's ``finalize`` hook escapes
anything that is *not* an :class:`Md` as inline text, so a template that forgets
a filter still cannot leak raw text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from warroom.data.redact import redact
from warroom.data.text import strip_control


class Md(str):
    """Text that is already safe markdown (escaped by this module or written by us)."""

    __slots__ = ()


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(\s{0,3})(#{1,6})(\s|$)")
_BLOCK_START = re.compile(r"^(\s*)([#>+=]|-(?=\s|$)|\*(?=\s|$)|\d{1,9}[.)](?=\s|$))")
_INLINE_SPECIAL = re.compile(r"([\\`|])")


#: Per-render memo of :func:`clean` (redaction is the export's hot path); see :func:`memo`.
_MEMO: ContextVar[dict[str, str] | None] = ContextVar("warroom_export_clean_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Within this block, :func:`clean` remembers its results (one render: same input, same output)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def clean(text: object) -> str:
    """``text`` as a string without controls or secrets, ``\\n`` line ends, no trailing spaces."""
    value = "" if text is None else str(text)
    cache = _MEMO.get()
    if cache is None:
        return _clean(value)
    found = cache.get(value)
    if found is None:
        found = cache[value] = _clean(value)
    return found


def _normalise(value: str) -> str:
    return strip_control(value.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4))


def _finish(value: str) -> str:
    return "\n".join(line.rstrip() for line in value.split("\n")).strip("\n")


def _clean(value: str) -> str:
    return _finish(redact(_normalise(value)))


# Between values in one batched redaction; ``strip_control`` removed every NUL from the values themselves.
_BATCH_SEPARATOR = "\n\x00\n"


def prime(values: Iterable[object]) -> None:
    """Clean many values with one redaction pass (inside :func:`memo`; a no-op outside).

    The secret patterns never reach across a line holding only NUL, so redacting
    the joined batch gives each value what redacting it alone would; should a
    redaction ever swallow a separator, the batch falls back to one value at a time.
    """
    cache = _MEMO.get()
    if cache is None:
        return
    todo = [v for v in dict.fromkeys("" if v is None else str(v) for v in values) if v and v not in cache]
    if not todo:
        return
    parts = redact(_BATCH_SEPARATOR.join(_normalise(v) for v in todo)).split(_BATCH_SEPARATOR)
    if len(parts) != len(todo):
        for value in todo:
            cache[value] = _clean(value)
        return
    for value, part in zip(todo, parts):
        cache[value] = _finish(part)


_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]{1,32};)")


def _inert(text: str) -> str:
    """HTML, entities and template-looking syntax made literal (markdown still shows the characters).

    ``<`` becomes ``&lt;`` (no tag or autolink can open), ``](`` loses its link
    meaning (no ``[x](javascript:…)``, no remote image), an ``&`` that would start an entity
    becomes ``&amp;``, braces are backslash-escaped; a lone ``>`` or ``&`` is harmless
    mid-line and stays readable (a leading ``>`` is escaped as a block marker).
    """
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace("{", "\\{").replace("}", "\\}")
    return text.replace("](", "]\\(")  # no inline link or remote image (a tracking pixel) from data


def inline(text: object) -> Md:
    """One line of prose: newlines folded, code spans, pipes and block markers escaped."""
    return _inline(inline_plain(text))


#: Whole values a human may well type ("Compliance impact: None") that would read as a leaked missing value.
_LEAK_WORDS = frozenset({"None", "null", "undefined", "NaN"})


def _inline(value: str) -> Md:
    if value in _LEAK_WORDS:
        return Md(f"*{value}*")  # typed by someone, shown as their word (and never mistaken for a leak)
    value = _INLINE_SPECIAL.sub(r"\\\1", value)
    value = _inert(value)
    value = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), value)
    return Md(value)


def cell(text: object, limit: int = 1000) -> Md:
    """A table cell: one line, pipes escaped, bounded length; empty becomes an em dash."""
    value = inline_plain(text)
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    if not value:
        return Md("—")
    return _inline(value)


def _escape_block_line(line: str) -> str:
    line = line.replace("\\", "\\\\").replace("`", "\\`")
    line = _inert(line)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)


def paragraphs(text: object) -> Md:
    """Human text (notes, review sections): line breaks kept, lists kept, nothing else active.

    Bullet and numbered list markers survive so a reviewer can write a list; a
    leading ``#`` or ``>`` is escaped, HTML and braces are inert, backticks literal.
    """
    out = []
    for line in clean(text).split("\n"):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        marker = re.match(r"([-*+]|\d{1,9}[.)])\s+", stripped)
        if marker:
            out.append(indent + marker.group(0) + _escape_block_line(stripped[marker.end():]))
        else:
            out.append(indent + _escape_block_line(stripped))
    return Md(_collapse_blank("\n".join(out)))


def bullets(text: object) -> Md:
    """Human text as a markdown list: existing list items kept, other lines become items."""
    items = []
    for line in clean(text).split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        stripped = re.sub(r"^([-*+]|\d{1,9}[.)])\s+", "", stripped)
        if stripped:
            items.append("- " + _escape_block_line(stripped))
    return Md("\n".join(items))


def document(text: object, base_level: int = 3) -> Md:
    """An agent's markdown document embedded under one of our headings.

    Its structure is kept (lists, tables, code), its headings are demoted so the
    shallowest becomes ``base_level``, HTML and braces outside code are inert, and
    an unclosed code fence is closed.
    """
    lines = clean(text).split("\n")
    levels = [len(m.group(2)) for line in lines if (m := _HEADING.match(line))]
    shift = max(0, base_level - min(levels)) if levels else 0
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
            out.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            level = min(6, len(heading.group(2)) + shift)
            out.append("#" * level + " " + _inert(line[heading.end():].strip()).rstrip())
            continue
        out.append(_inert(line))
    if fence is not None:
        out.append(fence)
    return Md(_collapse_blank("\n".join(out)))


def lower_first(text: object) -> Md:
    """Inline text whose first word is lower-cased when it is merely capitalised ("Its" → "its", not "API")."""
    value = inline(text)
    if len(value) > 1 and value[0].isupper() and value[1].islower():
        return Md(value[0].lower() + value[1:])
    return value


def mermaid_label(text: object, limit: int = 60) -> Md:
    """A label safe inside a Mermaid gantt task line (no ``:``, ``;``, ``#`` or braces)."""
    value = re.sub(r"[^\w .,()/+-]", " ", inline_plain(text))
    value = re.sub(r"\s+", " ", value).strip()[:limit].strip()
    return Md(value or "phase")


def inline_plain(text: object) -> str:
    """Cleaned text on one line, no markdown escaping (for CSV and Mermaid)."""
    return " ".join(part.strip() for part in clean(text).split("\n") if part.strip())


def _collapse_blank(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
