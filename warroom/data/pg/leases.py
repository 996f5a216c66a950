"""Playbook leases in PostgreSQL: the ``leases`` row, and an advisory lock proving its holder is connected.

The holder's session takes a session-level advisory lock named by its token (the
``proof``) when it takes the lease. A holder killed with ``kill -9`` on any host drops
its connection, the server releases the lock, and the lease is abandoned at once; a
holder that hangs with its connection open keeps it until the expiry passes, as on
SQLite. A lease is read and changed inside the write transaction (the counter's row
lock), so two hosts never both take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warroom.data.leases import Lease, LeaseHolder

if TYPE_CHECKING:
    from warroom.data.pg.store import PgEventStore

__all__ = ["ConnectedLease", "PgLeases", "proof_key"]

PROOF_CLASS = 0x57524C  # "WRL": the high 32 bits of every proof's advisory lock key
#: The lease row, and whether its holder's session still holds its proof (an advisory lock of this database).
SELECT_LEASE = """
SELECT incident_id, host, pid, token, acquired_at, renewed_at, expires_at, EXISTS (
    SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND classid = (leases.proof >> 32)::oid AND objid = (leases.proof & 4294967295)::oid
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
) FROM leases WHERE incident_id = $1
"""


def proof_key(token: str) -> int:
    """The advisory lock key that proves the holder of ``token`` is connected (two non-negative 31-bit halves)."""
    low = int.from_bytes(token.encode("utf-8")[:64].ljust(4, b"\0"), "big") % 0x7FFFFFFF
    return (PROOF_CLASS << 32) | low


@dataclass(frozen=True)
class ConnectedLease(Lease):
    """A lease read from PostgreSQL: ``connected`` is False once its holder's session is gone (killed, crashed)."""

    connected: bool = True

    def abandoned(self, now: float) -> bool:
        return not self.connected or super().abandoned(now)


class PgLeases:
    """The lease methods of :class:`~warroom.data.pg.store.PgEventStore`."""

    def __init__(self) -> None:
        self._proofs: set[int] = set()  # the proof locks this connection holds

    async def lease(self: "PgEventStore", incident_id: str) -> Lease | None:
        """The lease on the incident's playbook, or None."""
        rows = await self._fetch(SELECT_LEASE, incident_id)
        if not rows:
            return None
        lease = Lease.from_row(tuple(rows[0])[:7])
        return ConnectedLease(lease.incident_id, lease.holder, lease.acquired_at, lease.renewed_at, lease.expires_at,
                              connected=bool(rows[0][7]))  # fmt: skip

    async def acquire_lease(
        self: "PgEventStore", incident_id: str, holder: LeaseHolder, *, now: float, seconds: float
    ) -> Lease:
        """Take the lease for ``seconds`` from ``now`` unless another live, connected holder has it."""
        async with self.transaction():
            current = await self.lease(incident_id)
            if current is not None and not current.held_by(holder) and not current.abandoned(now):
                return current
            acquired_at = current.acquired_at if current is not None and current.held_by(holder) else now
            proof = await self._hold_proof(holder)
            await self._db.execute(
                "INSERT INTO leases (incident_id, host, pid, token, acquired_at, renewed_at, expires_at, proof) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (incident_id) DO UPDATE SET host = excluded.host, "
                "pid = excluded.pid, token = excluded.token, acquired_at = excluded.acquired_at, "
                "renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, proof = excluded.proof",
                incident_id, holder.host, holder.pid, holder.token, acquired_at, now, now + seconds, proof,
            )  # fmt: skip
        return Lease(incident_id, holder, acquired_at, now, now + seconds)

    async def renew_lease(
        self: "PgEventStore", incident_id: str, holder: LeaseHolder, *, now: float, seconds: float
    ) -> bool:
        """Extend ``holder``'s lease; False when it no longer holds it (taken over)."""
        async with self.transaction():
            status = await self._db.execute(
                "UPDATE leases SET renewed_at = $1, expires_at = $2 WHERE incident_id = $3 AND token = $4",
                now, now + seconds, incident_id, holder.token,
            )  # fmt: skip
            renewed = _count(status) > 0
            if renewed:
                await self._hold_proof(holder)  # again after a reconnect (the old session's lock went with it)
            return renewed

    async def release_lease(self: "PgEventStore", incident_id: str, holder: LeaseHolder) -> bool:
        """Give the lease up (only ``holder``'s own); True if it held it."""
        async with self.transaction():
            status = await self._db.execute(
                "DELETE FROM leases WHERE incident_id = $1 AND token = $2", incident_id, holder.token
            )
            others = await self._db.fetchval("SELECT count(*) FROM leases WHERE token = $1", holder.token)
            key = proof_key(holder.token)
            if not others and key in self._proofs:
                await self._db.execute("SELECT pg_advisory_unlock($1)", key)
                self._proofs.discard(key)
            return _count(status) > 0

    async def _hold_proof(self: "PgEventStore", holder: LeaseHolder) -> int:
        key = proof_key(holder.token)
        if key not in self._proofs and await self._db.fetchval("SELECT pg_try_advisory_lock($1)", key):
            self._proofs.add(key)  # (held by another session already: that one is the same holder's, and proves it)
        return key

    def _lease_proofs_lost(self) -> None:
        """The connection was reopened: the old session's locks went with it (renewing takes them again)."""
        self._proofs.clear()


def _count(status: Any) -> int:
    """The row count of a command status such as ``"UPDATE 1"``."""
    try:
        return int(str(status).rsplit(" ", 1)[-1])
    except ValueError:
        return 0
