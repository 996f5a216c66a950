"""The PostgreSQL database: connecting (every failure said in one sentence) and the versioned schema.

The tables mirror the SQLite file's (:mod:`warroom.data.dbfile`) with one addition:
``event_counter`` holds the last ``seq`` given out. A writer locks its one row for the
whole transaction (the file's ``BEGIN IMMEDIATE``), so writers on any number of hosts
take turns, every batch's seqs follow the last committed one with no gap, and a rolled
back transaction gives its numbers back. Migrations run on open, in one transaction
behind an advisory lock (another host may open the same database at the same moment);
a database from a newer warroom is refused and left untouched.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import asyncpg

from warroom.data.dbfile import NewerSchemaError, StoreError
from warroom.data.store_api import StoreUnavailable, shown_location

__all__ = ["CONNECTION_LOST", "PG_MIGRATIONS", "PG_SCHEMA_VERSION", "connect", "explain", "migrate", "schema_version"]

PG_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events (
        seq BIGINT PRIMARY KEY, incident_id TEXT NOT NULL, at TEXT NOT NULL,
        actor TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX events_by_incident ON events (incident_id, seq);
    CREATE INDEX events_by_kind ON events (kind, seq);
    CREATE TABLE event_counter (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), last BIGINT NOT NULL);
    INSERT INTO event_counter (only_row, last) VALUES (TRUE, 0);
    CREATE TABLE alert_keys (fingerprint TEXT PRIMARY KEY, incident_id TEXT NOT NULL);
    """,
    # 2: who drives each incident's playbook (warroom.data.leases); ``proof`` is the advisory lock its session holds
    """
    CREATE TABLE leases (
        incident_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, token TEXT NOT NULL,
        acquired_at DOUBLE PRECISION NOT NULL, renewed_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL, proof BIGINT NOT NULL
    );
    """,
    # 3: the folded state of each incident at a seq, a cache of the log (warroom.data.snapshots, its format 2)
    """
    CREATE TABLE snapshots (
        incident_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, fold_version TEXT NOT NULL,
        state TEXT NOT NULL, outputs TEXT NOT NULL DEFAULT '{}'
    );
    """,
)
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)
MIGRATION_LOCK = 0x5741524F  # "WARO": the advisory lock migrations take

#: What a connection that went away raises (the server restarted, the network dropped).
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


async def connect(url: str, *, timeout: float = 10.0) -> Any:
    """A connection to ``url``; every failure is a :class:`StoreError` of one sentence."""
    where = shown_location(url)
    try:
        return await asyncpg.connect(url, timeout=timeout)
    except asyncpg.InvalidCatalogNameError as exc:
        raise StoreError(f"the PostgreSQL database of {where} does not exist ({_first_line(exc)}); create it first") from exc
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise StoreError(f"PostgreSQL refused the login for {where}: {_first_line(exc)}") from exc
    except (asyncpg.CannotConnectNowError, asyncpg.exceptions.OperatorInterventionError) as exc:  # starting, stopping
        raise StoreUnavailable(f"the PostgreSQL server of {where} is not accepting connections now: {_first_line(exc)}") from exc
    except asyncpg.TooManyConnectionsError as exc:
        raise StoreError(f"the PostgreSQL server of {where} has no connection slot left: {_first_line(exc)}") from exc
    except asyncpg.PostgresError as exc:
        raise StoreError(f"PostgreSQL at {where} refused the connection: {_first_line(exc)}") from exc
    except (socket.gaierror, OSError, asyncio.TimeoutError, asyncpg.InterfaceError) as exc:
        why = _first_line(exc) or "timed out"
        raise StoreUnavailable(f"cannot connect to the PostgreSQL server of {where}: {why}") from exc
    except (ValueError, TypeError) as exc:  # asyncpg's own URL parser: an unknown option, a bad port
        raise StoreError(f"{where} is not a usable PostgreSQL URL: {_first_line(exc)}") from exc


def explain(exc: BaseException, url: str) -> StoreError:
    """A database error said as one sentence (nothing of the failed statement was written)."""
    where = shown_location(url)
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, CONNECTION_LOST):
        return StoreUnavailable(f"lost the connection to PostgreSQL at {where} ({_first_line(exc) or type(exc).__name__}); "
                          "a write under way is rolled back unless its COMMIT had reached the server, and the next call reconnects")  # fmt: skip
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return StoreError(f"the PostgreSQL user of {where} lacks a privilege warroom needs: {_first_line(exc)}")
    if isinstance(exc, asyncpg.exceptions.DiskFullError):
        return StoreError(f"the PostgreSQL server of {where} is out of disk space: nothing was written")
    if isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
        return StoreError(f"the PostgreSQL database of {where} is read-only (a standby?): nothing was written")
    return StoreError(f"PostgreSQL at {where} failed: {_first_line(exc)}")


async def schema_version(conn: Any, url: str) -> int:
    """The schema version of the database (0 when it holds no warroom tables yet)."""
    tables = {
        row[0]
        for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    }
    if tables and "meta" not in tables and "events" in tables:
        raise StoreError(f"the PostgreSQL database of {shown_location(url)} has an events table that is not "
                         "warroom's; it was left untouched")  # fmt: skip
    if "meta" not in tables:
        return 0
    value = await conn.fetchval("SELECT value FROM meta WHERE key = 'schema_version'")
    if value is None or not str(value).isdigit():
        raise StoreError(f"the PostgreSQL database of {shown_location(url)} has no valid warroom schema version; "
                         "it was left untouched")  # fmt: skip
    version = int(value)
    if version > PG_SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the PostgreSQL database of {shown_location(url)} was written by a newer warroom (schema {version}; "
            f"this one reads up to {PG_SCHEMA_VERSION}): upgrade warroom"
        )
    return version


async def migrate(conn: Any, url: str) -> int:
    """Bring the schema up to :data:`PG_SCHEMA_VERSION`; returns the version found before."""
    found = await schema_version(conn, url)
    if found == PG_SCHEMA_VERSION:
        return found
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        version = await schema_version(conn, url)  # another host may have migrated meanwhile
        for number in range(version, PG_SCHEMA_VERSION):
            await conn.execute(PG_MIGRATIONS[number])
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", str(PG_SCHEMA_VERSION),
        )  # fmt: skip
    return found


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else ""
