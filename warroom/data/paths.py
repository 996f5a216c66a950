"""Where warroom keeps its files by default."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP = "warroom"


class NoHomeDirectory(ValueError):
    """A ``~user`` path whose user has no home directory here."""


def user_path(raw: str | os.PathLike[str], what: str = "path") -> Path:
    """``raw`` with a leading ``~`` or ``~user`` expanded; an unknown user is said in one sentence.

    ``what`` names the value in the message (``--db``, ``--config``, ``$WARROOM_DB``).
    """
    path = Path(raw)
    try:
        return path.expanduser()
    except RuntimeError:  # pathlib's "Could not determine home directory."
        head = str(raw).split(os.sep, 1)[0]
        who = f"user {head[1:]!r}" if len(head) > 1 else "this user"
        raise NoHomeDirectory(f"{what} {str(raw)!r} starts with {head!r}, but {who} has no home directory here") from None


class NotARegularFile(ValueError):
    """A FIFO, device or socket given where a file is read."""


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit`` bytes of ``path``, which must be a regular file.

    Opened without blocking and checked on the open descriptor (no window between a
    check and the open): a FIFO, a device or a socket raises :class:`NotARegularFile`
    at once instead of waiting for a writer; a directory raises ``IsADirectoryError``.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotARegularFile(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read(limit)


def default_db_path() -> Path:
    """``WARROOM_DB`` if set (and a path), else ``warroom.db`` in the user data dir.

    A ``WARROOM_DB`` that is a PostgreSQL URL (see :func:`default_db_url`) leaves the data
    dir's path: it anchors the files kept beside the database (attached evidence).
    """
    env = os.environ.get("WARROOM_DB")
    if env and not is_db_url(env):
        return user_path(env, "$WARROOM_DB")
    return Path(user_data_dir(APP)) / "warroom.db"


def default_db_url() -> str | None:
    """``WARROOM_DB`` when it is a PostgreSQL URL (``postgresql://...``), else None."""
    env = os.environ.get("WARROOM_DB")
    return env if env and is_db_url(env) else None


def is_db_url(location: object) -> bool:
    """True for a PostgreSQL URL; a path (anything else) is an SQLite file."""
    return isinstance(location, str) and location[:13].lower().startswith(("postgresql://", "postgres://"))


def default_config_path() -> Path | None:
    """``WARROOM_CONFIG`` if set, else ``warroom.toml`` in the user config dir if it exists."""
    env = os.environ.get("WARROOM_CONFIG")
    if env:
        return user_path(env, "$WARROOM_CONFIG")
    candidate = Path(user_config_dir(APP)) / "warroom.toml"
    return candidate if candidate.exists() else None


def default_actor() -> str:
    """The login name of whoever runs warroom."""
    for name in ("WARROOM_ACTOR", "USER", "LOGNAME"):
        value = os.environ.get(name)
        if value:
            return value[:200]
    try:
        import getpass

        return getpass.getuser()[:200]
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "unknown"
