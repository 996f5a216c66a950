"""``[store]`` in ``warroom.toml``: where the event store lives when neither ``--db`` nor ``WARROOM_DB`` says.

``url = "postgresql://warroom@db.internal/warroom"`` selects PostgreSQL; a file path keeps
SQLite there. The URL may carry a password, but ``PGPASSWORD`` or ``~/.pgpass`` keep it out
of the file (asyncpg reads both, like ``psql``).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.data.paths import is_db_url

__all__ = ["StoreSettings"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class StoreSettings(BaseModel):
    """``[store]``: ``url`` is a PostgreSQL URL or the path of an SQLite file (None: the default file)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    url: Annotated[str, Field(min_length=1, max_length=2000)] | None = None

    @field_validator("url")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("contains control characters")
        if _SCHEME.match(value) and not is_db_url(value):
            raise ValueError("give a postgresql:// URL or the path of an SQLite file")
        return value
