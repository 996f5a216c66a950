"""A real PostgreSQL server for the tests: ``initdb`` into a temporary folder, ``postgres`` on a Unix socket there.

One server per pytest process (each xdist worker starts its own: its own folder and socket,
so nothing is shared between workers), one fresh database per test. When running as root
the server runs as the ``postgres`` user (``initdb`` refuses root). Durability is switched
off (``fsync=off``): the tests check behaviour, ``bench/store.py`` measures speed.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

__all__ = ["PgServer", "find_binaries", "name_of", "unavailable_reason"]

T = TypeVar("T")
SETTINGS = "-c listen_addresses='' -c max_connections=200 -c shared_buffers=16MB"
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # the tests: behaviour, not durability


def name_of(url: str) -> str:
    """The database name of a URL."""
    return urlsplit(url).path.lstrip("/")


def find_binaries() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``: on PATH, else Debian's ``/usr/lib/postgresql/*/bin``."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def unavailable_reason() -> str | None:
    """Why no server can be started here (the skip reason), or None when one can."""
    if find_binaries() is None:
        return "PostgreSQL is not installed: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the PostgreSQL server as"
    return None


class PgServer:
    """A running server; :meth:`database` makes a fresh database and returns its URL."""

    def __init__(self, *, durable: bool = False, parent: Path | None = None) -> None:
        """``durable``: fsync every commit as a production server does (``bench/store.py``, its data folder in
        ``parent``, on the disk measured); else the tests' fast mode in the temporary folder."""
        self.settings = SETTINGS if durable else f"{SETTINGS} {FAST}"
        binaries = find_binaries()
        assert binaries is not None
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="warroom-pg-", dir=parent))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._names = itertools.count(1)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
                  "--locale=C")  # fmt: skip
        self.start()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-server-admin", daemon=True)
        self._thread.start()
        self._admin_conn: Any = None

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@/{database}?host={self.folder}"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-k {self.folder} {self.settings}", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser in ``database`` (a name or a URL); its rows, ``|`` between values."""
        database = name_of(database) if "://" in database else database

        async def run() -> str:
            conn = await asyncpg.connect(self.url(database))
            try:
                rows = await conn.fetch(statement)
            finally:
                await conn.close()
            return "".join("|".join(str(v) for v in row.values()) + "\n" for row in rows)

        return self._on_loop(run())

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._on_loop(self._admin("CREATE DATABASE " + name))
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop the database of ``url`` (closing whatever a test left connected to it)."""
        self._on_loop(self._admin(f"DROP DATABASE IF EXISTS {name_of(url)} WITH (FORCE)"))

    async def _admin(self, statement: str) -> None:
        """Run ``statement`` on the superuser's connection (opened again after a restart)."""
        for attempt in (1, 2):
            if self._admin_conn is None or self._admin_conn.is_closed():
                self._admin_conn = await asyncpg.connect(self.url())
            try:
                await self._admin_conn.execute(statement)
                return
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                self._admin_conn.terminate()  # the server restarted under it: once more on a new connection
                if attempt == 2:
                    raise

    def _on_loop(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on this server's own event loop thread (callable from sync and async code alike)."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=120)

    def close(self) -> None:
        if self._admin_conn is not None and not self._admin_conn.is_closed():
            self._on_loop(self._admin_conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [*self._as_user, str(self.bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
