"""The streamed export (timeline rows formatted in batches as the file is written) equals the in-memory one.

The incident is the complete itil run plus thousands of notes whose text looks like markdown
structure (headings, fences, setext underlines, blank lines, pipes, template syntax, control
characters): the rows must come out exactly where and as the in-memory render puts them, across
batch boundaries, whatever the batch size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.export.conftest import itil_timeline
from warroom.data import events as ev
from warroom.data.export import export_incident, render_incident
from warroom.data.export import markdown as md
from warroom.data.export.record import build_record
from warroom.data.export.stream import ROWS_MARKER, ROWS_PER_BATCH, render_chunks, row_batches, split_at_marker, timeline_row

HOSTILE = ["# looks like a heading", "```", "~~~ fence", "===", "---", "\n\n", "   ", "| a | b |", "{{ 7*7 }} {% x %}",
           "line one\n\nline three\n\n\n", "trailing spaces   ", "\x00nul\x1b[31mred", "1. item", "> quote",
           "x" * 700, "`code | pipe`", "_under_ *star*", "[link](javascript:alert(1))", "<b>html</b> &amp;"]  # fmt: skip


def many_notes(count: int) -> list[ev.BaseEvent]:
    t = itil_timeline()
    last = t.events[-1].at
    for n in range(count):
        text = HOSTILE[n % len(HOSTILE)] + ("" if n % 3 else f" #{n}")
        t.add(ev.NoteAdded, 0, ("bob", "carol | x", "")[n % 3] or "dave", text=text)
        t.events[-1] = t.events[-1].model_copy(update={"at": last})
    return t.events


@pytest.fixture(scope="module")
def events() -> list[ev.BaseEvent]:
    return many_notes(ROWS_PER_BATCH + 300)  # more rows than one batch


@pytest.fixture(scope="module")
def in_memory(events: list[ev.BaseEvent]) -> dict[str, str]:
    return render_incident(events)


@pytest.mark.parametrize("size", [1, 7, 500, ROWS_PER_BATCH, 10**6])
def test_chunks_joined_equal_the_in_memory_render(events: list[ev.BaseEvent], in_memory: dict[str, str], size: int) -> None:
    with md.memo():
        rec = build_record(list(events))
        chunks = render_chunks(rec, size)
        streamed = {path: "".join(parts) for path, parts in chunks.items()}
    assert list(streamed) == list(in_memory)
    assert streamed == in_memory
    assert in_memory["timeline.md"].count("\n| ") > ROWS_PER_BATCH  # the rows are really there


def test_export_writes_the_in_memory_bytes(tmp_path: Path, events: list[ev.BaseEvent], in_memory: dict[str, str]) -> None:
    target = export_incident(events, tmp_path)
    written = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert written == {path: text.encode("utf-8") for path, text in in_memory.items()}
    assert ROWS_MARKER.encode() not in written["timeline.md"]


def test_export_timeline_is_written_in_batches(tmp_path: Path, events: list[ev.BaseEvent]) -> None:
    chunk_counts: dict[str, int] = {}

    def counting(path: Path, data: object) -> None:
        parts = [data] if isinstance(data, bytes) else list(data)  # type: ignore[call-overload]
        chunk_counts[path.name] = len(parts)
        path.write_bytes(b"".join(parts))

    export_incident(events, tmp_path, writer=counting)
    rows = -(-(len(events)) // ROWS_PER_BATCH)
    assert chunk_counts["timeline.md"] >= 2 + 2  # head, at least two batches of rows, tail
    assert chunk_counts["timeline.md"] <= 2 + rows
    assert chunk_counts["incident-record.md"] == 1


def test_row_batches_are_the_rows_one_per_line(events: list[ev.BaseEvent]) -> None:
    with md.memo():
        rec = build_record(list(events))
        batches = list(row_batches(rec.timeline, 64))
        assert len(batches) == -(-len(rec.timeline) // 64)
        assert "".join(batches) == "\n".join(timeline_row(row) for row in rec.timeline)
    assert list(row_batches([], 64)) == []


def test_a_template_without_the_marker_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly once"):
        split_at_marker("no rows here\n")
    with pytest.raises(ValueError, match="exactly once"):
        split_at_marker(f"{ROWS_MARKER}\n{ROWS_MARKER}\n")
    assert split_at_marker(f"a\n{ROWS_MARKER}\nb") == ("a\n", "\nb")


def test_a_one_event_incident_streams_alike() -> None:
    declared = itil_timeline().events[:1]
    with md.memo():
        streamed = {path: "".join(parts) for path, parts in render_chunks(build_record(list(declared))).items()}
    assert streamed == render_incident(declared)
