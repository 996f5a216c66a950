"""What every command needs: the database path, the config and who is acting."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.data.paths import default_actor, default_config_path, default_db_path, user_path
from warroom.data.store import EventStore

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
    db_path: Path
    config_path: Path | None
    actor: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "CommandContext":
        db = getattr(args, "db", None)
        config = getattr(args, "config", None)
        actor = getattr(args, "actor", None)
        return cls(
            db_path=explicit_db_path(db) if db else default_db_path(),
            config_path=user_path(config, "--config") if config else default_config_path(),
            actor=(actor or default_actor())[:200],
        )

    @asynccontextmanager
    async def store(self) -> AsyncIterator[EventStore]:
        """The database, queueing notifications for the configured channels (``[notify.*]``)."""
        from warroom.data.notify import attach_outbox

        config = load_settings(self.config_path)  # before opening: a bad config creates no database
        store = await EventStore.open(self.db_path)
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
