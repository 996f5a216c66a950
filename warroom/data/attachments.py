"""Attaching evidence to an incident: a copy under the database, its size and hash, and an event.

Each attached file is copied into ``<database dir>/evidence/<incident-id>/<evidence-id>/``
so a closed incident can be reviewed offline later even when the original is
gone; the ``EvidenceAttached`` event records the path relative to that root,
the size and the sha256 of the copy. A git repository is not copied: its
history is snapshotted at attach time into a changes file
(:func:`warroom.data.evidence.changes.write_changes`). Any other directory is
attached file by file (one event per file, appended atomically); a symlink
inside it is followed only when it stays inside the directory, and devices,
FIFOs and sockets are left out. A named source that does not exist, or is a
device/FIFO/socket, is refused with a clear message.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from warroom.data.events import EvidenceAttached
from warroom.data.evidence.bundle import GIT_SNAPSHOT_SUFFIX, classify
from warroom.data.evidence.changes import is_git_repository, read_git, write_changes
from warroom.data.evidence.models import EVIDENCE_KINDS
from warroom.data.ids import validate_incident_id
from warroom.data.paths import user_path
from warroom.data.store import UnknownIncident
from warroom.data.text import strip_control

T = TypeVar("T")

MAX_FILES = 10_000
_CHUNK = 1 << 20


class EvidenceError(ValueError):
    """A source that cannot be attached; the message says which and why."""


@dataclass
class Attachment:
    """What one attach did: the events appended, and the files left out with the reason."""

    events: list[EvidenceAttached] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Staged:
    relative: Path  # under the evidence item's folder
    staged: Path
    name: str
    kind: str
    size: int
    sha256: str


def evidence_root(db_path: Path, incident_id: str) -> Path:
    """``<db dir>/evidence/<incident-id>/`` (the id is validated, so the path never leaves ``evidence/``)."""
    return Path(db_path).expanduser().resolve().parent / "evidence" / validate_incident_id(incident_id)


def _safe_part(part: str) -> str:
    cleaned = strip_control(part).replace("/", "_").replace("\\", "_").strip() or "_"
    return "_" if cleaned in (".", "..") else cleaned[:200]


def _private_dirs(root: Path) -> None:
    """``evidence/`` and ``evidence/<id>/`` exist and only their owner can list or enter them (0700); the
    folder that holds ``evidence/`` is made if missing (a PostgreSQL store's local folder on a fresh machine)."""
    root.parent.parent.mkdir(parents=True, exist_ok=True)
    for folder in (root.parent, root):
        folder.mkdir(mode=0o700, exist_ok=True)
        if stat.S_IMODE(folder.stat().st_mode) != 0o700:
            folder.chmod(0o700)


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy a regular file (opened without following a FIFO's block) and hash it on the way."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise EvidenceError(f"{source} is not a regular file (a device, FIFO or socket); not attached")
        digest = hashlib.sha256()
        size = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        # The copy is no more readable than the original (a 0600 log stays 0600); never executable.
        mode = stat.S_IMODE(os.fstat(src.fileno()).st_mode) & 0o666
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as dst:
            os.fchmod(dst.fileno(), mode)  # O_CREAT's mode is narrowed by the umask; the original's is kept
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


def _hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _kind_of(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stage(source: Path, staging: Path, kind: str | None, result: Attachment) -> list[_Staged]:
    """Copy (or snapshot) ``source`` into ``staging``: runs in a worker thread."""
    try:
        mode = source.stat().st_mode
    except FileNotFoundError:
        raise EvidenceError(f"{source} does not exist; nothing attached") from None
    except OSError as exc:
        raise EvidenceError(f"{source} cannot be read ({exc.strerror or exc}); nothing attached") from None
    if stat.S_ISDIR(mode):
        if is_git_repository(source):
            name = _safe_part(source.resolve().name) + GIT_SNAPSHOT_SUFFIX
            target = staging / "0" / name
            target.parent.mkdir(parents=True)
            write_changes(read_git(source), target, origin=str(source.resolve()))
            size, sha = _hash(target)
            return [_Staged(Path(name), target, name, kind or "git", size, sha)]
        return _stage_tree(source, staging, kind, result)
    if not stat.S_ISREG(mode):
        raise EvidenceError(f"{source} is {_kind_of(mode)}, not a file or directory; nothing attached")
    name = _safe_part(source.name)
    target = staging / "0" / name
    size, sha = _copy(source, target)
    return [_Staged(Path(name), target, name, kind or classify(target), size, sha)]


def _stage_tree(source: Path, staging: Path, kind: str | None, result: Attachment) -> list[_Staged]:
    top = source.resolve()
    evidence = staging.parent.parent  # <db dir>/evidence: never copied into itself
    if top == evidence or evidence in top.parents:
        raise EvidenceError(f"{source} is inside the evidence folder {evidence}; attach the original instead")
    staged: list[_Staged] = []
    for folder, dirs, files in os.walk(top, followlinks=False):
        dirs.sort()
        dirs[:] = [d for d in dirs if (not os.path.islink(os.path.join(folder, d)) or _skip(result, folder, d))
                   and Path(folder, d) != evidence]
        for file in sorted(files):
            path = Path(folder) / file
            shown = str(path.relative_to(top))
            try:
                real = path.resolve()
            except (OSError, RuntimeError):
                result.skipped.append(f"{shown}: a symlink loop; not followed")
                continue
            if path.is_symlink() and top not in real.parents:
                result.skipped.append(f"{shown}: a symlink pointing outside {source}; not followed")
                continue
            try:
                mode = real.stat().st_mode
            except OSError as exc:
                result.skipped.append(f"{shown}: {exc.strerror or exc}")
                continue
            if not stat.S_ISREG(mode):
                result.skipped.append(f"{shown}: {_kind_of(mode)}; not attached")
                continue
            if len(staged) >= MAX_FILES:
                result.skipped.append(f"{shown} and the rest: more than {MAX_FILES} files")
                return staged
            relative = Path(_safe_part(top.name), *(_safe_part(p) for p in Path(shown).parts))
            target = staging / str(len(staged)) / relative
            size, sha = _copy(real, target)
            staged.append(_Staged(relative, target, shown, kind or classify(target), size, sha))
    if not staged:
        raise EvidenceError(f"{source} holds no readable file; nothing attached"
                            + (f" ({result.skipped[0]})" if result.skipped else ""))
    return staged


def _skip(result: Attachment, folder: str, name: str) -> bool:
    result.skipped.append(f"{name}: a symlinked directory inside {folder}; not followed")
    return False


async def attach_paths(store, incident_id: str, source: Path, *, actor: str, at: datetime,
                       kind: str | None = None) -> Attachment:
    """Attach ``source`` (a file, a git repository, or a directory of files); one event per attached file."""
    validate_incident_id(incident_id)
    if kind is not None and kind not in EVIDENCE_KINDS:
        raise EvidenceError(f"evidence kind {kind[:40]!r} is not one of {', '.join(EVIDENCE_KINDS)}")
    root = evidence_root(Path(store.path), incident_id)
    source = user_path(source, "evidence")
    await store.load(incident_id)  # an unknown incident fails here, before anything is copied
    staging = root / f".staging-{uuid.uuid4().hex}"
    _private_dirs(root)
    result = Attachment()
    placed: list[Path] = []
    try:
        staged = await asyncio.to_thread(_stage, source, staging, kind, result)
        async with store.transaction() as tx:
            result.events = await _place(tx, root, incident_id, staged, placed, actor=actor, at=at)
    except BaseException:
        for path in placed:  # nothing half-attached: a copy without its event is removed
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


async def _place(tx, root: Path, incident_id: str, staged: list[_Staged], placed: list[Path], *, actor: str,
                 at: datetime) -> list[EvidenceAttached]:
    """Move ``staged`` copies under ``root`` as the next EV-NNNN ids and record them, in transaction ``tx``."""
    state = await tx.state(incident_id)
    if state is None:
        raise UnknownIncident(incident_id)
    taken = {item.evidence_id for item in state.evidence}
    number = len(taken)
    events = []
    for item in staged:
        number += 1
        while f"EV-{number:04d}" in taken:
            number += 1
        evidence_id = f"EV-{number:04d}"
        final = root / evidence_id / item.relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.staged, final)
        placed.append(final)
        events.append(EvidenceAttached(
            incident_id=incident_id, at=at, actor=actor, evidence_id=evidence_id, evidence_kind=item.kind,
            path=final.relative_to(root).as_posix(), name=item.name[:500], size=item.size, sha256=item.sha256))
    return list(await tx.append_many(events))  # type: ignore[arg-type]


async def declare_with_evidence(store, sources: list[Path], declare: Callable[[Any], Awaitable[T]], *,
                                actor: str, at: datetime) -> tuple[T, list[Attachment]]:
    """Copy every source first, then declare (``declare(tx)`` returns a value whose ``incident_id`` is
    the new incident) and attach them in ONE transaction: refused evidence (an empty folder, a path too
    long, a full disk) leaves no incident behind."""
    holder = Path(store.path).expanduser().resolve().parent / "evidence"
    staging = holder / f".staging-{uuid.uuid4().hex}"
    holder.mkdir(mode=0o700, exist_ok=True)
    results = [Attachment() for _ in sources]
    placed: list[Path] = []
    try:
        staged = [await asyncio.to_thread(_stage, user_path(source, "evidence"), staging / str(k), None, results[k])
                  for k, source in enumerate(sources)]
        async with store.transaction() as tx:
            value = await declare(tx)
            incident_id = value.incident_id  # type: ignore[attr-defined]
            root = evidence_root(Path(store.path), incident_id)
            _private_dirs(root)
            for result, items in zip(results, staged):
                result.events = await _place(tx, root, incident_id, items, placed, actor=actor, at=at)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return value, results


async def attach_evidence(store, incident_id: str, source: Path, *, actor: str, at: datetime,
                          kind: str | None = None) -> EvidenceAttached:
    """Attach ``source`` and return its event (for a directory of files: the first; see :func:`attach_paths`)."""
    result = await attach_paths(store, incident_id, source, actor=actor, at=at, kind=kind)
    return result.events[0]
