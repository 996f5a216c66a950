"""``R`` then ``Ctrl+N``: mark someone unavailable from the war room (real store, fixed clock).

The event is the one ``warroom unavailable`` records (same helper, same backup); the modal shows the
backup and puts them in the person field, so ``Ctrl+S`` assigns them. Someone already unavailable, or
unknown to the roster and the incident, is refused in one sentence and nothing is written.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from textual.widgets import Input, Label, OptionList, Static

from tests.data.test_roster import GOOD
from tests.screens.helpers import events_of, until, war_room_loaded
from tests.screens.seeding import NOW, Seeded
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.models import Role
from warroom.data.store import EventStore
from warroom.screens.help import HelpScreen
from warroom.screens.modals import RolesModal
from warroom.screens.war_room import WarRoomScreen

ROSTER = parse_config(GOOD).roster  # incident commander backups: carol, then alice


async def _append(seeded: Seeded, *events: ev.BaseEvent) -> None:
    store = await EventStore.open(seeded.db_path)
    try:
        await store.append_many(list(events))
    finally:
        await store.close()


def _carol_commands(seeded: Seeded) -> ev.BaseEvent:
    return ev.RoleAssigned(incident_id=seeded.active, at=NOW, actor="carol", role=Role.INCIDENT_COMMANDER, person="carol")


async def _open_roles(pilot: Any) -> RolesModal:
    await war_room_loaded(pilot)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(pilot.app.screen, RolesModal))
    await pilot.pause()
    return pilot.app.screen


def _text(modal: RolesModal, selector: str) -> str:
    return str(modal.query_one(selector, Label).render())


async def test_ctrl_n_marks_the_commander_unavailable_and_prefills_the_backup(make_app: Any, seeded: Seeded) -> None:
    await _append(seeded, _carol_commands(seeded))
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), roster=ROSTER)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_roles(pilot)
        assert "Ctrl+N" in _text(modal, "#unavailable-help")
        await pilot.press("ctrl+n")  # nothing typed: the highlighted role's holder (carol commands)
        reason = modal.query_one("#unavailable-reason", Input)
        assert reason.display and reason.has_focus and "carol" in str(reason.border_title)
        await pilot.press(*"on a flight until 14:00", "enter")
        await until(pilot, lambda: modal.query_one("#unavailable-outcome", Label).display)
        (gone,) = await events_of(seeded.db_path, seeded.active, "person.unavailable")
        assert (gone.person, gone.role, gone.backup, gone.reason) == ("carol", "incident_commander", "alice", "on a flight until 14:00")
        assert (gone.actor, gone.at) == ("alice", NOW)
        assert "Backup proposed: Alice Ng (alice, alice@example.com)" in _text(modal, "#unavailable-outcome")
        assert modal.query_one("#role-person", Input).value == "alice"
        assert modal.chosen("role-choice") == Role.INCIDENT_COMMANDER.value
        assert not reason.display
        choice = modal.query_one("#role-choice", OptionList)
        assert "carol (unavailable)" in str(choice.get_option_at_index(0).prompt)
        assert "Carol" not in _text(modal, "#role-candidates")  # no longer offered
        await pilot.press("ctrl+s")  # assign the backup
        roles = await _wait_roles(seeded, pilot, 3)
        assert (roles[-1].role, roles[-1].person) == (Role.INCIDENT_COMMANDER, "alice")


async def _wait_roles(seeded: Seeded, pilot: Any, count: int) -> list[Any]:
    for _ in range(100):
        found = await events_of(seeded.db_path, seeded.active, "role.assigned")
        if len(found) >= count:
            return found
        await pilot.pause(0.05)
    raise AssertionError("the role was not assigned")


async def test_typed_person_and_escape_backs_out_of_the_prompt_only(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), roster=ROSTER)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await _open_roles(pilot)
        await pilot.press("tab", *"bob", "ctrl+n")
        assert "bob" in str(modal.query_one("#unavailable-reason", Input).border_title)
        await pilot.press("escape")  # closes the prompt, not the modal
        assert pilot.app.screen is modal and not modal.query_one("#unavailable-reason", Input).display
        await pilot.press("ctrl+n", *"sick today", "enter")
        await until(pilot, lambda: modal.query_one("#unavailable-outcome", Label).display)
        (gone,) = await events_of(seeded.db_path, seeded.active, "person.unavailable")
        assert (gone.person, gone.reason) == ("bob", "sick today")


async def test_refusals_are_one_sentence_and_write_nothing(make_app: Any, seeded: Seeded) -> None:
    await _append(seeded, _carol_commands(seeded),
                  ev.PersonUnavailable(incident_id=seeded.active, at=NOW, actor="bob", person="carol", reason="on leave"))
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), roster=ROSTER)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await _open_roles(pilot)
        await pilot.press("ctrl+n")  # carol holds the highlighted role, and is already unavailable
        assert _text(modal, "#form-error") == "carol is already marked unavailable (on leave)."
        assert not modal.query_one("#unavailable-reason", Input).display

        await pilot.press("tab", *"zed", "ctrl+n", *"no idea", "enter")  # on no roster, no part in the incident
        await until(pilot, lambda: "zed" in _text(modal, "#form-error"))
        assert _text(modal, "#form-error") == f"Not recorded: zed is not on the roster and has no part in {seeded.active}."

        await pilot.press("escape", "ctrl+u", "shift+tab", "down", "down", "ctrl+n")  # nothing typed, a vacant role
        assert modal.chosen("role-choice") == Role.COMMUNICATIONS_LEAD.value
        assert _text(modal, "#form-error").startswith("Type the person to mark unavailable")
        assert pilot.app.screen is modal
    assert [e.person for e in await events_of(seeded.db_path, seeded.active, "person.unavailable")] == ["carol"]


async def test_someone_marked_by_another_engineer_meanwhile_is_refused_by_the_store(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), roster=ROSTER)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await _open_roles(pilot)
        await pilot.press("tab", *"bob", "ctrl+n", *"out sick")
        await _append(seeded, ev.PersonUnavailable(incident_id=seeded.active, at=NOW, actor="carol", person="bob", reason="on leave"))
        await pilot.press("enter")
        await until(pilot, lambda: "Not recorded" in _text(modal, "#form-error"))
        assert _text(modal, "#form-error") == "Not recorded: bob is already marked unavailable."
    assert [e.reason for e in await events_of(seeded.db_path, seeded.active, "person.unavailable")] == ["on leave"]


async def test_help_says_the_roles_key_marks_someone_unavailable_with_ctrl_n(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active), roster=ROSTER)
    async with app.run_test(size=(160, 48)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        console = Console(width=120, color_system=None)
        with console.capture() as shown:
            console.print(pilot.app.screen.query_one(Static).content)
        rows = dict(line.split(maxsplit=1) for line in shown.get().splitlines() if len(line.split(maxsplit=1)) == 2)
        assert rows["R"].strip() == "Assign roles (Ctrl+N in it: mark unavailable)"
