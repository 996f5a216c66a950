"""The event store in PostgreSQL: the same timeline, seqs and checks as the SQLite file, for several hosts.

* A write transaction locks the one row of ``event_counter`` first (see
  :mod:`warroom.data.pg.schema`): writers on every host take turns, each catches up
  with what the others committed, validates against that state, and numbers its
  events after the last committed seq: no gap, no duplicate, in commit order.
* Every event is cleaned on its way in (:func:`warroom.data.batch.checked_batch`).
* A commit notifies ``warroom_events`` with ``"<incident id> <last seq>"`` per
  incident; followers listen (:mod:`warroom.data.pg.follow`) and read ``seq > last``.
* A dropped connection is reopened on the next call; a read retries once on it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from warroom.data import events as ev
from warroom.data import snapshots
from warroom.data.batch import checked_batch, numbered
from warroom.data.ids import format_incident_id, next_incident_id, validate_incident_id
from warroom.data.models import Incident
from warroom.data.paths import default_db_path
from warroom.data.pg.follow import CHANNEL, Follower
from warroom.data.pg.leases import PgLeases
from warroom.data.pg.schema import CONNECTION_LOST, connect, explain, migrate
from warroom.data.rows import row_to_event
from warroom.data.selection import Selection
from warroom.data.store import EventStore, Transaction, _no_gc
from warroom.data.store_api import StoreUnavailable, shown_location

__all__ = ["PgEventStore", "PgTransaction"]

COLUMNS = "seq, incident_id, at, actor, kind, data"
SELECT_SINCE = f"SELECT {COLUMNS} FROM events WHERE incident_id = $1 AND seq > $2 ORDER BY seq"
ENVELOPE = set(ev.ENVELOPE)
#: One statement writes the batch, moves the counter and queues the notifications (sent at COMMIT).
WRITE = f"""
WITH written AS (
    INSERT INTO events ({COLUMNS})
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
), counted AS (
    UPDATE event_counter SET last = $7 WHERE only_row
)
SELECT pg_notify('{CHANNEL}', note) FROM unnest($8::text[]) AS note
"""
UPSERT_SNAPSHOT = """
INSERT INTO snapshots (incident_id, seq, fold_version, state, outputs) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq, fold_version = excluded.fold_version,
    state = excluded.state, outputs = excluded.outputs WHERE snapshots.seq <= excluded.seq
"""
LOCK_COUNTER = "SELECT last FROM event_counter WHERE only_row FOR UPDATE"


class PgTransaction(Transaction):
    """A write transaction on PostgreSQL: read states, append events, bind alert keys.

    ``state`` and ``append`` are the SQLite transaction's (they speak no SQL); every method that
    writes or reads the database is its own.
    """

    def __init__(self, store: "PgEventStore", last: int) -> None:
        super().__init__(store)  # type: ignore[arg-type]
        self._store: PgEventStore = store  # type: ignore[assignment]
        self._last = last  # the last seq given out, under this transaction's lock on the counter

    async def append_many(self, events: Sequence[ev.BaseEvent]) -> list[ev.BaseEvent]:
        """Validate every event in order (all or none), then write them in one statement."""
        for event in events:
            await self.state(event.incident_id)
        mine = len(events)  # the caller's events come first; queued notifications follow them
        states = dict(self._states)
        batch = checked_batch(events, states, self._store.outbox)  # raises InvalidEvent: nothing written
        first = self._last + 1
        last_of: dict[str, int] = {}
        for offset, event in enumerate(batch):
            last_of[event.incident_id] = first + offset
        columns: list[list[Any]] = [[first + i for i in range(len(batch))], [], [], [], [], []]
        for event in batch:
            columns[1].append(event.incident_id)
            columns[2].append(event.at.isoformat())
            columns[3].append(event.actor)
            columns[4].append(event.kind)
            columns[5].append(event.model_dump_json(exclude=ENVELOPE))
        notes = [f"{incident_id} {seq}" for incident_id, seq in last_of.items()]
        await self._store._db.fetch(WRITE, *columns, first + len(batch) - 1, notes)
        self._last += len(batch)
        stored = numbered(batch, first, states)
        self._states.update(states)
        self.appended.extend(stored)
        return stored[:mine]

    async def next_id(self, year: int) -> str:
        """The next free id of ``year`` (read once per transaction, then counted on)."""
        taken = self._ids.get(year)
        if taken is None:
            rows = await self._store._db.fetch(
                "SELECT DISTINCT incident_id FROM events WHERE kind = 'incident.declared' AND incident_id LIKE $1",
                f"INC-{year:04d}-%",
            )
            taken = int(next_incident_id(year, [row[0] for row in rows]).rsplit("-", 1)[1]) - 1
        self._ids[year] = taken + 1
        return format_incident_id(year, taken + 1)

    async def incidents_for_keys(self, keys: Sequence[str]) -> dict[str, str]:
        """``{key: incident id}`` for every key of ``keys`` that is bound (one query)."""
        rows = await self._store._db.fetch(
            "SELECT fingerprint, incident_id FROM alert_keys WHERE fingerprint = ANY($1::text[])", list(dict.fromkeys(keys))
        )
        return {row[0]: row[1] for row in rows}

    async def bind_keys(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Bind every ``(key, incident id)`` of ``pairs`` in one statement (a later pair wins)."""
        bound = dict(pairs)
        await self._store._db.execute(
            "INSERT INTO alert_keys (fingerprint, incident_id) SELECT * FROM unnest($1::text[], $2::text[]) "
            "ON CONFLICT (fingerprint) DO UPDATE SET incident_id = excluded.incident_id",
            list(bound), list(bound.values()),
        )  # fmt: skip


