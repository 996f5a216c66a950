"""Where warroom keeps its files by default."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP = "warroom"


def default_db_path() -> Path:
    """``WARROOM_DB`` if set, else ``warroom.db`` in the user data dir."""
    env = os.environ.get("WARROOM_DB")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir(APP)) / "warroom.db"


def default_config_path() -> Path | None:
    """``WARROOM_CONFIG`` if set, else ``warroom.toml`` in the user config dir if it exists."""
    env = os.environ.get("WARROOM_CONFIG")
    if env:
        return Path(env).expanduser()
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
