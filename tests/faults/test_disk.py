"""A disk that fills up or turns read-only during event append and during export.

A real, tiny tmpfs is mounted for each test (we run as root in CI; without the right to
mount, the tests skip and say so). Every failure must be one clear line with exit 2, the
database must still replay with every acknowledged event, and a previous export must be
left exactly as it was.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import T0
from tests.faults.conftest import cli, require_git, rows
from warroom.data import events as ev
from warroom.data.store import EventStore, StoreError


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted under tmp (skips when this user may not mount)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode().strip()[:80] or 'not root'})")
    try:
        yield mount
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], capture_output=True)
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` with one file until ENOSPC, then give back about ``leave`` bytes."""
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


def remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)


def one_clean_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-300:], proc.stderr[-1500:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warroom: "), proc.stderr
    return lines[0]


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


async def _append_until_full(db: Path) -> tuple[str, int, BaseException]:
    store = await EventStore.open(db)
    try:
        iid = (await store.declare(T0, title="disk fills", actor="tester")).incident_id
        acknowledged = 1
        for i in range(100_000):
            try:
                await store.append(ev.NoteAdded(incident_id=iid, at=T0, actor="tester", text=f"{i} " + "x" * 4000))
            except Exception as exc:  # noqa: BLE001 - which exception is the point of the test
                return iid, acknowledged, exc
            acknowledged += 1
        raise AssertionError("the disk never filled")
    finally:
        try:
            await store.close()
        except Exception:  # noqa: BLE001 - closing on a full disk may fail too; the file is what matters
            pass


async def _replay(db: Path, iid: str) -> int:
    store = await EventStore.open(db)
    try:
        return (await store.load(iid)).event_count
    finally:
        await store.close()


def test_append_on_a_filling_disk(small_disk: Path) -> None:
    db = small_disk / "w.db"
    fill(small_disk, leave=1_500_000)
    iid, acknowledged, exc = asyncio.run(_append_until_full(db))
    assert isinstance(exc, StoreError) and "\n" not in str(exc) and str(exc), repr(exc)
    note = cli(db, "note", iid, "one more note on a full disk " + "y" * 3000)
    message = one_clean_line(note)
    assert "space" in message.lower() or "full" in message.lower(), message
    (small_disk / "filler").unlink()
    assert asyncio.run(_replay(db, iid)) == acknowledged, "an acknowledged event was lost, or a refused one kept"
    after = cli(db, "note", iid, "space is back")
    assert after.returncode == 0, after.stderr
    assert asyncio.run(_replay(db, iid)) == acknowledged + 1


def test_append_when_the_disk_turns_read_only(small_disk: Path) -> None:
    db = small_disk / "w.db"
    new = cli(db, "new", "read-only disk", "--no-tui")
    iid = new.stdout.strip()
    assert cli(db, "note", iid, "before").returncode == 0
    before = rows(db)
    remount(small_disk, "ro")
    one_clean_line(cli(db, "note", iid, "while read-only"))
    remount(small_disk, "rw")
    assert rows(db) == before
    assert asyncio.run(_replay(db, iid)) == len(before)


def test_read_only_file_system_is_named_as_such(small_disk: Path) -> None:
    db = small_disk / "w.db"
    iid = cli(db, "new", "read-only disk", "--no-tui").stdout.strip()
    remount(small_disk, "ro")
    message = one_clean_line(cli(db, "note", iid, "while read-only"))
    assert "read-only" in message.lower() and "damaged" not in message.lower(), message


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, str]:
    """A demo incident run to its end on the normal disk (its export is what the tests rewrite)."""
    require_git()
    db = tmp_path / "w.db"
    demo = cli(db, "demo", "--no-run")
    iid = next(w for w in demo.stdout.split() if w.startswith("INC-")).rstrip(":")
    assert cli(db, "run", iid, "--auto").returncode == 0
    return db, iid


def test_export_on_a_disk_that_fills_midway(small_disk: Path, exported: tuple[Path, str]) -> None:
    db, iid = exported
    out = small_disk / "incidents"
    assert cli(db, "export", iid, "--out", str(out)).returncode == 0
    previous = digest(out)
    assert cli(db, "note", iid, "a note that changes the export").returncode == 0
    size = sum((out / p).stat().st_size for p in previous)
    fill(small_disk, leave=size // 3)  # room for a third of a new export: it fails partway through
    message = one_clean_line(cli(db, "export", iid, "--out", str(out)))
    assert "space" in message.lower() or "full" in message.lower(), message
    assert digest(out) == previous, "the previous export was damaged"
    (small_disk / "filler").unlink()
    assert cli(db, "export", iid, "--out", str(out)).returncode == 0
    assert digest(out) != previous and asyncio.run(_replay(db, iid)) > 0


def test_export_on_a_read_only_disk(small_disk: Path, exported: tuple[Path, str]) -> None:
    db, iid = exported
    out = small_disk / "incidents"
    assert cli(db, "export", iid, "--out", str(out)).returncode == 0
    previous = digest(out)
    remount(small_disk, "ro")
    message = one_clean_line(cli(db, "export", iid, "--out", str(out)))
    assert "not writable" in message.lower() or "read-only" in message.lower(), message
    remount(small_disk, "rw")
    assert digest(out) == previous
