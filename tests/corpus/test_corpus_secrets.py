"""60 planted secrets of 15 kinds in an incident's evidence never leave redacted.

The evidence is attached through ``warroom new --evidence``; the itil playbook runs through
``warroom run --auto`` in real processes with the Claude backend against the fake Messages
API (whose stand-in model echoes every tool result it is given back into its answers, so a
leak into a request would also reach the timeline) and with the offline investigator. Then:
nothing planted is in any request the fake API received, in ``warroom show``, in the war
room's rendered timeline rows and agent output, or in any exported file.
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.agents.claude.conftest import fake_api  # noqa: F401 - the fixture, reused
from tests.agents.claude.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse
from tests.agents.claude.stand_in import ANSWERS
from tests.corpus.conftest import screen_segments
from tests.corpus.secrets import leaked, plant
from tests.screens.helpers import war_room_loaded
from warroom.app.app import WarroomApp
from warroom.screens.war_room import WarRoomScreen


def echoing_claude(body: dict[str, Any]) -> Reply:
    """Searches the logs first, then answers with every tool result it was shown, verbatim."""
    tools = {t["name"] for t in body.get("tools", [])}
    messages = body["messages"]
    if len(messages) == 1 and "search_logs" in tools:
        return Reply([Text("Searching."), ToolUse("search_logs", {"pattern": "502|failed|token|key|password",
                                                                  "regex": True, "max_matches": 200})],
                     stop_reason="tool_use")
    if len(messages) == 3 and "list_evidence" in tools:
        return Reply([Text("Listing."), ToolUse("list_evidence", {})], stop_reason="tool_use")
    if len(messages) in (5, 7) and "read_document" in tools:
        listing = json.dumps(messages[-1])
        name = "runbook.md" if len(messages) == 5 else "config.env"
        found = re.search(r"[\\w./-]*" + re.escape(name), listing)
        if found:
            return Reply([Text("Reading."), ToolUse("read_document", {"file": found.group()})], stop_reason="tool_use")
    seen = json.dumps(messages[1:], ensure_ascii=False)[:4000]
    answer_tool = next((name for name in tools if name.startswith("record_")), None)
    blocks: list[Any] = [Text("I saw: " + seen)]
    if answer_tool:
        blocks.append(ToolUse(answer_tool, ANSWERS[answer_tool]))
        return Reply(blocks, stop_reason="tool_use")
    return Reply(blocks)


def warroom(db: Path, *argv: str, timeout: float = 150) -> subprocess.CompletedProcess:
    env = {**os.environ, "WARROOM_DB": str(db), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "warroom", *argv], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=db.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc


async def _screen_text(db: Path, incident_id: str, tmp: Path, min_rows: int = 21) -> str:
    app = WarroomApp(db, lambda: WarRoomScreen(incident_id), actor="alice", export_dir=tmp / "tui-export")
    async with app.run_test(size=(200, 60)) as pilot:
        await war_room_loaded(pilot)
        screen = app.screen
        timeline = screen.query_one("#timeline")
        rows = [timeline._render_row(row, 400).text for row in timeline.rows()]
        agent = "\n".join("".join(parts) for parts in screen.agent_texts.values())
        visible = "".join(s.text for s in screen_segments(app))
        assert len(rows) >= min_rows
        return "\n".join(rows) + agent + visible


async def test_planted_secrets_never_leave(fake_api: FakeMessagesAPI, tmp_path: Path) -> None:  # noqa: F811
    evidence = tmp_path / "planted"
    kinds = plant(evidence)
    assert sum(len(v) for v in kinds.values()) >= 50 and len(kinds) >= 10
    db = tmp_path / "w.db"
    files = [str(evidence / "logs"), str(evidence / "runbook.md"), str(evidence / "config.env")]
    ids = []
    for backend in ("anthropic", "offline"):
        new = warroom(db, "new", "Checkout 502s", "--severity", "P1", "--service", "checkout-api", "--no-tui",
                      "--evidence", *files)
        assert new.returncode == 0, new.stderr
        ids.append(new.stdout.strip())
        fake_api.responder = echoing_claude
        run = warroom(db, "run", ids[-1], "--auto", "--backend", backend)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert not leaked(run.stdout + run.stderr, kinds)
    sent = fake_api.raw_text() + json.dumps(fake_api.bodies, ensure_ascii=False)
    assert len(fake_api.requests) >= 10 and sent.count("[redacted: ") >= 50, "the evidence never reached the model"
    assert not leaked(sent, kinds), leaked(sent, kinds)
    out = tmp_path / "export"
    for incident_id in ids:
        show = warroom(db, "show", incident_id)
        assert show.returncode == 0 and not leaked(show.stdout, kinds), leaked(show.stdout, kinds)
        exported = warroom(db, "export", incident_id, "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        screen = await _screen_text(db, incident_id, tmp_path)
        assert not leaked(screen, kinds), (incident_id, leaked(screen, kinds),
                                           [ln[:300] for ln in screen.splitlines() if leaked(ln, kinds)][:3])
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) > 20
    for path in written:
        assert not leaked(path.read_text(errors="replace"), kinds), (path, leaked(path.read_text(), kinds))
