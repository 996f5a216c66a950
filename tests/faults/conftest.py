"""Fault-injection fixtures: the warroom CLI as a subprocess, and raw reads of the event table."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def require_git() -> None:
    """The demo incident's evidence includes a git repository."""
    import pytest

    if shutil.which("git") is None:
        pytest.skip("the demo incident needs git")


def cli(db: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m warroom --db DB ARGV`` to completion (stdin closed)."""
    return subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), *argv], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=db.parent, env=cli_env())


def cli_env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def rows(db: Path) -> list[tuple]:
    """Every committed event row, read-only and without the store (what a crash must not lose)."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT seq, incident_id, kind, data FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


def count(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def step_history(events: list[tuple], incident_id: str) -> dict[str, list[tuple[str, int]]]:
    """``{step_id: [(kind, seq)...]}`` of the agent events of one incident, in order."""
    step_of: dict[str, str] = {}
    history: dict[str, list[tuple[str, int]]] = {}
    for seq, iid, kind, data in events:
        if iid != incident_id or not kind.startswith("agent."):
            continue
        payload = json.loads(data)
        if kind == "agent.started":
            step_of[payload["run_id"]] = payload["step_id"]
        step = step_of.get(payload.get("run_id", ""))
        if step:
            history.setdefault(step, []).append((kind, seq))
    return history