class PgEventStore(PgLeases, EventStore):
    """Async access to one warroom database on a PostgreSQL server.

    It is an :class:`~warroom.data.store.EventStore` whose every method that speaks SQL is its
    own; what speaks none is shared (loading and caching states, declaring, batches, the
    connection's task lock), so both engines fold, validate and cache alike.
    ``tests/data/pg/test_pg_store.py`` checks that no SQLite statement is left inherited.
    """

    engine = "postgresql"

    def __init__(self, db: Any, url: str, path: Path) -> None:
        EventStore.__init__(self, db, path)  # ``path``: the local folder for the files kept beside the database
        PgLeases.__init__(self)
        self.url = url
        self._follower = Follower(url)

    @classmethod
    async def open(cls, url: str, *, path: Path | None = None) -> "PgEventStore":
        """Connect and migrate; ``path`` anchors local files (default: beside the default SQLite file)."""
        db = await connect(url)
        try:
            await migrate(db, url)
        except BaseException as exc:
            await db.close(timeout=5)
            if isinstance(exc, Exception):
                raise explain(exc, url) from exc
            raise
        return cls(db, url, path if path is not None else default_db_path())

    def __str__(self) -> str:
        return shown_location(self.url)

    async def close(self) -> None:
        await self._follower.close()
        if not self._db.is_closed():
            try:
                await self._db.close(timeout=5)
            except CONNECTION_LOST:
                self._db.terminate()

    # -- writing -----------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTransaction]:
        """One write transaction holding the counter's row lock; committed on success, rolled back on error."""
        async with self._locked():
            try:
                began, last = await self._begin()
            except Exception as exc:
                raise explain(exc, self.url) from exc
            self._tx_open = True
            tx = PgTransaction(self, last)
            try:
                yield tx
                await began.commit()
            except BaseException as exc:
                await self._rollback(began)
                if isinstance(exc, Exception) and _from_driver(exc):
                    raise explain(exc, self.url) from exc
                raise
            finally:
                self._tx_open = False
            self._cache.update({i: state for i, state in tx._states.items() if state is not None})  # once committed

    async def _begin(self) -> tuple[Any, int]:
        """BEGIN and the counter's lock; a connection found lost at this point is reopened once."""
        for attempt in (1, 2):
            await self._reconnect_if_lost()
            began = self._db.transaction()
            try:
                await began.start()
                return began, int(await self._db.fetchval(LOCK_COUNTER))
            except CONNECTION_LOST:
                self._db.terminate()
                if attempt == 2:
                    raise
            except BaseException:  # cancelled around BEGIN: never leave a transaction (and the counter's lock) open
                await self._rollback(began)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _rollback(self, began: Any) -> None:
        """Roll back; when that fails (never begun, connection gone, cancelled again) drop the connection.

        The server rolls back a dropped session (and frees the counter's lock); the next call
        reconnects. A connection left with a half-known transaction would nest the next one inside it.
        """
        try:
            await began.rollback()
        except BaseException:  # noqa: BLE001 - the caller raises what ended the transaction
            self._db.terminate()

    async def append(self, event: ev.BaseEvent) -> ev.BaseEvent:
        """Append one event in its own transaction; returns it with its ``seq``."""
        async with self.transaction() as tx:
            return await tx.append(event)

    # -- reading -----------------------------------------------------------------------------
    async def _events(self, incident_id: str, since: int, limit: int | None = None) -> list[ev.BaseEvent]:
        if limit is None:
            rows = await self._fetch(SELECT_SINCE, incident_id, since)
        else:
            rows = await self._fetch(SELECT_SINCE + " LIMIT $3", incident_id, since, limit)
        with _no_gc():
            return [row_to_event(row) for row in rows]  # DamagedRow names the row

    async def exists(self, incident_id: str) -> bool:
        return bool(await self._fetch("SELECT 1 FROM events WHERE incident_id = $1 LIMIT 1", incident_id))

    async def incident_ids(self) -> list[str]:
        rows = await self._fetch("SELECT incident_id FROM events WHERE kind = 'incident.declared' ORDER BY seq")
        return [row[0] for row in rows]

    async def last_seq(self) -> int:
        """The last committed seq (the counter: a rolled back write leaves it as it was)."""
        rows = await self._fetch("SELECT last FROM event_counter WHERE only_row")
        return int(rows[0][0]) if rows else 0

    async def incidents_with(self, kinds: Sequence[str], since: int = 0) -> tuple[set[str], int]:
        """The incidents with an event of one of ``kinds`` after ``since``, and the last seq looked at."""
        last = await self.last_seq()
        rows = await self._fetch(
            "SELECT DISTINCT incident_id FROM events WHERE seq > $1 AND seq <= $2 AND kind = ANY($3::text[])",
            since, last, list(kinds),
        )  # fmt: skip
        return {str(r[0]) for r in rows}, max(last, since)

    async def incident_for_key(self, fingerprint: str) -> str | None:
        rows = await self._fetch("SELECT incident_id FROM alert_keys WHERE fingerprint = $1", fingerprint)
        return rows[0][0] if rows else None

    # -- selections (SQLite's ``select`` and ``tail`` build their SQL; it is translated here) --------
    async def _decoded(self, sql: str, params: tuple[Any, ...]) -> list[ev.BaseEvent]:
        rows = await self._fetch(postgres_sql(sql), *params)
        with _no_gc():
            return [row_to_event(row) for row in rows]

    async def count(self, incident_id: str, selection: Selection = Selection(), before: int | None = None) -> int:
        """How many events of ``selection`` the incident has (with ``seq < before``)."""
        where, params = selection.where()
        sql = postgres_sql(f"SELECT COUNT(*) FROM events WHERE incident_id = ? AND seq < ? AND {where}")
        rows = await self._fetch(sql, validate_incident_id(incident_id), before or 2**62, *params)
        return int(rows[0][0])

    # -- snapshots (a cache of the log: see warroom.data.snapshots) ----------------------------
    async def _snapshot(self, incident_id: str, summary: bool = False) -> Incident | None:
        """The incident's stored snapshot (without documents for a summary), or None: the events are replayed."""
        rows = await self._fetch(postgres_sql(snapshots.SELECT_SUMMARY if summary else snapshots.SELECT), incident_id)
        state = snapshots.decode(tuple(rows[0]), incident_id) if rows else None
        self._snapshot_seqs[incident_id] = state.last_seq if state is not None else 0
        return state

    async def _write_snapshot(self, state: Incident) -> None:
        """Store a newer snapshot of ``state`` (never inside a transaction; a failure leaves it for the next load)."""
        if self._tx_open or self._db.is_closed():
            return
        try:
            await self._db.execute(UPSERT_SNAPSHOT, *snapshots.encode(state))
        except Exception as exc:  # noqa: BLE001 - a cache: read-only standby, lost connection, no space
            if not _from_driver(exc):
                raise
            return
        self._snapshot_seqs[state.incident_id] = state.last_seq

    # -- following ---------------------------------------------------------------------------
    async def wait_for_append(self, incident_id: str, after: int, timeout: float) -> None:
        """Return once a commit after ``after`` is announced for the incident, or after ``timeout`` seconds.

        While the notification connection is down it polls (returns after a short wait) and
        reconnects with backoff in the background.
        """
        await self._follower.wait(incident_id, after, timeout)

    @property
    def following_live(self) -> bool:
        """True while notifications arrive (False: reconnecting, followers poll)."""
        return self._follower.live

    # -- internals ---------------------------------------------------------------------------
    async def _fetch(self, sql: str, *params: Any) -> list[Any]:
        """Rows of a read; a connection lost since the last call is reopened and the read tried once more."""
        async with self._locked():
            for attempt in (1, 2):
                await self._reconnect_if_lost()
                try:
                    return list(await self._db.fetch(sql, *params))
                except CONNECTION_LOST as exc:
                    if attempt == 2 or self._tx_open:
                        raise explain(exc, self.url) from exc
                    self._db.terminate()
                except Exception as exc:
                    if _from_driver(exc):
                        raise explain(exc, self.url) from exc
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _reconnect_if_lost(self) -> None:
        """A new connection when the last one went away (never inside a transaction: its writes are gone)."""
        if not self._db.is_closed():
            return
        if self._tx_open:
            raise StoreUnavailable(f"lost the connection to PostgreSQL at {self}: the transaction was rolled back")
        self._db = await connect(self.url)
        self._lease_proofs_lost()


def postgres_sql(sql: str) -> str:
    """SQLite's ``?`` placeholders numbered ``$1, $2, ...``, and its condition ``1`` (always true) as ``TRUE``."""
    numbers = itertools.count(1)
    sql = re.sub(r"\?", lambda _: f"${next(numbers)}", sql)
    return re.sub(r"\bAND 1\b(?!\.)", "AND TRUE", sql)


def _from_driver(exc: Exception) -> bool:
    """True for an error of asyncpg or of the connection (said as a StoreError), not of warroom's own checks."""
    return isinstance(exc, CONNECTION_LOST) or type(exc).__module__.startswith("asyncpg")

