"""The event store: one SQLite file, one append-only ``events`` table.

* WAL mode, a busy timeout and ``BEGIN IMMEDIATE`` write transactions: several
  processes on one host may append to the same file at once.
* Every event is cleaned on its way in (:func:`warroom.data.entry.clean_event`):
  secrets redacted, control characters stripped, before anything is written.
* Every append validates the event against the incident's current state (the
  fold, caught up with what other processes wrote) inside the write
  transaction, so an invalid event is refused and never stored.
* The schema is versioned with forward migrations; a file from a newer warroom
  or a damaged file is refused and never overwritten.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from warroom.data import events as ev
from warroom.data import snapshots
from warroom.data.dbfile import (  # noqa: F401  (re-exported: the store's public errors and schema)
    MIGRATIONS,
    SCHEMA_VERSION,
    CorruptDatabaseError,
    DamagedRow,
    NewerSchemaError,
    StoreError,
    UnknownIncident,
    check_file,
    disk_full,
    migrate,
    not_a_database,
    read_only_folder,
)
from warroom.data.batch import checked_batch, numbered
from warroom.data.entry import clean_event
from warroom.data.fold import apply, evolve, fold
from warroom.data.ids import format_incident_id, next_incident_id, validate_incident_id
from warroom.data.leases import Lease, LeaseHolder
from warroom.data.notify.plan import TRIGGER_KINDS, OutboxPlan
from warroom.data.rows import row_to_event as _row_to_event
from warroom.data.selection import Selection
from warroom.data.writelock import begin_blocking
from warroom.data.models import Incident

SELECT_SINCE = (
    "SELECT seq, incident_id, at, actor, kind, data FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq"
)
INSERT = "INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)"
SELECT_LEASE = "SELECT incident_id, host, pid, token, acquired_at, renewed_at, expires_at FROM leases WHERE incident_id = ?"
ENVELOPE = set(ev.ENVELOPE)
REPLAY_BATCH = 5_000


class Transaction:
    """A write transaction: read states, append events, bind alert keys."""

    def __init__(self, store: "EventStore") -> None:
        self._store = store
        self._states: dict[str, Incident | None] = {}
        self._ids: dict[int, int] = {}  # year -> the highest id number taken so far
        self._fresh: set[str] = set()  # ids this transaction allocated: no event holds them yet
        self.looked_up: dict[int, tuple[int, int]] = {}  # year -> (highest id number, as of this seq)
        self.appended: list[ev.BaseEvent] = []

    async def state(self, incident_id: str) -> Incident | None:
        """The incident as of this transaction (with what it appended), or None."""
        if incident_id not in self._states:
            self._states[incident_id] = await self._store._catch_up(incident_id)
        return self._states[incident_id]

    async def append(self, event: ev.BaseEvent) -> ev.BaseEvent:
        """Validate ``event`` against the incident and write it; returns it with its ``seq``."""
        return (await self.append_many([event]))[0]

    async def append_many(self, events: Sequence[ev.BaseEvent]) -> list[ev.BaseEvent]:
        """Validate every event in order (all or none), then write them in one statement."""
        for event in events:
            if event.incident_id in self._fresh:
                self._states.setdefault(event.incident_id, None)
            elif event.incident_id not in self._states:
                self._states[event.incident_id] = await self._store._catch_up(event.incident_id)
        mine = len(events)  # the caller's events come first; queued notifications follow them
        states = dict(self._states)
        events = checked_batch(events, states, self._store.outbox)  # raises InvalidEvent: nothing written
        rows = [
            (e.incident_id, e.at.isoformat(), e.actor, e.kind, e.model_dump_json(exclude=ENVELOPE)) for e in events
        ]
        db = self._store._db
        if len(rows) == 1:
            cursor = await db.execute(INSERT, rows[0])
            last = cursor.lastrowid or 0
        else:
            await db.executemany(INSERT, rows)
            async with db.execute("SELECT last_insert_rowid()") as cursor:
                last = int((await cursor.fetchone())[0])  # type: ignore[index]
        # Inside BEGIN IMMEDIATE no one else writes, so the batch's seqs are contiguous.
        stored = numbered(events, last - len(events) + 1, states)
        self._states.update(states)
        self.appended.extend(stored)
        return stored[:mine]

    async def next_id(self, year: int) -> str:
        """The next free id of ``year``; the file is read once per transaction, then ids are counted on.

        Every caller declares the incident under the id it is given, in the same transaction (a
        rollback takes the declaration and the id back together), so an alert storm allocates
        thousands of ids without scanning the file for each. Between transactions the store keeps
        the highest id it has seen and reads only the declarations appended since.
        """
        taken = self._ids.get(year)
        if taken is None:
            # Declarations are read from where the store's last committed look ended (by seq), so a
            # storm's hundred transactions do not each scan every incident in the file.
            highest, seen = self._store._highest.get(year, (0, 0))
            db = self._store._db
            async with db.execute(
                "SELECT incident_id FROM events WHERE seq > ? AND kind = 'incident.declared' AND incident_id LIKE ?",
                (seen, f"INC-{year:04d}-%"),
            ) as cursor:
                newest = int(next_incident_id(year, [row[0] for row in await cursor.fetchall()]).rsplit("-", 1)[1]) - 1
            async with db.execute("SELECT COALESCE(MAX(seq), 0) FROM events") as cursor:
                last = int((await cursor.fetchone())[0])  # type: ignore[index]
            taken = max(highest, newest)
            self.looked_up[year] = (taken, max(seen, last))  # kept by the store once this transaction commits
        self._ids[year] = taken + 1
        incident_id = format_incident_id(year, taken + 1)
        self._fresh.add(incident_id)
        return incident_id

    async def incidents_for_keys(self, keys: Sequence[str]) -> dict[str, str]:
        """``{key: incident id}`` for every key of ``keys`` that is bound (one query per 500 keys)."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            async with self._store._db.execute(
                f"SELECT fingerprint, incident_id FROM alert_keys WHERE fingerprint IN ({marks})", chunk
            ) as cursor:
                found.update({row[0]: row[1] for row in await cursor.fetchall()})
        return found

    async def bind_keys(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Bind every ``(key, incident id)`` of ``pairs`` in one statement."""
        await self._store._db.executemany(
            "INSERT OR REPLACE INTO alert_keys (fingerprint, incident_id) VALUES (?, ?)", list(pairs)
        )


class EventStore:
    """Async access to one warroom database file."""

    engine = "sqlite"  # which database holds the store (``PgEventStore``: "postgresql")

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task holding ``_lock``
        self._tx_open = False  # a transaction() is open: reads may see rows it could still roll back
        self._cache: dict[str, Incident] = {}
        self._highest: dict[int, tuple[int, int]] = {}  # year -> (highest id number, as of this seq)
        self._snapshot_seqs: dict[str, int] = {}  # incident -> the seq of its stored snapshot (0: none)
        #: The configured notification channels: events that publish queue their deliveries (None: no outbox).
        self.outbox: OutboxPlan | None = None

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "FULL") -> "EventStore":
        path = Path(path).expanduser()
        check_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pending = aiosqlite.connect(str(path), isolation_level=None, timeout=30.0)
        try:
            db = await pending
        except sqlite3.Error as exc:
            # The connection's worker thread answers the failed connect on this loop and then stops: wait for
            # it, or a command that exits at once closes the loop first ("Event loop is closed" on stderr).
            worker = getattr(pending, "_thread", None)
            if worker is not None and worker.is_alive():
                await asyncio.to_thread(worker.join, 5)
            if not path.exists() and read_only_folder(path):
                raise StoreError(f"the folder {path.parent} is read-only (or this user cannot write it), so the database "
                                 f"{path.name} cannot be created there") from exc  # fmt: skip
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            # execute_fetchall: a PRAGMA returns a row, and a cursor left unread keeps its
            # statement "in progress", which makes a later COMMIT fail.
            await db.execute_fetchall("PRAGMA busy_timeout = 30000")
            await db.execute_fetchall(f"PRAGMA synchronous = {synchronous}")
            await migrate(db, path)
            await db.execute_fetchall("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            await db.close()
            full = disk_full(path, exc)
            if full:
                raise StoreError(full) from exc
            foreign = not_a_database(path, exc)
            if foreign is not None:
                raise foreign from exc
            if read_only_folder(path):  # WAL needs its -wal/-shm files: not a damaged database
                raise StoreError(f"the database {path} is on a read-only file system (or in a folder this user "
                                 f"cannot write): nothing was written") from exc
            raise CorruptDatabaseError(
                f"{path} is damaged or not a warroom database ({exc}); it was left untouched"
            ) from exc
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> "EventStore":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writing -----------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction (``BEGIN IMMEDIATE``); committed on success, rolled back on error."""
        async with self._locked():
            tx = Transaction(self)
            self._tx_open = True
            try:
                # BEGIN inside the try: a task cancelled while BEGIN is queued on the connection's
                # thread must still roll back, or the connection keeps the write lock for good.
                await self._begin()
                yield tx
                await self._db.execute("COMMIT")
            except BaseException as exc:
                await self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise self._explain(exc) from exc
                raise
            finally:
                self._tx_open = False
            for incident_id, state in tx._states.items():
                if state is not None:
                    self._cache[incident_id] = state
            self._highest.update(tx.looked_up)

    async def append(self, event: ev.BaseEvent) -> ev.BaseEvent:
        """Append one event in its own transaction; returns it with its ``seq``.

        The whole transaction (BEGIN IMMEDIATE, catching up with other writers,
        validating the event against the caught-up state, INSERT, COMMIT) runs
        as ONE call on the connection's thread: one round trip instead of five.
        """
        if self.outbox is not None and event.kind in TRIGGER_KINDS:  # it may queue notifications: one transaction
            return (await self.append_many([event]))[0]
        event = clean_event(event)  # secrets and control characters never reach the file
        incident_id = event.incident_id
        row = (incident_id, event.at.isoformat(), event.actor, event.kind, event.model_dump_json(exclude=ENVELOPE))
        async with self._locked():
            cached = self._cache.get(incident_id)
            try:
                seq, state = await self._db._execute(self._append_on_thread, cached, event, row)
            except sqlite3.Error as exc:
                raise self._explain(exc) from exc
            self._cache[incident_id] = state
        return event.with_seq(seq)

    def _append_on_thread(
        self, cached: Incident | None, event: ev.BaseEvent, row: tuple[Any, ...]
    ) -> tuple[int, Incident]:
        """Runs on aiosqlite's worker thread, which owns the connection."""
        conn: sqlite3.Connection = self._db._conn
        begin_blocking(conn, self.path)
        try:
            since = cached.last_seq if cached else 0
            rows = conn.execute(SELECT_SINCE, (event.incident_id, since)).fetchall()
            state = cached
            with _no_gc():
                for stored in rows:
                    state = apply(state, _row_to_event(stored))
            state = apply(state, event)  # raises InvalidEvent: rolled back below
            seq = int(conn.execute(INSERT, row).lastrowid or 0)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return seq, evolve(state, {"last_seq": max(state.last_seq, seq)})

    async def append_many(self, events: Iterable[ev.BaseEvent]) -> list[ev.BaseEvent]:
        """Append a batch atomically: all of them or none."""
        async with self.transaction() as tx:
            return await tx.append_many(list(events))

    async def declare(self, at: datetime, **fields: Any) -> ev.IncidentDeclared:
        """Declare a new incident under the next free id of ``at``'s year."""
        async with self.transaction() as tx:
            incident_id = await tx.next_id(at.year)
            event = ev.IncidentDeclared(incident_id=incident_id, at=at, **fields)
            return await tx.append(event)  # type: ignore[return-value]

    # -- playbook leases (see warroom.data.leases) ---------------------------------------------
    async def lease(self, incident_id: str) -> Lease | None:
        """The lease on the incident's playbook, or None (a read: no write lock)."""
        rows = await self._fetch(SELECT_LEASE, (incident_id,))
        return Lease.from_row(rows[0]) if rows else None

    async def acquire_lease(self, incident_id: str, holder: LeaseHolder, *, now: float, seconds: float) -> Lease:
        """Take the lease for ``seconds`` from ``now`` unless another live holder has it.

        Returns the lease in force afterwards: ``holder``'s when it got (or already had) it,
        the other holder's otherwise. An expired lease, or one whose holder is a dead process
        on this host, is taken over.
        """
        async with self.transaction():
            current = await self.lease(incident_id)  # read inside the write transaction: no one else changes it
            if current is not None and not current.held_by(holder) and not current.abandoned(now):
                return current
            acquired_at = current.acquired_at if current is not None and current.held_by(holder) else now
            lease = Lease(incident_id, holder, acquired_at, now, now + seconds)
            await self._db.execute(
                "INSERT OR REPLACE INTO leases (incident_id, host, pid, token, acquired_at, renewed_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (incident_id, holder.host, holder.pid, holder.token, acquired_at, now, now + seconds),
            )  # fmt: skip
        return lease

    async def renew_lease(self, incident_id: str, holder: LeaseHolder, *, now: float, seconds: float) -> bool:
        """Extend ``holder``'s lease; False when it no longer holds it (taken over after it expired)."""
        async with self.transaction():
            cursor = await self._db.execute(
                "UPDATE leases SET renewed_at = ?, expires_at = ? WHERE incident_id = ? AND token = ?",
                (now, now + seconds, incident_id, holder.token),
            )
            return cursor.rowcount > 0

    async def release_lease(self, incident_id: str, holder: LeaseHolder) -> bool:
        """Give the lease up (only ``holder``'s own); True if it held it."""
        async with self.transaction():
            cursor = await self._db.execute(
                "DELETE FROM leases WHERE incident_id = ? AND token = ?", (incident_id, holder.token)
            )
            return cursor.rowcount > 0

    # -- reading -----------------------------------------------------------------------------
    async def events(self, incident_id: str, since: int = 0, limit: int | None = None) -> list[ev.BaseEvent]:
        """The incident's events with ``seq > since``, in order."""
        validate_incident_id(incident_id)
        async with self._locked():
            return await self._events(incident_id, since, limit)

    events_since = events

    async def _events(self, incident_id: str, since: int, limit: int | None = None) -> list[ev.BaseEvent]:
        sql = SELECT_SINCE
        params: tuple[Any, ...] = (incident_id, since)
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return await self._decoded(sql, params)

    async def select(self, incident_id: str, selection: Selection, since: int = 0, limit: int | None = None) -> list[ev.BaseEvent]:
        """The events of ``selection`` with ``seq > since``, oldest first (at most ``limit``)."""
        where, params = selection.where()
        sql = f"SELECT seq, incident_id, at, actor, kind, data FROM events WHERE incident_id = ? AND seq > ? AND {where} ORDER BY seq"
        return await self._decoded(sql + (" LIMIT ?" if limit is not None else ""),
                                   (validate_incident_id(incident_id), since, *params, *(() if limit is None else (limit,))))  # fmt: skip

    async def tail(self, incident_id: str, limit: int, selection: Selection = Selection(), before: int | None = None) -> list[ev.BaseEvent]:
        """The last ``limit`` events of ``selection`` (with ``seq < before``), oldest first: a reverse read."""
        where, params = selection.where()
        sql = f"SELECT seq, incident_id, at, actor, kind, data FROM events WHERE incident_id = ? AND seq < ? AND {where} ORDER BY seq DESC LIMIT ?"
        rows = await self._decoded(sql, (validate_incident_id(incident_id), before or 2**62, *params, limit))
        return rows[::-1]

    async def count(self, incident_id: str, selection: Selection = Selection(), before: int | None = None) -> int:
        """How many events of ``selection`` the incident has (with ``seq < before``)."""
        where, params = selection.where()
        sql = f"SELECT COUNT(*) FROM events WHERE incident_id = ? AND seq < ? AND {where}"
        rows = await self._fetch(sql, (validate_incident_id(incident_id), before or 2**62, *params))
        return int(rows[0][0])

    async def _decoded(self, sql: str, params: tuple[Any, ...]) -> list[ev.BaseEvent]:
        rows = await self._fetch(sql, params)
        with _no_gc():
            try:
                return [_row_to_event(row) for row in rows]
            except DamagedRow as exc:
                raise exc.at(self.path) from None

    async def load(self, incident_id: str) -> Incident:
        """The incident's current state (cached, caught up with other writers)."""
        validate_incident_id(incident_id)
        async with self._locked():
            state = await self._catch_up(incident_id)
        if state is None:
            raise UnknownIncident(incident_id)
        return state

    async def exists(self, incident_id: str) -> bool:
        return bool(await self._fetch("SELECT 1 FROM events WHERE incident_id = ? LIMIT 1", (incident_id,)))

    async def incident_ids(self) -> list[str]:
        rows = await self._fetch("SELECT incident_id FROM events WHERE kind = 'incident.declared' ORDER BY seq")
        return [row[0] for row in rows]

    async def incidents(self) -> list[Incident]:
        return [await self.load(incident_id) for incident_id in await self.incident_ids()]

    async def readable_incidents(self) -> tuple[list[Incident], list[tuple[str, str]]]:
        """Every incident that can be read, and ``(id, why)`` for each one a damaged row makes unreadable."""
        found: list[Incident] = []
        damaged: list[tuple[str, str]] = []
        for incident_id in await self.incident_ids():
            try:
                found.append(await self.load(incident_id))
            except DamagedRow as exc:  # a BLOB, text that is not JSON, not a warroom event
                damaged.append((incident_id, f"row {exc.seq} of events {exc.problem}"))
            except ValueError as exc:  # an event the fold refuses (pydantic's errors are ValueErrors)
                damaged.append((incident_id, _why(exc)))
        return found, damaged

    async def last_seq(self) -> int:
        rows = await self._fetch("SELECT COALESCE(MAX(seq), 0) FROM events")
        return int(rows[0][0]) if rows else 0

    async def incidents_with(self, kinds: Sequence[str], since: int = 0) -> tuple[set[str], int]:
        """The incidents with an event of one of ``kinds`` after ``since``, and the last seq looked at."""
        marks = ", ".join("?" for _ in kinds)
        last = await self.last_seq()  # first: an event appended meanwhile is found by the next call
        rows = await self._fetch(f"SELECT DISTINCT incident_id FROM events WHERE seq > ? AND seq <= ? AND kind IN ({marks})",
                                 (since, last, *kinds))  # fmt: skip
        return {str(r[0]) for r in rows}, max(last, since)

    async def incident_for_key(self, fingerprint: str) -> str | None:
        rows = await self._fetch("SELECT incident_id FROM alert_keys WHERE fingerprint = ?", (fingerprint,))
        return rows[0][0] if rows else None

    async def wait_for_append(self, incident_id: str, after: int, timeout: float) -> None:
        """Wait until events after ``after`` may exist: a file has no notifications, so followers poll (0.25 s)."""
        await asyncio.sleep(min(timeout, 0.25))

    async def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a read, with database errors said as one sentence."""
        async with self._locked():
            try:
                return list(await self._db.execute_fetchall(sql, params))
            except sqlite3.Error as exc:
                raise self._explain(exc) from exc

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        """Hold the connection for one read or write; re-entered freely by the task that holds it.

        Reads take it too: on the shared connection a read during another task's open
        transaction would see rows that transaction may still roll back.
        """
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

    # -- internals ---------------------------------------------------------------------------
    async def _rollback(self) -> None:
        # The ROLLBACK is queued on the connection's thread at once, behind whatever the
        # cancelled or failed transaction left there; waiting for it may itself be cancelled.
        try:
            await self._db.execute("ROLLBACK")
        except (sqlite3.Error, ValueError):
            pass  # no transaction was open (BEGIN failed, or COMMIT already ran), or the connection closed

    def _explain(self, exc: sqlite3.Error) -> StoreError:
        """A database error said as one sentence (nothing was written)."""
        text = str(exc)
        full = disk_full(self.path, exc)
        if full:
            return StoreError(full)
        if "readonly" in text or "read-only" in text:
            return StoreError(f"the database {self.path} is read-only ({text}); nothing was written")
        if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text):
            return CorruptDatabaseError(f"{self.path} is damaged ({text}); it was left untouched")
        if "locked" in text or "busy" in text:
            return StoreError(f"the database {self.path} stayed locked by another process ({text})")
        return StoreError(f"the database {self.path} failed: {text}")

    async def _begin(self) -> None:
        await self._db._execute(begin_blocking, self._db._conn, self.path)

    async def load_summary(self, incident_id: str) -> Incident:
        """The incident's current state without its agents' documents (every run's ``output`` is empty).

        What a report needs (``show``, ``stats``): on a cold load only the snapshot's state is
        parsed, not the documents beside it, and the tail is folded onto it (nothing is cached).
        """
        validate_incident_id(incident_id)
        async with self._locked():
            state = None if incident_id in self._cache else await self._snapshot(incident_id, summary=True)
            state = await self._fold_tail(incident_id, state) if state is not None else await self._catch_up(incident_id)
        if state is None:
            raise UnknownIncident(incident_id)
        return snapshots.summary_of(state)

    async def _catch_up(self, incident_id: str) -> Incident | None:
        state = self._cache.get(incident_id)
        if state is None:  # a cold load starts from the incident's snapshot, if it has a usable one
            state = await self._snapshot(incident_id)
        state = await self._fold_tail(incident_id, state)
        if state is not None and not self._tx_open:  # a transaction caches its states only once committed
            self._cache[incident_id] = state
            if state.last_seq - self._snapshot_seqs.get(incident_id, 0) >= snapshots.SNAPSHOT_EVERY:
                await self._write_snapshot(state)
        return state

    async def _fold_tail(self, incident_id: str, state: Incident | None) -> Incident | None:
        """``state`` with the incident's events after its ``last_seq`` folded on."""
        since = state.last_seq if state else 0
        while True:  # in batches: a 100,000-event replay never holds all its events at once
            batch = await self._events(incident_id, since, REPLAY_BATCH)
            if not batch:
                break
            with _no_gc():  # a long replay allocates many objects that all stay alive
                state = fold(state, batch)
            since = batch[-1].seq
            if len(batch) < REPLAY_BATCH:
                break
        return state

    async def _snapshot(self, incident_id: str, summary: bool = False) -> Incident | None:
        """The incident's stored snapshot (without documents for a summary), or None: the events are replayed."""
        try:
            rows = await self._fetch(snapshots.SELECT_SUMMARY if summary else snapshots.SELECT, (incident_id,))
        except StoreError:  # a file from before schema 3 cannot be here (migrated on open); a damaged table is no snapshot
            return None
        state = snapshots.decode(rows[0], incident_id) if rows else None
        self._snapshot_seqs[incident_id] = state.last_seq if state is not None else 0
        return state

    async def _write_snapshot(self, state: Incident) -> None:
        row = snapshots.encode(state)
        if await self._db._execute(snapshots.write, self._db._conn, row, 30_000):
            self._snapshot_seqs[state.incident_id] = state.last_seq


def _why(exc: ValueError) -> str:
    """One line saying what is wrong with an event row (pydantic's message, without its help link)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            return str(first.get("msg", "invalid"))[:200]
        except (IndexError, TypeError, AttributeError):
            pass
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else "unreadable"


@contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
