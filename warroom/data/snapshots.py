"""Per-incident snapshots of the fold: the state at sequence N, so a load replays only the events after N.

The ``snapshots`` side table (schema 3, :data:`warroom.data.dbfile.MIGRATIONS`) holds one row per
incident: the seq the state has folded up to, the fold's version and the state as JSON. It is a
cache of the log and never a second record: the events stay the truth, every snapshot is
rebuilt from them, and a row that cannot be used is ignored (and replaced by the next load):

* a row written under another fold version (:func:`fold_version`: the fold's own number,
  raised when a rule changes, and a fingerprint of the :class:`~warroom.data.models.Incident`
  model, which changes with any field) is stale;
* a row whose state does not parse, or names another incident or another seq, is damaged.

The store writes a snapshot after a load that leaves the incident :data:`SNAPSHOT_EVERY`
events or more past its last one, outside any transaction and only if the write lock is free
at once: a reader never waits on a writer for it, and a read-only file simply has none.
"""

from __future__ import annotations

import hashlib
import sqlite3
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from warroom.data.fold import FOLD_VERSION
from warroom.data.models import Incident

__all__ = ["SNAPSHOT_EVERY", "decode", "encode", "fold_version", "write"]

#: Events folded past the last snapshot before the store writes a new one.
SNAPSHOT_EVERY = 10_000
#: How long a snapshot write waits for the write lock (milliseconds) before it gives up for this load.
WRITE_WAIT_MS = 50

SELECT = "SELECT seq, fold_version, state FROM snapshots WHERE incident_id = ?"
UPSERT = "INSERT OR REPLACE INTO snapshots (incident_id, seq, fold_version, state) VALUES (?, ?, ?, ?)"
BUSY = "PRAGMA busy_timeout = {}"


@cache
def fold_version() -> str:
    """The fold's number and a fingerprint of the state's shape: a snapshot of another version is stale."""
    return f"{FOLD_VERSION}-{hashlib.sha256(_shape(Incident).encode()).hexdigest()[:16]}"


def _shape(model: type[BaseModel], seen: frozenset[type] = frozenset()) -> str:
    """Every field of ``model`` and of the models it holds, with its type and default, as one string."""
    parts = [model.__name__]
    for name, field in model.model_fields.items():
        parts.append(f"{name}:{field.annotation!r}={field.default!r}")
        for inner in _models_in(field.annotation):
            if inner not in seen and inner is not model:
                parts.append("{" + _shape(inner, seen | {model}) + "}")
    return ";".join(parts)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def encode(state: Incident) -> tuple[str, int, str, str]:
    """The row that stores ``state``: (incident id, seq, fold version, JSON)."""
    return state.incident_id, state.last_seq, fold_version(), state.model_dump_json()


def decode(row: Any, incident_id: str) -> Incident | None:
    """The state a ``SELECT`` row holds, or ``None`` when the row is stale or damaged."""
    try:
        seq, version, text = row
    except (TypeError, ValueError):
        return None
    if version != fold_version() or type(text) is not str or type(seq) is not int:
        return None
    try:
        state = Incident.model_validate_json(text)
    except (ValidationError, ValueError):
        return None
    if state.incident_id != incident_id or state.last_seq != seq:
        return None
    return state


def write(conn: sqlite3.Connection, row: tuple[str, int, str, str], busy_ms: int) -> bool:
    """Store ``row`` on ``conn`` (the store's thread) if the write lock is free now; True when written.

    Never inside a transaction (it would commit or roll back with someone else's events), and
    never waits longer than :data:`WRITE_WAIT_MS` for another process's writer.
    """
    if conn.in_transaction:
        return False
    conn.execute(BUSY.format(WRITE_WAIT_MS)).fetchall()
    try:
        conn.execute(UPSERT, row)
        return True
    except sqlite3.Error:  # busy, read-only, full: the next load tries again
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return False
    finally:
        conn.execute(BUSY.format(busy_ms)).fetchall()
