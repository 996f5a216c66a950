"""The timeline as queries over the store: which rows a view shows, the last few, and rows by seq.

The timeline pane is a view of the ``events`` table, not a copy of it: it keeps
the seqs of the rows it shows (eight bytes each) and reads the rows themselves
when they scroll into view. A view is every event but the agent stream chunks
(those live in the agent pane), optionally one filter category
(:data:`warroom.data.describe.CATEGORY`) and a search text.

Search runs in SQL: a row matches when the text occurs, case-insensitively, in
who did it, the event's kind, or any value it recorded (every string and number
in its fields, at any depth; not the field names). The fixed wording the
timeline adds around those values ("Note:", "Severity set to") is not searched;
the kind (``note.added``, ``severity.set``) is.

Everything here is synchronous on a :mod:`sqlite3` connection of the caller's
(:func:`connect` makes one): small reads run on the UI thread in a millisecond,
whole-view reads of a large incident belong in a worker thread with its own
connection.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow
from warroom.data.describe import CATEGORY
from warroom.data.rows import row_to_event

__all__ = ["HIDDEN_KINDS", "TimelineQuery", "TimelineView", "connect"]

#: Kinds the timeline never shows (agent stream chunks: the agent pane shows them).
HIDDEN_KINDS = ("agent.output",)
#: Longest search text (longer input is cut: a search is a few words, not a document).
MAX_NEEDLE = 200
_ROW_COLUMNS = "seq, incident_id, at, actor, kind, data"
_IN_CHUNK = 500  # SQLite's default limit on ``?`` is far higher; this keeps one statement small


@dataclass(frozen=True, slots=True)
class TimelineView:
    """Which rows are shown: a filter category (``None``: all) and a search text (``""``: none)."""

    category: str | None = None
    needle: str = ""

    @property
    def everything(self) -> bool:
        return self.category is None and not self.needle


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to the store's file (WAL lets it read while others write)."""
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA query_only = ON")
    conn.create_function("warroom_fold", 1, _fold, deterministic=True)
    return conn


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _kinds_of(category: str) -> list[str]:
    return [k for k in ev.EVENT_KINDS if CATEGORY.get(k, "other") == category and k not in HIDDEN_KINDS]


class TimelineQuery:
    """The timeline rows of one incident, read through ``conn``."""

    def __init__(self, conn: sqlite3.Connection, incident_id: str) -> None:
        self.conn = conn
        self.incident_id = incident_id

    def _where(self, view: TimelineView) -> tuple[str, list[Any]]:
        hidden = ", ".join("?" for _ in HIDDEN_KINDS)
        sql = f"incident_id = ? AND kind NOT IN ({hidden})"
        params: list[Any] = [self.incident_id, *HIDDEN_KINDS]
        if view.category is not None:
            kinds = _kinds_of(view.category)
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})" if kinds else " AND 0"
            params += kinds
        needle = view.needle[:MAX_NEEDLE]
        if needle:
            # SQLite's lower() knows only ASCII letters: other text is folded by Python, slower but right.
            low = "lower" if needle.isascii() else "warroom_fold"
            needle = needle.lower() if needle.isascii() else needle.casefold()
            sql += (f" AND (instr({low}(actor), ?) OR instr(kind, ?) OR EXISTS (SELECT 1 FROM json_tree(events.data)"
                    f" WHERE atom IS NOT NULL AND instr({low}(CAST(atom AS TEXT)), ?)))")  # fmt: skip
            params += [needle, needle, needle]
        return sql, params

    def last_seq(self) -> int:
        """The newest seq of the incident (any kind), 0 if it has none."""
        row = self.conn.execute("SELECT MAX(seq) FROM events WHERE incident_id = ?", (self.incident_id,)).fetchone()
        return int(row[0] or 0)

    def seqs(self, view: TimelineView, after: int = 0, upto: int | None = None) -> array:
        """The seqs ``view`` shows with ``after < seq <= upto``, oldest first."""
        where, params = self._where(view)
        sql = f"SELECT seq FROM events WHERE {where} AND seq > ?"
        params.append(after)
        if upto is not None:
            sql += " AND seq <= ?"
            params.append(upto)
        return array("q", (row[0] for row in self.conn.execute(sql + " ORDER BY seq", params)))

    def tail(self, view: TimelineView, count: int, upto: int) -> array:
        """The last ``count`` seqs ``view`` shows up to ``upto``, oldest first (the first screenful, read at once)."""
        where, params = self._where(view)
        sql = f"SELECT seq FROM events WHERE {where} AND seq <= ? ORDER BY seq DESC LIMIT ?"
        rows = self.conn.execute(sql, [*params, upto, count])
        found = array("q", (row[0] for row in rows))
        found.reverse()
        return found

    def events(self, seqs: Iterable[int]) -> dict[int, ev.BaseEvent | DamagedRow]:
        """The events at ``seqs`` (of this incident); a row that does not decode is its :class:`DamagedRow`."""
        wanted = list(seqs)
        found: dict[int, ev.BaseEvent | DamagedRow] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT {_ROW_COLUMNS} FROM events WHERE incident_id = ? AND seq IN ({marks})"
            for row in self.conn.execute(sql, [self.incident_id, *chunk]):
                try:
                    found[row[0]] = row_to_event(row)
                except DamagedRow as exc:
                    found[row[0]] = exc
        return found
