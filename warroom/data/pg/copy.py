"""Copying an SQLite history into an empty PostgreSQL database, verifiably (``warroom migrate``).

Every row keeps its seq, time, actor, kind and payload text exactly, so the same
digest can be computed on both sides: per incident, SHA-256 over its rows in seq
order. Nothing is written unless every row of the file decodes as a warroom event
and is already clean (what the store would redact or strip on the way in); the
copy is one transaction, into a database that holds no events yet. Alert keys
are copied with the events; leases (who drives a playbook now) and snapshots (a
cache the store rebuilds) are not.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.data.dbfile import DamagedRow, StoreError
from warroom.data.entry import clean_event
from warroom.data.insights.history import reading_connection, require_database
from warroom.data.pg.store import PgEventStore
from warroom.data.rows import row_to_event
from warroom.data.store import EventStore

__all__ = ["IncidentCopy", "copy_history", "digests"]

COLUMNS = ("seq", "incident_id", "at", "actor", "kind", "data")
SELECT_ROWS = "SELECT seq, incident_id, at, actor, kind, data FROM events ORDER BY seq"


@dataclass(frozen=True)
class IncidentCopy:
    """One incident on both sides: how many events, and the digest of its rows in each database."""

    incident_id: str
    events: int
    source: str
    target: str
    target_events: int

    @property
    def matches(self) -> bool:
        return self.events == self.target_events and self.source == self.target


def digests(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[int, str]]:
    """``{incident id: (event count, SHA-256 hex of its rows)}`` over rows in seq order."""
    hashes: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for row in rows:
        incident_id = str(row[1])
        hashes.setdefault(incident_id, hashlib.sha256()).update(
            "\x1f".join(str(value) for value in row).encode("utf-8", "surrogatepass") + b"\x1e"
        )
        counts[incident_id] = counts.get(incident_id, 0) + 1
    return {incident_id: (counts[incident_id], h.hexdigest()) for incident_id, h in hashes.items()}


async def copy_history(path: Path, url: str) -> tuple[list[IncidentCopy], int]:
    """Copy the file at ``path`` into the empty database at ``url``; per incident, both sides; and the keys copied."""
    require_database(path)
    async with await EventStore.open(path):  # refuses a foreign, damaged or newer file; migrates an older one
        pass
    rows, keys = await asyncio.to_thread(_read_file, path)
    _check_rows(rows, path)
    target = await PgEventStore.open(url)
    try:
        async with target.transaction() as tx:
            held = await target._db.fetchval("SELECT count(*) FROM events")
            if held or tx._last:
                raise StoreError(f"{target} already holds {held:,} events: migrate into an empty database "
                                 "(a copy keeps every seq, so two histories cannot be merged)")  # fmt: skip
            if rows:
                await target._db.copy_records_to_table("events", records=rows, columns=COLUMNS)
                await target._db.execute("UPDATE event_counter SET last = $1 WHERE only_row", int(rows[-1][0]))
            if keys:
                await target._db.copy_records_to_table("alert_keys", records=keys, columns=("fingerprint", "incident_id"))
        copied = await target._fetch(SELECT_ROWS)
    finally:
        await target.close()
    source, landed = digests(rows), digests(tuple(row) for row in copied)
    report = []
    for incident_id, (count, digest) in source.items():
        target_count, target_digest = landed.get(incident_id, (0, ""))
        report.append(IncidentCopy(incident_id, count, digest, target_digest, target_count))
    return report, len(keys)


def _read_file(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    db = reading_connection(path)
    try:
        return db.execute(SELECT_ROWS).fetchall(), db.execute("SELECT fingerprint, incident_id FROM alert_keys").fetchall()
    finally:
        db.close()


def _check_rows(rows: list[tuple[Any, ...]], path: Path) -> None:
    """Every row a clean warroom event, or a :class:`StoreError` naming the first that is not (nothing written)."""
    for row in rows:
        try:
            event = row_to_event(row)
        except DamagedRow as exc:
            raise exc.at(path) from None
        if type(row[2]) is not str or type(row[3]) is not str or clean_event(event) != event:
            raise StoreError(f"row {row[0]} of {path} ({row[1]}) holds what warroom removes on the way in "
                             "(a secret or control characters): it was not written by warroom, so nothing was copied")  # fmt: skip
