"""``warroom new --evidence``: repeated flags keep every path, a directory attaches every file in it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.app.test_cli import warroom


def _attached(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE kind = 'evidence.attached' ORDER BY seq").fetchall()
    return sorted(json.loads(data)["name"] for (data,) in rows)


def test_repeated_evidence_flags_keep_every_path(tmp_path: Path) -> None:
    a, b, c = (tmp_path / name for name in ("a.log", "b.log", "c.log"))
    for path in (a, b, c):
        path.write_text(f"2026-01-01T00:00:00Z ERROR {path.stem} failed\n")
    db = tmp_path / "w.db"
    result = warroom(db, "new", "checkout down", "--no-tui", "--evidence", str(a), "--evidence", str(b), str(c))
    assert result.returncode == 0, result.stderr
    assert _attached(db) == ["a.log", "b.log", "c.log"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO to leave out")
def test_directory_attaches_every_file_recursively_and_counts_what_it_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    (folder / "pods" / "deep").mkdir(parents=True)
    (folder / "describe.txt").write_text("Name: web-1\nNamespace: default\nStatus: Pending\n")
    (folder / "pods" / "web.log").write_text("2026-01-01T00:00:00Z ERROR boom\n")
    (folder / "pods" / "deep" / "events.txt").write_text("LAST SEEN   TYPE      REASON    OBJECT      MESSAGE\n")
    os.mkfifo(folder / "pods" / "pipe")
    db = tmp_path / "w.db"
    result = warroom(db, "new", "web pending", "--no-tui", "--evidence", str(folder))
    assert result.returncode == 0, result.stderr
    assert _attached(db) == ["describe.txt", "pods/deep/events.txt", "pods/web.log"]
    assert "3 files attached, 1 skipped" in result.stderr
    assert "pipe" in result.stderr  # the skipped file is named, with its reason


def test_refused_evidence_leaves_no_incident_behind(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    good = tmp_path / "api.log"
    good.write_text("2026-01-01T00:00:00Z ERROR pool exhausted\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = warroom(db, "new", "checkout down", "--no-tui", "--evidence", str(good), str(empty))
    assert refused.returncode == 2 and "holds no readable file" in refused.stderr and refused.stdout == ""
    assert "no incidents" in warroom(db, "list").stdout
    assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]  # the good file's copy is gone too
    accepted = warroom(db, "new", "checkout down", "--no-tui", "--evidence", str(good), str(good))
    assert accepted.returncode == 0 and accepted.stdout.strip() == "INC-2026-0001"  # the id was not used up
    assert _attached(db) == ["api.log", "api.log"]
