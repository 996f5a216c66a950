"""Corpus fixtures: run a batch of command lines through the CLI in one subprocess, and the inertness check."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import T0
from tests.corpus.generate import KNOWN_ID
from warroom.data import events as ev
from warroom.data.store import EventStore

ROOT = Path(__file__).resolve().parents[2]
# Raw terminal control: ESC, C1 controls (CSI 0x9b, OSC 0x9d...), bidi overrides/isolates, other C0 but \n \t.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


async def seed_target(db: Path, *, note: bool) -> None:
    """The incident the corpus aims at (``KNOWN_ID`` in ``T0``'s year), with a note on it when ``note``."""
    async with await EventStore.open(db) as store:
        declared = await store.declare(T0, title="corpus target", actor="tester")
        assert declared.incident_id == KNOWN_ID.replace("2026", str(T0.year))
        if note:
            await store.append(ev.NoteAdded(incident_id=declared.incident_id, at=T0, actor="tester", text="seed"))


def run_batch(cases: list[dict], workdir: Path, timeout: float = 240) -> dict[str, dict]:
    """Run ``cases`` (dicts with name/argv/db) through ``warroom.app.cli.main`` in one fresh interpreter."""
    spec = workdir / f"cases-{os.getpid()}-{len(cases)}.json"
    out = spec.with_suffix(".out.json")
    spec.write_text(json.dumps(cases))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TERM": "xterm-256color"}
    proc = subprocess.run([sys.executable, "-m", "tests.corpus.driver", str(spec), str(out)], cwd=workdir,
                          capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def incident_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT DISTINCT incident_id FROM events ORDER BY incident_id")]


def unsafe(text: str) -> list[str]:
    """Raw control characters in ``text`` (empty when it is inert for a terminal)."""
    return sorted({repr(m.group()) for m in UNSAFE.finditer(text)})


def problems(name: str, expect: str, result: dict) -> list[str]:
    """What is wrong with one CLI result, as readable lines (empty when it behaved)."""
    found = []
    rc, err = result["rc"], result["stderr"]
    if result["crash"] or "Traceback" in err:
        found.append(f"{name}: traceback\n{(result['crash'] or err)[-1500:]}")
        return found
    if expect == "accept" and rc != 0:
        found.append(f"{name}: expected success, got rc={rc}: {err[-300:]!r}")
    if expect == "reject" and rc != 2:
        found.append(f"{name}: expected rejection (rc 2), got rc={rc}: out={result['stdout'][-200:]!r}")
    if rc not in (0, 2):
        found.append(f"{name}: unexpected rc={rc}: {err[-300:]!r}")
    if rc == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        message = lines[-1] if lines else ""
        if not message.startswith("warroom") or len(message) > 600:
            found.append(f"{name}: rejection message is not one clear line: {err[-600:]!r}")
        if result["after"] != result["before"]:
            found.append(f"{name}: rejected but wrote {result['after'] - result['before']} events")
    for stream in ("stdout", "stderr"):
        bad = unsafe(result[stream])
        if bad:
            found.append(f"{name}: raw control characters {bad} on {stream}")
    return found


def screen_segments(app) -> list:  # type: ignore[no-untyped-def]
    """Every segment of the app's current screen, as the compositor renders it."""
    from rich.segment import Segment

    def flat(item):  # type: ignore[no-untyped-def]
        if isinstance(item, Segment):
            return [item]
        if isinstance(item, dict):
            item = item.values()
        return [seg for part in item for seg in flat(part)]

    return flat(app.screen._compositor.render_update(full=True).strips)
