"""A hostile incident title, shown in a real terminal (tmux over SSH), never reaches the terminal raw.

The title holds an OSC 0 (set the window title), a clear-screen, an OSC 8 hyperlink and a
right-to-left override. It is stripped where it enters the store; the war room's header, its
timeline and the "similar past incidents" toast then show it. tmux's ``#{pane_title}`` stays
what it was, and the bytes the war room wrote to the terminal (``pipe-pane``) hold neither the
title escape nor the link.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, WARROOM

pytestmark = pytest.mark.slow
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\u202e"


def _new(db: Path, title: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), "new", title, "--no-tui",
                           "--service", "checkout-api"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_hostile_title_never_changes_the_pane_title_nor_reaches_the_terminal(tmux: Any, tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    _new(db, f"Checkout down {HOSTILE} payments failing")
    incident = _new(db, f"Checkout down {HOSTILE} payments failing again")
    stream = tmp_path / "stream.bin"
    room = tmux("hostile")
    room.start(f"sleep 1; {WARROOM} open {incident} --db {db} --as alice", tmp_path)
    piped = room.remote.ssh(f"tmux -L {room.socket} pipe-pane -o -t {room.name} 'cat >> {stream}'")
    assert piped.returncode == 0, piped.stderr
    before = room.remote.ssh(f"tmux -L {room.socket} display -p -t {room.name} '#{{pane_title}}'").stdout
    room.wait_for("payments failing again", timeout=40)
    time.sleep(6)  # the similar-incidents toast comes after the first screenful settles
    title = room.remote.ssh(f"tmux -L {room.socket} display -p -t {room.name} '#{{pane_title}}'").stdout
    assert "owned" not in title and "owned" not in before
    raw = stream.read_bytes()
    assert b"payments failing again" in raw, "the war room's output was not captured"
    assert b"\x1b]0;owned" not in raw and b"owned\x07" not in raw
    assert b"evil.example" not in raw and "\u202e".encode() not in raw
    assert "Checkout down" in room.screen()
