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

import json
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


#: Per-render memo of :func:`clean` (redaction is the export's hot path); see :func:`memo`.
_MEMO: ContextVar[dict[str, str] | None] = ContextVar("warroom_export_clean_memo", default=None)
#: Per-render memos of :func:`inline_plain` and of each escaped table cell (a long incident's note is
#: printed in the timeline and in every tier's notes: escaped once).
_PLAIN: ContextVar[dict[str, str] | None] = ContextVar("warroom_export_plain_memo", default=None)
_CELLS: ContextVar[dict[str, "Md"] | None] = ContextVar("warroom_export_cell_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Within this block, :func:`clean` remembers its results (one render: same input, same output)."""
    token, plain, cells = _MEMO.set({}), _PLAIN.set({}), _CELLS.set({})
    try:
        yield
    finally:
        _CELLS.reset(cells)
        _PLAIN.reset(plain)
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
_TEMPLATE_BRACES = re.compile(r"\{\{|\}\}|\{[%#]|[%#]\}")
_PLACEHOLDER_BRACES = re.compile(r"\{([A-Za-z_][\w .|/-]{0,60})\}")
_CODE_RUN = re.compile(r"`+")
_INERT_TRIGGERS = re.compile(r"[&<{}]|\]\(")


def code_spans(text: str) -> list[tuple[bool, str]]:
    """``text`` split into (is a code span, piece), as CommonMark reads code spans on one line.

    A run of n backticks opens a span closed by the next run of exactly n; a run
    with no closing partner is literal text. A backslash before a backtick run
    outside a span escapes its first backtick.
    """
    if "`" not in text:
        return [(False, text)] if text else []
    out: list[tuple[bool, str]] = []
    position = text_start = 0
    while True:
        opening = _CODE_RUN.search(text, position)
        if opening is None:
            break
        if _escaped(text, opening.start()):
            position = opening.start() + 1
            continue
        run = opening.group(0)
        closing = next((m for m in _CODE_RUN.finditer(text, opening.end()) if m.group(0) == run), None)
        if closing is None:
            position = opening.end()
            continue
        if opening.start() > text_start:
            out.append((False, text[text_start : opening.start()]))
        out.append((True, text[opening.start() : closing.end()]))
        position = text_start = closing.end()
    if text_start < len(text):
        out.append((False, text[text_start:]))
    return out


def _escaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1


def _inert(text: str) -> str:
    """HTML, entities, links and template-looking syntax made literal, with the fewest backslashes.

    ``<`` becomes ``\\<`` (no tag or autolink can open), ``](`` loses its link
    meaning (no ``[x](javascript:…)``, no remote image), an ``&`` that would start an
    entity becomes ``\\&``, and braces that look like template syntax (``{{``,
    ``{%``, ``{name}``) are backslash-escaped; every one renders as the character
    itself. Code spans are left alone (nothing is escaped inside them).
    """
    return "".join(piece if is_code else _inert_text(piece) for is_code, piece in code_spans(text))


def _inert_text(text: str) -> str:
    if not _INERT_TRIGGERS.search(text):
        return text
    text = _ENTITY.sub(r"\\&", text).replace("<", "\\<")
    text = _PLACEHOLDER_BRACES.sub(r"\\{\1\\}", text)
    text = _TEMPLATE_BRACES.sub(lambda m: m.group(0).replace("{", "\\{").replace("}", "\\}"), text)
    return text.replace("](", "]\\(")  # no inline link or remote image (a tracking pixel) from data


def inline(text: object) -> Md:
    """One line of prose: newlines folded, code spans kept, markdown syntax in the rest escaped."""
    return _inline(inline_plain(text))


#: Whole values a human may well type ("Compliance impact: None") that would read as a leaked missing value.
_LEAK_WORDS = frozenset({"None", "null", "undefined", "NaN"})
#: Outside code spans: backslash, backtick, emphasis and strikethrough markers; ``_`` only where it could open
#: or close emphasis (not inside a word such as DB_POOL_MAX_SIZE).
_TEXT_SPECIAL = re.compile(r"[\\`*~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_TABLE_SPECIAL = re.compile(r"[\\`*~|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
#: What would start a block at the beginning of a line: heading, quote, list item, setext underline or
#: thematic break, numbered item, link reference definition.
_LINE_START = re.compile(r"^(\s*)(?:(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|=+\s*$|-+\s*$)|(\d{1,9})([.)])(?=\s|$)|(\[)(?=[^\]]*\]:))")


def _escape_text(text: str, table: bool) -> str:
    return _inert_text((_TABLE_SPECIAL if table else _TEXT_SPECIAL).sub(lambda m: "\\" + m.group(0), text))


#: Any character :func:`_escape_text` or :func:`_inert_text` would change (``_`` and ``](`` included
#: whatever surrounds them); text without one only needs its line start checked.
_ANY_SPECIAL = re.compile(r"[\\`*~|&<{}_]|\]\(")


def _escape_line(value: str, table: bool = False) -> str:
    """One line of literal text: code spans kept as written, everything else literal, no block can start."""
    if not _ANY_SPECIAL.search(value):  # the common case: plain words and numbers
        return _LINE_START.sub(_escape_start, value, count=1)
    parts = []
    for is_code, piece in code_spans(value):
        if is_code:
            parts.append(piece.replace("|", "\\|") if table else piece)
        else:
            parts.append(_escape_text(piece, table))
    return _LINE_START.sub(_escape_start, "".join(parts), count=1)


def _escape_start(m: re.Match[str]) -> str:
    indent, marker, digits, dot, bracket = m.groups()
    if marker:
        return indent + "\\" + marker
    if digits:
        return indent + digits + "\\" + dot
    return indent + "\\" + bracket


def _inline(value: str, table: bool = False) -> Md:
    if value in _LEAK_WORDS:
        return Md(f"*{value}*")  # typed by someone, shown as their word (and never mistaken for a leak)
    return Md(_escape_line(value, table))


def cell(text: object, limit: int = 1000) -> Md:
    """A table cell: one line, pipes escaped (in code spans too), bounded length; empty becomes an em dash."""
    value = inline_plain(text)
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    if not value:
        return Md("—")
    cells = _CELLS.get()
    if cells is None:
        return _inline(value, table=True)
    found = cells.get(value)
    if found is None:
        found = cells[value] = _inline(value, table=True)
    return found


def code(text: object, limit: int = 300, *, in_table: bool = False) -> Md:
    """An inline code span holding ``text`` literally (nothing inside a code span is escaped).

    The fence is one backtick longer than the longest run of backticks in the
    text, padded with a space when the text starts or ends with a backtick. In
    a table cell a ``|`` is written ``\\|`` (the table splits on pipes before the
    code span is read; the rendered code shows ``|``). Empty text is an em dash.
    """
    value = inline_plain(text)
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    if not value:
        return Md("—")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value[0] == "`" or value[-1] == "`" or (value[0] == " " and value[-1] == " ") else ""
    if in_table:
        value = value.replace("|", "\\|")
    return Md(f"{fence}{pad}{value}{pad}{fence}")


def fenced(text: object, info: str = "") -> Md:
    """A fenced code block holding ``text`` literally: the fence is longer than any backtick run in it."""
    value = clean(text)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    return Md(f"{fence}{info}\n{value}\n{fence}")


def json_block(data: object) -> Md:
    """``data`` as indented JSON (keys sorted: same data, same bytes) in a fenced block."""
    return fenced(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str), "json")


def cell_code(text: object, limit: int = 300) -> Md:
    """A code span inside a table cell (see :func:`code`)."""
    return code(text, limit, in_table=True)


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
            out.append(indent + marker.group(0) + _escape_line(stripped[marker.end():]))
        else:
            out.append(indent + _escape_line(stripped))
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
            items.append("- " + _escape_line(stripped))
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
    plain = _PLAIN.get()
    if plain is None or not isinstance(text, str):
        return _one_line(clean(text))
    found = plain.get(text)
    if found is None:
        found = plain[text] = _one_line(clean(text))
    return found


def _one_line(value: str) -> str:
    if "\n" not in value:
        return value.strip()
    return " ".join(part.strip() for part in value.split("\n") if part.strip())


def _collapse_blank(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
