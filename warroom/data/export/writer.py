"""Write the rendered set under ``DIR/<incident-id>/`` atomically.

Every document but the timeline is rendered in memory first; the timeline's table rows are
formatted in batches as its file is written (``stream``). The files go into a fresh temporary
directory inside ``DIR`` (same filesystem), each written and fsynced; then the
previous export (if any) is renamed aside, the new one renamed into place, the
directory fsynced, and the old one removed. Until the final rename succeeds
the previous export is untouched; if the rename fails, the old one is put back.
Files get the user's umask (plain ``open``); nothing is written outside ``DIR``.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from warroom.data import events as ev
from warroom.data.export import markdown as md
from warroom.data.export.record import build_record
from warroom.data.export.stream import render_chunks
from warroom.data.ids import validate_incident_id
from warroom.data.models import Incident
from warroom.data.policy import DEFAULT_POLICY, Policy


class ExportError(OSError):
    """The export could not be written; the previous export (if any) is intact."""


FileWriter = Callable[[Path, "bytes | Iterable[bytes]"], None]


def write_file(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or chunks of them) to a new file and fsync it (the seam tests use to inject a full disk)."""
    with open(path, "xb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            for chunk in data:
                handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the directory is not writable"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a file stands where a directory is needed"
    return exc.strerror or str(exc)


def _safe_relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or any(part in ("", ".", "..") for part in rel.parts) or "\\" in path or "\x00" in path:
        raise ExportError(f"refusing to write {path!r}: it would leave the export directory")
    return rel


def _encoded(text: str | Iterable[str]) -> bytes | Iterator[bytes]:
    if isinstance(text, str):
        return text.encode("utf-8")
    return (chunk.encode("utf-8") for chunk in text)


def write_export(files: Mapping[str, str | Iterable[str]], out_dir: Path, incident_id: str, *,
                 writer: FileWriter = write_file) -> Path:  # fmt: skip
    """Write ``files`` (text, or chunks of it) as ``out_dir/<incident_id>/`` replacing any previous export atomically."""
    incident_id = validate_incident_id(incident_id)
    out_dir = Path(out_dir)
    target = out_dir / incident_id
    staging = out_dir / f".{incident_id}.tmp-{os.getpid()}"
    aside = out_dir / f".{incident_id}.old-{os.getpid()}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _recover(out_dir, target, incident_id)
        for leftover in (staging, aside):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
        staging.mkdir()
    except OSError as exc:
        raise ExportError(f"cannot export {incident_id} to {out_dir}: {_reason(exc)}") from exc
    try:
        for path in sorted(files):
            rel = _safe_relative(path)
            destination = staging.joinpath(*rel.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            writer(destination, _encoded(files[path]))
        for directory in sorted({p for p in staging.rglob("*") if p.is_dir()}, reverse=True):
            _fsync_dir(directory)
        _fsync_dir(staging)
        _swap(staging, target, aside)
        _fsync_dir(out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"cannot export {incident_id} to {out_dir}: {_reason(exc)}; the previous export is unchanged") from exc
    shutil.rmtree(aside, ignore_errors=True)
    return target


def _recover(out_dir: Path, target: Path, incident_id: str) -> None:
    """Put back a previous export left aside by a process that died between the two renames."""
    if target.exists() or target.is_symlink():
        return
    asides = sorted((p for p in out_dir.glob(f".{incident_id}.old-*") if p.is_dir() and not p.is_symlink()),
                    key=lambda p: p.stat().st_mtime)  # fmt: skip
    if asides:
        os.rename(asides[-1], target)


def _swap(staging: Path, target: Path, aside: Path) -> None:
    """Put ``staging`` at ``target``; a previous ``target`` goes aside first and comes back on failure."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ExportError(f"{target} exists and is not an export directory; move it away first")
    had_previous = target.exists()
    if had_previous:
        os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        if had_previous:
            os.rename(aside, target)
        raise


def write_json(text: str, out_dir: Path, incident_id: str, *, writer: FileWriter = write_file) -> Path:
    """Write ``text`` as ``out_dir/<incident_id>.json``, replacing a previous one atomically (rename over it)."""
    incident_id = validate_incident_id(incident_id)
    out_dir = Path(out_dir)
    target = out_dir / f"{incident_id}.json"
    staging = out_dir / f".{incident_id}.json.tmp-{os.getpid()}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if target.is_dir() or target.is_symlink():
            raise ExportError(f"{target} exists and is not a JSON export; move it away first")
        staging.unlink(missing_ok=True)
        writer(staging, text.encode("utf-8"))
        os.replace(staging, target)
        _fsync_dir(out_dir)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"cannot export {incident_id} to {out_dir}: {_reason(exc)}; the previous export is unchanged") from exc
    return target


def export_incident(events: list[ev.BaseEvent], out_dir: Path, *, policy: Policy = DEFAULT_POLICY,
                    writer: FileWriter = write_file, state: Incident | None = None) -> Path:  # fmt: skip
    """Render ``events`` and write them under ``out_dir/<incident-id>/``; returns that directory (``state``: see ``build_record``)."""
    if not events:
        raise ExportError("there are no events to export")
    with md.memo():  # open while the timeline's rows are formatted, as the file is written
        files = render_chunks(build_record(list(events), policy, state))
        return write_export(files, Path(out_dir), events[0].incident_id, writer=writer)
