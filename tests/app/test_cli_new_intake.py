"""``warroom new`` off a terminal stays scripted; the intake form is only for a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _warroom(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args, "--db", str(db)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip


def test_new_without_a_terminal_declares_and_prints_the_id(tmp_path: Path) -> None:
    result = _warroom("new", "Checkout 5xx", db=tmp_path / "w.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("INC-")


def test_new_without_a_title_off_a_terminal_is_a_clear_error(tmp_path: Path) -> None:
    result = _warroom("new", db=tmp_path / "w.db")
    assert result.returncode == 2
    assert "title is empty" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "w.db").exists() or "INC-" not in _warroom("list", db=tmp_path / "w.db").stdout


def test_interactive_needs_a_terminal(tmp_path: Path) -> None:
    result = _warroom("new", "x", "--interactive", "--no-tui", db=tmp_path / "w.db")
    assert result.returncode == 2
    assert "--interactive needs a terminal" in result.stderr
