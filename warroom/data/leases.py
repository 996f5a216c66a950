"""Playbook leases: one orchestrator per incident drives the playbook, the others follow.

A lease row (``leases`` table, same SQLite file as the events) names its holder —
host, pid and a random token — and how long it is good for. The holder renews it
while it runs and releases it when it stops; a lease whose expiry has passed, or
whose holder is a dead process on this host (``kill -9``), may be taken over.
Times are wall-clock seconds (``time.time()``), passed in by the caller: the store
reads no clock.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LEASE_SECONDS", "Lease", "LeaseHolder", "pid_alive"]

#: How long a lease lasts without renewal; the holder renews it every third of that.
LEASE_SECONDS = 15.0
HOST = socket.gethostname()


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds (or asks for) a lease: one orchestrator of one process."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> "LeaseHolder":
        return cls(HOST, os.getpid(), secrets.token_hex(16))

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


@dataclass(frozen=True)
class Lease:
    """The lease in force on one incident's playbook."""

    incident_id: str
    holder: LeaseHolder
    acquired_at: float
    renewed_at: float
    expires_at: float

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "Lease":
        incident_id, host, pid, token, acquired_at, renewed_at, expires_at = row
        return cls(incident_id, LeaseHolder(host, int(pid), token), float(acquired_at), float(renewed_at), float(expires_at))

    def held_by(self, holder: LeaseHolder) -> bool:
        return self.holder.token == holder.token

    def abandoned(self, now: float) -> bool:
        """True when it may be taken over: expired, or its holder is a dead process on this host."""
        return self.expires_at <= now or (self.holder.host == HOST and not pid_alive(self.holder.pid))


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (a zombie, killed but not yet reaped, counts as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # it ended meanwhile, or there is no /proc (macOS): the signal test is all there is
        return not Path("/proc/self/stat").exists()
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])
