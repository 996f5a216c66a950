"""The gate modal from the keyboard: Enter on the recommendation decides; another option asks why first."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input

from warroom.agents.gates import Gate
from warroom.screens.modals import GateModal
from warroom.screens.modals.gate import GateAnswer

GATE = Gate(gate_id="itil:mitigation", step_id="mitigation", kind="choose", question="Which mitigation?",
            options=["rollback", "hotfix", "scaling"], recommended="rollback", recommendation_reason="a change preceded the onset")  # fmt: skip


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[GateAnswer | None] = []

    def on_mount(self) -> None:
        self.push_screen(GateModal(GATE), self.answers.append)


async def test_enter_on_the_recommendation_decides_at_once() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await pilot.pause()
    assert app.answers == [GateAnswer("itil:mitigation", "rollback", "")]


async def test_enter_on_another_option_asks_for_the_reason_then_enter_decides() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.answers == []
        assert isinstance(app.focused, Input)
        await pilot.press(*"canary shows hotfix is safe", "enter")
        await pilot.pause()
    assert app.answers == [GateAnswer("itil:mitigation", "hotfix", "canary shows hotfix is safe")]
