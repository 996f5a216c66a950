"""The database file: its errors, the versioned schema and its forward migrations, checks before opening.

A file from a newer warroom, or one that is not a warroom database, is refused
and never overwritten; migrations run in one ``BEGIN IMMEDIATE`` transaction
(another process may migrate at the same moment).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import aiosqlite

__all__ = [
    "MIGRATIONS", "SCHEMA_VERSION", "CorruptDatabaseError", "DamagedRow", "NewerSchemaError", "StoreError",
    "UnknownIncident", "check_file", "disk_full", "migrate", "not_a_database", "read_only_folder", "schema_version",
]  # fmt: skip

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_by_incident ON events (incident_id, seq);
    CREATE TABLE alert_keys (fingerprint TEXT PRIMARY KEY, incident_id TEXT NOT NULL);
    """,
    # 2: who drives each incident's playbook (warroom.data.leases); times are wall-clock seconds
    """
    CREATE TABLE leases (
        incident_id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        token TEXT NOT NULL,
        acquired_at REAL NOT NULL,
        renewed_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
    # 3: the folded state of each incident at a seq, a cache of the log (warroom.data.snapshots)
    """
    CREATE TABLE snapshots (
        incident_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        fold_version TEXT NOT NULL,
        state TEXT NOT NULL
    );
    """,
    # 4: the runs' documents apart from the rest of the state, so a summary read parses only the rest
    """
    ALTER TABLE snapshots ADD COLUMN outputs TEXT NOT NULL DEFAULT '{}';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """A problem with the database file, said in one sentence."""


class NewerSchemaError(StoreError):
    pass


class CorruptDatabaseError(StoreError):
    pass


class DamagedRow(CorruptDatabaseError):
    """A row of ``events`` that does not decode (a BLOB, text that is not JSON, or not a warroom event).

    Raised while reading, before anything is written: the file is left untouched.
    """

    def __init__(self, seq: object, incident_id: object, problem: str, path: Path | None = None) -> None:
        super().__init__(seq, incident_id, problem)
        self.seq, self.incident_id, self.problem, self.path = seq, incident_id, problem, path

    def at(self, path: Path) -> "DamagedRow":
        """The same error, naming the database file."""
        return DamagedRow(self.seq, self.incident_id, self.problem, path)

    def __str__(self) -> str:
        where = f"{self.path} is" if self.path else "this is"
        return f"{where} not a warroom database (row {self.seq} of events {self.problem}); it was left untouched"


class UnknownIncident(StoreError, KeyError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(incident_id)
        self.incident_id = incident_id

    def __str__(self) -> str:
        return f"no incident {self.incident_id} in this database"


def read_only_folder(path: Path) -> bool:
    """True when the database's folder cannot be written (a read-only mount, or permissions)."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(path.parent, os.W_OK)


def check_file(path: Path) -> None:
    """Refuse a directory before SQLite is asked to open it.

    The file's header is never read here with ``open()``: SQLite's POSIX locks belong to the
    process, and closing *any* descriptor of the file drops them all, even while another thread
    of this process (a private store for the banners) has a connection open. Another process
    would then think itself the file's last user, checkpoint and delete the WAL under that
    connection, and every later write of ours would go to a deleted file that nobody else reads.
    SQLite reads the header itself (through descriptors it keeps while locks are held) and
    refuses a file that is not a database before writing anything: see :func:`not_a_database`.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")


def not_a_database(path: Path, exc: sqlite3.DatabaseError) -> CorruptDatabaseError | None:
    """The sentence for SQLite's "file is not a database" (a foreign or damaged file), else ``None``."""
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB or "file is not a database" in str(exc):
        return CorruptDatabaseError(f"{path} is not an SQLite database (damaged or another kind of file); it was left untouched")
    return None


async def schema_version(db: aiosqlite.Connection, path: Path) -> int:
    async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = {row[0] for row in await cursor.fetchall()}
    if tables and "meta" not in tables:
        raise CorruptDatabaseError(f"{path} is an SQLite database but not a warroom one; it was left untouched")
    if "meta" not in tables:
        return 0
    async with db.execute("SELECT value FROM meta WHERE key = 'schema_version'") as cursor:
        row = await cursor.fetchone()
    if row is None or not str(row[0]).isdigit():
        raise CorruptDatabaseError(f"{path} has no valid schema version; it was left untouched")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path} was written by a newer warroom (schema {version}; this one reads up to {SCHEMA_VERSION}): upgrade warroom"
        )
    return version


async def migrate(db: aiosqlite.Connection, path: Path) -> None:
    if await schema_version(db, path) == SCHEMA_VERSION:
        return
    try:
        await db.execute("BEGIN IMMEDIATE")
        version = await schema_version(db, path)  # another process may have migrated meanwhile
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    await db.execute(statement)
        await db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        await db.execute("COMMIT")
    except BaseException:
        try:
            await db.execute("ROLLBACK")  # queued behind BEGIN even when it was cancelled
        except sqlite3.Error:
            pass  # BEGIN itself failed: nothing to roll back
        raise


_LOW_SPACE = 1 << 20  # bytes: below this, SQLite's "disk I/O error" on a write is the disk being full


def disk_full(path: Path, exc: BaseException) -> str | None:
    """The sentence for ``exc`` when it means the disk holding ``path`` is full, else None."""
    text = str(exc)
    if "disk is full" not in text and "disk I/O error" not in text:
        return None
    try:
        free = shutil.disk_usage(Path(path).expanduser().resolve().parent).free
    except OSError:
        free = None
    if "disk is full" not in text and (free is None or free >= _LOW_SPACE):
        return None
    left = f"{free:,} bytes free" if free is not None else "no space left"
    return (f"the disk holding {path} is full ({left}): nothing was written and the database is intact; "
            "free some space and try again")
