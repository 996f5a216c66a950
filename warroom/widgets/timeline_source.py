"""Where the timeline's rows come from: the SQLite file itself, or the events the war room hands over.

Both answer the same questions (the seqs a view shows, the last few, rows by seq)
so the pane does not know the engine:

* :class:`FileRows` reads an SQLite file through :class:`~warroom.data.timeline_query.TimelineQuery`:
  nothing is held but the rows in view; a whole-view read of a large incident runs in
  a thread on a connection of its own (:meth:`FileRows.reader`).
* :class:`HeldRows` keeps the rows of the events it is given (a PostgreSQL store, whose
  driver is asynchronous only: the war room's replay feeds it) and answers in Python,
  with the same search rule as the SQL one.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow
from warroom.data.paths import is_db_url
from warroom.data.describe import CATEGORY
from warroom.data.timeline_query import HIDDEN_KINDS, TimelineQuery, TimelineView, connect
from warroom.widgets.timeline_rows import TimelineRow

__all__ = ["FileRows", "HeldRows", "holds_rows", "open_rows"]


class FileRows:
    """The rows of one incident of an SQLite file, read when asked for."""

    threaded = True  # a whole-view read of a large incident is SQLite's work: a thread keeps the UI answering

    def __init__(self, path: Path, incident_id: str) -> None:
        self.path, self.incident_id = path, incident_id
        self._query = TimelineQuery(connect(path), incident_id)

    def reader(self) -> "FileRows":
        """The same rows on a new connection (for a worker thread; close it after)."""
        return FileRows(self.path, self.incident_id)

    def close(self) -> None:
        self._query.conn.close()

    def add(self, events: Iterable[ev.BaseEvent]) -> None:
        """Nothing to keep: the file has them."""

    def last_seq(self) -> int:
        return self._query.last_seq()

    def seqs(self, view: TimelineView, after: int = 0, upto: int | None = None) -> array:
        return self._query.seqs(view, after, upto)

    def tail(self, view: TimelineView, count: int, upto: int) -> array:
        return self._query.tail(view, count, upto)

    def rows(self, seqs: Iterable[int]) -> dict[int, TimelineRow]:
        found = self._query.events(seqs)
        return {seq: _row_of(event) for seq, event in found.items()}


def _row_of(event: ev.BaseEvent | DamagedRow) -> TimelineRow:
    return TimelineRow.damaged(event) if isinstance(event, DamagedRow) else TimelineRow.from_event(event)


def _atoms(value: Any) -> Iterator[str]:
    """Every string and number inside a dumped event's fields (what the SQL search looks in)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _atoms(item)
    elif isinstance(value, list):
        for item in value:
            yield from _atoms(item)
    elif value is not None:
        yield str(value).casefold() if not isinstance(value, bool) else ("1" if value else "0")


class HeldRows:
    """The rows of the events handed over by :meth:`add`, kept in memory with their search text."""

    threaded = False  # answered from memory: a thread would only contend for the interpreter

    def __init__(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self._rows: dict[int, TimelineRow] = {}
        self._haystacks: dict[int, str] = {}
        self._last = 0

    def reader(self) -> "HeldRows":
        return self

    def close(self) -> None:
        """Nothing to close."""

    def add(self, events: Iterable[ev.BaseEvent]) -> None:
        for event in events:
            if event.seq <= self._last:
                continue
            self._last = event.seq
            if event.kind in HIDDEN_KINDS:
                continue
            row = TimelineRow.from_event(event)
            self._rows[event.seq] = row
            fields = event.model_dump(mode="json", exclude=set(ev.ENVELOPE))
            self._haystacks[event.seq] = "\n".join([event.actor.casefold(), event.kind, *_atoms(fields)])

    def last_seq(self) -> int:
        return self._last

    def _keeps(self, seq: int, view: TimelineView) -> bool:
        row = self._rows[seq]
        if view.category is not None and CATEGORY.get(row.kind, "other") != view.category:
            return False
        return not view.needle or view.needle.casefold() in self._haystacks[seq]

    def seqs(self, view: TimelineView, after: int = 0, upto: int | None = None) -> array:
        top = self._last if upto is None else upto
        return array("q", (s for s in self._rows if after < s <= top and self._keeps(s, view)))

    def tail(self, view: TimelineView, count: int, upto: int) -> array:
        return self.seqs(view, upto=upto)[-count:]

    def rows(self, seqs: Iterable[int]) -> dict[int, TimelineRow]:
        return {s: self._rows[s] for s in seqs if s in self._rows}


def holds_rows(location: str | Path) -> bool:
    """Whether the timeline of a store at ``location`` shows the events handed to it (not an SQLite file)."""
    return is_db_url(location)


def open_rows(location: str | Path, incident_id: str) -> FileRows | HeldRows:
    """The source for a store at ``location``: its file when it is SQLite, else the rows handed over."""
    if not is_db_url(location):
        try:
            return FileRows(Path(location), incident_id)
        except sqlite3.Error:
            pass  # not readable as a file here: the replay's events still show
    return HeldRows(incident_id)
