"""The event store's interface, and opening one from a location: a file path (SQLite) or a URL (PostgreSQL).

Two engines implement :class:`Store` with the same behaviour: the SQLite file of
:mod:`warroom.data.store` (one host) and the PostgreSQL database of
:mod:`warroom.data.pg` (several hosts). Every caller reads and writes through these
methods only, so either engine serves the war room, the headless runner, the intake
and the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from warroom.data import events as ev
from warroom.data.dbfile import StoreError
from warroom.data.leases import Lease, LeaseHolder
from warroom.data.models import Incident
from warroom.data.paths import is_db_url

if TYPE_CHECKING:
    from warroom.data.notify.plan import OutboxPlan
    from warroom.data.selection import Selection

__all__ = ["Store", "StoreTransaction", "StoreUnavailable", "is_database_url", "open_store", "shown_location"]


class StoreUnavailable(StoreError):
    """The database cannot be reached now (its server restarts, the network dropped); a later call may succeed.

    Nothing of the call that raised it was stored. Followers retry with backoff.
    """


@runtime_checkable
class StoreTransaction(Protocol):
    """One write transaction: what it reads is what it validates against; committed or rolled back whole."""

    appended: list[ev.BaseEvent]

    async def state(self, incident_id: str) -> Incident | None: ...
    async def append(self, event: ev.BaseEvent) -> ev.BaseEvent: ...
    async def append_many(self, events: Sequence[ev.BaseEvent]) -> list[ev.BaseEvent]: ...
    async def next_id(self, year: int) -> str: ...
    async def incidents_for_keys(self, keys: Sequence[str]) -> dict[str, str]: ...
    async def bind_keys(self, pairs: Sequence[tuple[str, str]]) -> None: ...


@runtime_checkable
class Store(Protocol):
    """An event store: one append-only timeline of events, a global gap-free ``seq``, leases and alert keys.

    ``path`` anchors the files kept beside the database (attached evidence); ``outbox``
    is the notification plan appends queue deliveries with (None: no outbox).
    """

    engine: str  # "sqlite" or "postgresql"
    path: Path
    outbox: "OutboxPlan | None"

    async def close(self) -> None: ...
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: object) -> None: ...

    # writing
    def transaction(self) -> AbstractAsyncContextManager[Any]: ...
    async def append(self, event: ev.BaseEvent) -> ev.BaseEvent: ...
    async def append_many(self, events: Iterable[ev.BaseEvent]) -> list[ev.BaseEvent]: ...
    async def declare(self, at: datetime, **fields: Any) -> ev.IncidentDeclared: ...

    # leases
    async def lease(self, incident_id: str) -> Lease | None: ...
    async def acquire_lease(self, incident_id: str, holder: LeaseHolder, *, now: float, seconds: float) -> Lease: ...
    async def renew_lease(self, incident_id: str, holder: LeaseHolder, *, now: float, seconds: float) -> bool: ...
    async def release_lease(self, incident_id: str, holder: LeaseHolder) -> bool: ...

    # reading
    async def events(self, incident_id: str, since: int = 0, limit: int | None = None) -> list[ev.BaseEvent]: ...
    async def load(self, incident_id: str) -> Incident: ...
    async def exists(self, incident_id: str) -> bool: ...
    async def incident_ids(self) -> list[str]: ...
    async def incidents(self) -> list[Incident]: ...
    async def readable_incidents(self) -> tuple[list[Incident], list[tuple[str, str]]]: ...
    async def last_seq(self) -> int: ...
    async def incidents_with(self, kinds: Sequence[str], since: int = 0) -> tuple[set[str], int]: ...
    async def incident_for_key(self, fingerprint: str) -> str | None: ...
    async def load_summary(self, incident_id: str) -> Incident: ...
    async def select(self, incident_id: str, selection: "Selection", since: int = 0,
                     limit: int | None = None) -> list[ev.BaseEvent]: ...  # fmt: skip
    async def tail(self, incident_id: str, limit: int, selection: "Selection" = ...,
                   before: int | None = None) -> list[ev.BaseEvent]: ...  # fmt: skip
    async def count(self, incident_id: str, selection: "Selection" = ..., before: int | None = None) -> int: ...

    # following
    async def wait_for_append(self, incident_id: str, after: int, timeout: float) -> None: ...


def is_database_url(location: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://...`` or ``postgres://...``); a path is SQLite."""
    return is_db_url(location)


def shown_location(location: str | Path) -> str:
    """The location as it may be printed: a URL's password is replaced by ``***``."""
    text = str(location)
    if not is_database_url(text):
        return text
    return re.sub(r"^([^:/]+://[^:@/]*:)[^@/]*@", r"\1***@", text)


async def open_store(location: str | Path, **options: Any) -> Any:
    """The store at ``location``: a PostgreSQL URL opens :class:`~warroom.data.pg.PgEventStore`, a path SQLite's."""
    if is_database_url(location):
        from warroom.data.pg import PgEventStore

        return await PgEventStore.open(str(location), **options)
    from warroom.data.store import EventStore

    return await EventStore.open(location, **options)

