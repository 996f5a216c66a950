"""Hostile titles, notes, actors and agent output in the war room: shown literally, never interpreted.

Each hostile string goes on the timeline of a real database; the war room is rendered with
``App.run_test()`` and every visible strip is read back: the text appears as typed (markup not
applied, escape sequences stripped, no raw control character in any segment, no link style
smuggled in through ``[link=...]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.corpus.conftest import screen_segments, unsafe
from tests.corpus.generate import HOSTILE_TEXT
from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import NOW, fixed_now
from warroom.app.app import WarroomApp
from warroom.data import events as ev
from warroom.data.store import EventStore
from warroom.screens.war_room import WarRoomScreen

SHOWN = [t for t in HOSTILE_TEXT if len(t) < 200 and "\n" not in t and "\udcff" not in t]


async def _seed(db: Path) -> str:
    store = await EventStore.open(db)
    try:
        declared = await store.declare(NOW, title=HOSTILE_TEXT[0], summary=HOSTILE_TEXT[4], service="checkout-api",
                                       actor="\x1b[31mmallory")
        iid = declared.incident_id
        await store.append_many([ev.NoteAdded(incident_id=iid, at=NOW, actor=HOSTILE_TEXT[10][:40], text=text)
                                 for text in SHOWN])
        await store.append_many([
            ev.AgentStepStarted(incident_id=iid, at=NOW, run_id="run-h", step_id="classify", phase="triage",
                                role="triage-analyst", backend="offline", model="investigator"),
            ev.AgentStepOutput(incident_id=iid, at=NOW, run_id="run-h", text="log line: " + HOSTILE_TEXT[5]),
        ])
        return iid
    finally:
        await store.close()


def _screen_segments(app: Any) -> list[Any]:
    return screen_segments(app)


async def test_hostile_text_is_shown_literally_in_the_war_room(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    iid = await _seed(db)
    app = WarroomApp(db, lambda: WarRoomScreen(iid), actor="alice", now=fixed_now, export_dir=tmp_path / "x")
    async with app.run_test(size=(240, 80)) as pilot:
        await war_room_loaded(pilot)
        await until(pilot, lambda: "PWNED" in "".join(s.text for s in _screen_segments(app)))
        segments = _screen_segments(app)
        text = "".join(s.text for s in segments)
        assert not unsafe(text), unsafe(text)
        assert not [s for s in segments if s.style is not None and s.style.link], "markup applied: a link"
        for literal in ("[bold red]PWNED[/bold red]", "[link=https://evil.example]click[/link]",
                        "{{ 7*7 }}", "<script>alert(1)</script>", "[/]unbalanced [/bold] markup [[",
                        "red error", "evil-rtl override"):
            assert literal in text, literal
        for stripped in ("window title pwned", "[31m", "]8;;"):
            assert ("]0;" + stripped) not in text and "\x1b" + stripped not in text
