"""What every command needs: the database (a file path or a PostgreSQL URL), the config and who is acting.

The database is ``--db``, else ``$WARROOM_DB``, else ``[store] url`` of the config, else
``warroom.db`` in the user data folder. A ``postgresql://`` URL selects PostgreSQL; anything
else is the path of an SQLite file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.data.paths import default_actor, default_config_path, default_db_path, default_db_url, is_db_url, user_path
from warroom.data.store import EventStore
from warroom.data.store_api import open_store

if TYPE_CHECKING:
    from warroom.data.config import Config


class NoSuchFolder(ValueError):
    """``--db`` names a file in a folder that does not exist (a typo, most likely: nothing is created)."""


def explicit_db_path(raw: str) -> Path:
    """``--db PATH``: the folder must exist. Only the default location in the user data folder is created."""
    path = user_path(raw, "--db")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise NoSuchFolder(f"--db {str(raw)!r}: the folder {str(folder)!r} {what}; create it first or give another path")
    return path


@dataclass(frozen=True)
class CommandContext:
    #: The SQLite file; with ``db_url`` set, the local path beside which files are kept (attached evidence).
    db_path: Path
    config_path: Path | None
    actor: str
    #: A PostgreSQL URL: the store lives there (None: in the SQLite file ``db_path``).
    db_url: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "CommandContext":
        db = getattr(args, "db", None)
        config = getattr(args, "config", None)
        actor = getattr(args, "actor", None)
        config_path = user_path(config, "--config") if config else default_config_path()
        url = db if is_db_url(db) else None if db else default_db_url()
        path = explicit_db_path(db) if db and url is None else default_db_path()
        if not db and not os.environ.get("WARROOM_DB"):
            url, path = _configured(config_path, path)
        return cls(db_path=path, config_path=config_path, actor=(actor or default_actor())[:200], db_url=url)

    @property
    def db_location(self) -> str | Path:
        """What opens the store: the URL, else the file path."""
        return self.db_url or self.db_path

    @asynccontextmanager
    async def store(self) -> AsyncIterator[EventStore]:
        """The database, queueing notifications for the configured channels (``[notify.*]``)."""
        from warroom.data.notify import attach_outbox

        config = load_settings(self.config_path)  # before opening: a bad config creates no database
        store = await open_store(self.db_url, path=self.db_path) if self.db_url else await EventStore.open(self.db_path)
        try:
            attach_outbox(store, config)
            yield store
        finally:
            await store.close()


def load_settings(path: Path | None) -> Config:
    """The configuration at ``path`` (defaults when None), with its process-wide parts put in force:
    the ``[evidence]`` limits every evidence reader of this command obeys."""
    from warroom.data.config import load_config
    from warroom.data.evidence_limits import configure

    config = load_config(path)
    configure(config.evidence)
    return config


def _configured(config_path: Path | None, default: Path) -> tuple[str | None, Path]:
    """``[store] url`` of the config: ``(url, path)`` for PostgreSQL, ``(None, path)`` for a file (else the default)."""
    if config_path is None or not config_path.is_file():
        return None, default  # a config named but missing is said where the command reads it
    from warroom.data.config import load_config

    configured = load_config(config_path).store.url
    if configured is None:
        return None, default
    if is_db_url(configured):
        return configured, default
    return None, user_path(configured, "[store] url")
