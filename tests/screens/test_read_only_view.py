"""The read-only view (the app ``warroom serve`` runs for watchers): every decision key does nothing.

Real SQLite on disk, Textual's pilot, no browser: the keys are pressed as a watcher would press them,
and the database is read back to show that nothing was recorded.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static, TextArea

from tests.screens.helpers import kinds, until, war_room_loaded
from tests.screens.seeding import Seeded
from warroom.app.palette import WarRoomCommands
from warroom.data import events as ev
from warroom.screens.decisions import DECISION_ACTIONS
from warroom.screens.help import HelpScreen, key_table
from warroom.screens.incident_list import IncidentListScreen
from warroom.screens.modals import NoteModal, RolesModal
from warroom.screens.modals.discard import DiscardEditsModal
from warroom.screens.review import REVIEW_ACTIONS, ReviewScreen
from warroom.screens.view_only import VIEW_ONLY_NOTICE
from warroom.screens.war_room import WarRoomScreen
from warroom.widgets.header_line import IncidentHeader

DECISION_KEYS = ("a", "R", "s", "e", "m", "u", "n", "g", "r", "x", "c", "O")


async def test_a_watcher_opens_a_war_room_from_the_list_and_no_key_records_anything(make_app: Any, seeded: Seeded) -> None:
    built: list[str] = []
    app = make_app(seeded.db_path, IncidentListScreen, read_only=True,
                   orchestrator_factory=lambda store, incident_id: built.append(incident_id))  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: pilot.app.screen.loaded)
        title = str(pilot.app.screen.query_one(".screen-title", Static).render())
        assert "read-only view" in title
        await pilot.press("enter")  # the first row: the open P1
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WarRoomScreen) and screen.incident_id == seeded.active and screen.read_only
        before = await kinds(seeded.db_path, seeded.active)
        for key in DECISION_KEYS:
            await pilot.press(key)
            await pilot.pause(0.05)
            assert pilot.app.screen is screen, f"{key!r} opened {pilot.app.screen!r} in a read-only view"
        await pilot.pause(1.2)  # a tick of the SLA clocks: the breached ones are not recorded from here either
        assert await kinds(seeded.db_path, seeded.active) == before
        header = str(screen.query_one(IncidentHeader).render())
        assert "[read-only]" in header and "you:" not in header  # the server's login name is not the watcher's
        assert built == [], "a read-only view must not run the playbook"
        assert all(screen.check_action(action, ()) is False for action in DECISION_ACTIONS)
        offered = [str(hit.display) async for hit in WarRoomCommands(screen).discover()]
        assert offered and not any(word in " ".join(offered) for word in ("Ack", "Severity", "Escalate", "Note", "Resolve"))
        assert any("Filter" in label for label in offered)  # viewing keys stay
        await pilot.press("f")
        assert screen.query_one("#timeline").filter  # type: ignore[attr-defined]
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        listed = key_table(screen, pilot.app.get_key_display)
        described = [str(cell) for column in listed.columns for cell in column.cells]
        assert "Search the timeline (Escape clears)" in described and VIEW_ONLY_NOTICE in described
        assert not any("Acknowledge" in text or "Escalate" in text for text in described)


async def test_the_same_keys_decide_in_an_app_that_allows_decisions(make_app: Any, seeded: Seeded) -> None:
    async with make_app(seeded.db_path, IncidentListScreen).run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: pilot.app.screen.loaded)
        assert "read-only" not in str(pilot.app.screen.query_one(".screen-title", Static).render())
        await pilot.press("enter")
        await war_room_loaded(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(pilot.app.screen, NoteModal))


async def test_a_decision_that_gets_past_the_keys_is_still_not_recorded(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        before = await kinds(seeded.db_path, seeded.active)
        note = ev.NoteAdded(incident_id=seeded.active, at=pilot.app.now(), actor="alice", text="from a watcher")
        assert await screen.record(lambda: [note]).wait() == []
        assert await screen.take(lambda decider: decider.acknowledge()).wait() == []
        modal = NoteModal()
        await pilot.app.push_screen(modal)
        await pilot.press(*"hello", "ctrl+s")  # the key does nothing
        await pilot.pause(0.1)
        assert pilot.app.screen is modal and str(modal.query_one("#form-error").render()) == ""
        await pilot.click("#submit")  # the button says why instead of answering
        await pilot.pause(0.1)
        assert pilot.app.screen is modal
        assert "read-only view" in str(modal.query_one("#form-error").render())
        modal.dismiss(None)
        roles = RolesModal(screen.state, "alice")
        await pilot.app.push_screen(roles)
        await pilot.press("tab", *"bob", "ctrl+n")  # marking someone unavailable records it: not from here
        await pilot.pause(0.1)
        assert not roles.query_one("#unavailable-reason").display
        await roles._record_unavailable("bob", "asleep").wait()  # the recording itself refuses too
        assert "read-only view" in str(roles.query_one("#form-error").render())
        roles.dismiss(None)
        leaving: list[bool | None] = []
        await pilot.app.push_screen(DiscardEditsModal(["Summary"]), leaving.append)
        await pilot.click("#submit")  # a question that records nothing is still answered
        await until(pilot, lambda: leaving == [True])
        assert await kinds(seeded.db_path, seeded.active) == before


async def test_the_review_screen_in_a_read_only_app_saves_nothing(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: ReviewScreen(seeded.resolved), read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        before = await kinds(seeded.db_path, seeded.resolved)
        assert screen.query_one("#review-text", TextArea).read_only
        assert all(screen.check_action(action, ()) is False for action in REVIEW_ACTIONS)
        await pilot.press(*"went well", "ctrl+s", "ctrl+n", "ctrl+t", "ctrl+r")
        await pilot.pause(0.3)
        assert await kinds(seeded.db_path, seeded.resolved) == before
        assert "went well" not in screen.query_one("#review-text", TextArea).text
