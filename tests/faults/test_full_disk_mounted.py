"""A real full disk: a 600 KiB tmpfs filled to the last byte (skipped where this user cannot mount).

``warroom run`` and ``note`` on it exit 2 with the one sentence, write nothing, and once space is freed
the database reads back whole.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()[:200]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def warroom(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WARROOM_ACTOR": "dana", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)  # fmt: skip


def test_run_and_note_on_a_full_disk_say_so_exit_2_and_lose_nothing(small_disk: Path) -> None:
    db = small_disk / "w.db"
    assert warroom(db, "new", "Disk test", "--no-tui").returncode == 0
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    filler = small_disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    for args in (("run", "INC-2026-0001", "--auto"), ("note", "INC-2026-0001", "disk is full")):
        done = warroom(db, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "is full" in done.stderr and "Traceback" not in done.stderr, done.stderr
    filler.unlink()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    assert warroom(db, "note", "INC-2026-0001", "space is back").returncode == 0
