"""Per-incident snapshots of the fold: the state at sequence N, so a load replays only the events after N.

The ``snapshots`` side table (schemas 3 and 4, :data:`warroom.data.dbfile.MIGRATIONS`) holds one row
per incident: the seq the state has folded up to, the fold's version, the state as JSON without
the runs' documents, and those documents (``{run id: output}``) apart, so that a summary read
(:meth:`EventStore.load_summary`, what ``show`` and ``stats`` need) never parses them. It is a
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
import json
import sqlite3
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from warroom.data.fold import FOLD_VERSION, evolve
from warroom.data.models import Incident

__all__ = ["SNAPSHOT_EVERY", "decode", "encode", "fold_version", "summary_of", "write"]

#: Events folded past the last snapshot before the store writes a new one.
SNAPSHOT_EVERY = 10_000
#: How long a snapshot write waits for the write lock (milliseconds) before it gives up for this load.
WRITE_WAIT_MS = 50

#: The layout of a row (raise it when it changes: rows of another layout are stale).
FORMAT = 2
SELECT = "SELECT seq, fold_version, state, outputs FROM snapshots WHERE incident_id = ?"
SELECT_SUMMARY = "SELECT seq, fold_version, state, '{}' FROM snapshots WHERE incident_id = ?"
UPSERT = "INSERT OR REPLACE INTO snapshots (incident_id, seq, fold_version, state, outputs) VALUES (?, ?, ?, ?, ?)"
NO_OUTPUTS = {"runs": {"__all__": {"output"}}}
BUSY = "PRAGMA busy_timeout = {}"


@cache
def fold_version() -> str:
    """The fold's number and a fingerprint of the state's shape: a snapshot of another version is stale."""
    return f"{FOLD_VERSION}.{FORMAT}-{hashlib.sha256(_shape(Incident).encode()).hexdigest()[:16]}"


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


def encode(state: Incident) -> tuple[str, int, str, str, str]:
    """The row that stores ``state``: (incident id, seq, fold version, JSON without documents, documents)."""
    outputs = {run_id: run.output for run_id, run in state.runs.items() if run.output}
    return state.incident_id, state.last_seq, fold_version(), state.model_dump_json(exclude=NO_OUTPUTS), json.dumps(outputs)


def decode(row: Any, incident_id: str) -> Incident | None:
    """The state a ``SELECT`` row holds (with the documents its ``outputs`` has), or ``None`` when stale or damaged."""
    try:
        seq, version, text, outputs_text = row
    except (TypeError, ValueError):
        return None
    if version != fold_version() or type(text) is not str or type(seq) is not int or type(outputs_text) is not str:
        return None
    try:
        state = Incident.model_validate_json(text)
        outputs = json.loads(outputs_text)
    except (ValidationError, ValueError):
        return None
    if state.incident_id != incident_id or state.last_seq != seq or not isinstance(outputs, dict):
        return None
    for run_id, output in outputs.items():
        run = state.runs.get(run_id)
        if run is None or type(output) is not str:
            return None
        run.__dict__["output"] = output  # the freshly parsed run is this call's own
    return state


def summary_of(state: Incident) -> Incident:
    """``state`` without the runs' documents (every ``output`` empty); ``state`` itself is not changed."""
    if not any(run.output for run in state.runs.values()):
        return state
    return evolve(state, {"runs": {k: evolve(run, {"output": ""}) if run.output else run for k, run in state.runs.items()}})


def write(conn: sqlite3.Connection, row: tuple[str, int, str, str, str], busy_ms: int) -> bool:
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
