"""The export's document set as chunks, so the long timeline is never one string in memory.

``timeline.md`` is most of a long incident's export: a row per event. :func:`render_chunks`
renders every document as :func:`warroom.data.export.render.render_record` does, except that
the timeline template gets one marker line where its table rows go. The tidied text is cut at
that marker and the rows are formatted in batches of :data:`ROWS_PER_BATCH` only as the writer
asks for them. The bytes are those of the in-memory render: a table row is one non-blank line
starting with ``|``, which ``tidy`` leaves as it is (it is never a heading, a fence or a blank
line), so tidying the marker in the rows' place gives the same text around them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from warroom.data.export import markdown as md
from warroom.data.export.record import Record, TimelineRow

#: Timeline rows formatted and written per batch.
ROWS_PER_BATCH = 2_000
#: Stands for the table rows while the timeline is rendered; ``strip_control`` keeps NUL out of data.
ROWS_MARKER = md.Md("\x00timeline rows\x00")
TIMELINE = "timeline.md"


def timeline_row(row: TimelineRow) -> str:
    """One row of the timeline table (escaped in Python: thousands of rows, no per-cell template work)."""
    at = row.at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"| {at} | {md.cell(row.event)} | {md.cell(row.actor)} | {md.cell(row.notes, 300)} |"


def row_batches(rows: Iterable[TimelineRow], size: int = ROWS_PER_BATCH) -> Iterator[str]:
    """The table's lines in batches of ``size`` rows; joined, the batches are the rows one per line."""
    source = iter(rows)
    first = True
    while batch := list(islice(source, size)):
        text = "\n".join(timeline_row(row) for row in batch)
        yield text if first else "\n" + text
        first = False


def split_at_marker(text: str) -> tuple[str, str]:
    """``text`` before and after the marker line (which must be there exactly once)."""
    head, marker, tail = text.partition(ROWS_MARKER)
    if not marker or ROWS_MARKER in tail:
        raise ValueError("the timeline template must print its table rows exactly once")
    return head, tail


def render_chunks(rec: Record, size: int = ROWS_PER_BATCH) -> dict[str, Iterable[str]]:
    """``{relative path: text chunks}`` of ``rec``; each file's chunks joined are its in-memory text."""
    from warroom.data.export.render import render_documents  # render imports this module's row format

    if not rec.timeline:
        return dict(render_documents(rec, md.Md("")))
    files: dict[str, Iterable[str]] = dict(render_documents(rec, ROWS_MARKER))
    head, tail = split_at_marker(str(files[TIMELINE]))
    files[TIMELINE] = _chain(head, row_batches(rec.timeline, size), tail)
    return files


def _chain(head: str, rows: Iterator[str], tail: str) -> Iterator[str]:
    yield head
    yield from rows
    yield tail


__all__ = ["ROWS_MARKER", "ROWS_PER_BATCH", "render_chunks", "row_batches", "split_at_marker", "timeline_row"]
