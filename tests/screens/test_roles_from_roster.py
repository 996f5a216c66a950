"""``R`` offers the roster's people for the highlighted role (available ones only); free text stays allowed."""

from __future__ import annotations


from textual.app import App
from textual.widgets import Input, Label

from tests.conftest import T0
from tests.data.test_roster import GOOD
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.fold import replay
from warroom.data.models import Role
from warroom.screens.modals.roles import RoleAssignment, RolesModal

ID = "INC-2026-0003"


def incident(unavailable: str = ""):  # type: ignore[no-untyped-def]
    events: list[ev.BaseEvent] = [ev.IncidentDeclared(incident_id=ID, at=T0, title="checkout down", service="checkout")]
    state = replay(events)
    if unavailable:
        state = state.model_copy(update={"unavailable": {unavailable: "on a flight"}})
    return state


class Host(App[None]):
    def __init__(self, state, roster) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.state, self.roster, self.answers = state, roster, []

    def on_mount(self) -> None:
        self.push_screen(RolesModal(self.state, "tester", roster=self.roster), self.answers.append)


async def test_candidates_shown_and_completed_from_the_roster() -> None:
    app = Host(incident(), parse_config(GOOD).roster)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one("#role-candidates", Label).render())
        assert "Alice Ng" in shown and "Carol Diaz" in shown  # incident commander is highlighted first
        app.screen.query_one("#role-person", Input).focus()
        await pilot.press("c", "a", "right", "enter")  # "ca" completes to "carol"
        await pilot.pause()
    assert app.answers == [RoleAssignment(Role.INCIDENT_COMMANDER, "carol")]


async def test_unavailable_people_are_not_offered() -> None:
    app = Host(incident(unavailable="alice"), parse_config(GOOD).roster)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one("#role-candidates", Label).render())
        assert "Carol Diaz" in shown and "Alice" not in shown


async def test_without_a_roster_free_text_only() -> None:
    app = Host(incident(), None)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert str(app.screen.query_one("#role-candidates", Label).render()) == ""
        app.screen.query_one("#role-person", Input).focus()
        await pilot.press(*"dana", "enter")
        await pilot.pause()
    assert app.answers == [RoleAssignment(Role.INCIDENT_COMMANDER, "dana")]
