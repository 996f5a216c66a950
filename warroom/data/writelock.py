"""Taking SQLite's write lock fairly: ``BEGIN IMMEDIATE`` behind a turnstile beside the database file."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warroom.data.dbfile import StoreError

__all__ = ["begin_blocking"]


def begin_blocking(conn: sqlite3.Connection, path: Path) -> None:
    """``BEGIN IMMEDIATE`` on the connection's own thread, retrying while another writer holds the lock."""
    with _turnstile(path):
        _begin_now(conn, path)


@contextmanager
def _turnstile(path: Path) -> Iterator[None]:
    """Writers queue here (a ``flock`` on ``<db>-turnstile``) while they wait for the write lock.

    SQLite gives the write lock to whoever asks first after it is freed; a waiting writer only asks
    again every 100 ms, so a process committing batch after batch (an alert storm) would take it back
    every time. A writer holding the turnstile keeps the next batch's writer waiting behind it, so
    one waits for one transaction at most. Where the file cannot be made, writers wait as before.
    """
    try:
        fd = os.open(f"{path}-turnstile", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _begin_now(conn: sqlite3.Connection, path: Path) -> None:
    for attempt in range(50):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            time.sleep(min(0.01 * (attempt + 1), 0.2))
    raise StoreError(f"the database {path} stayed locked by another process")
