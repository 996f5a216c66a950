"""The event store on PostgreSQL (through ``asyncpg``): the SQLite store's behaviour, shared by several hosts."""

from warroom.data.pg.store import PgEventStore, PgTransaction

__all__ = ["PgEventStore", "PgTransaction"]
