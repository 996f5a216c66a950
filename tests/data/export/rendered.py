"""The exported markdown as a CommonMark renderer reads it (markdown-it-py, with GFM tables).

The export tests use this to check the files by what they render to rather than
by their raw characters: no raw HTML, no links from data, and code spans and
table cells whose text is exactly the source value.
"""

from __future__ import annotations

from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable("table")


def tokens(text: str) -> list[Token]:
    return _PARSER.parse(text)


def _walk(items: list[Token]) -> Iterator[Token]:
    for token in items:
        yield token
        if token.children:
            yield from _walk(token.children)


def all_tokens(text: str) -> Iterator[Token]:
    yield from _walk(tokens(text))


def html(text: str) -> list[str]:
    """Raw HTML the renderer would pass through."""
    return [t.content for t in all_tokens(text) if t.type in ("html_inline", "html_block")]


def links(text: str) -> list[str]:
    """Every link and image target."""
    return [str(t.attrGet("href") or t.attrGet("src")) for t in all_tokens(text) if t.type in ("link_open", "image")]


def code_spans(text: str) -> list[str]:
    """The text of every inline code span, as rendered."""
    return [t.content for t in all_tokens(text) if t.type == "code_inline"]


def plain(inline: Token) -> str:
    """The rendered text of an inline token: text, code (between single backticks) and soft breaks, markup dropped."""
    out = []
    for child in inline.children or []:
        if child.type == "text":
            out.append(child.content)
        elif child.type == "code_inline":
            out.append(f"`{child.content}`")
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def tables(text: str) -> list[list[list[str]]]:
    """Every table: its rows (header first), each row the rendered text of its cells."""
    found: list[list[list[str]]] = []
    row: list[str] | None = None
    items = tokens(text)
    for index, token in enumerate(items):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            found[-1].append(row)
            row = None
        elif token.type == "inline" and row is not None:
            row.append(plain(token))
        elif token.type in ("th_close", "td_close") and row is not None and items[index - 1].type in ("th_open", "td_open"):
            row.append("")
    return found
