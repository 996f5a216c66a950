"""SLA clock cells: counting down, counting up once breached, seconds only in the last ten minutes."""

from __future__ import annotations

from datetime import timedelta

from textual.app import App, ComposeResult

from tests.screens.seeding import T0
from warroom.data.clocks import Clock, ClockState
from warroom.widgets.sla_board import ClockValue, SlaBoard, clock_value


def _clock(remaining: timedelta, state: ClockState) -> Clock:
    return Clock(name="acknowledge", label="Acknowledge", started_at=T0, deadline=T0 + timedelta(minutes=5),
                 remaining=remaining, state=state)  # fmt: skip


def test_values_by_state() -> None:
    assert clock_value(_clock(timedelta(minutes=4, seconds=30), ClockState.DUE_SOON)) == "4m 30s"
    assert clock_value(_clock(timedelta(minutes=27, seconds=59), ClockState.OK)) == "27m"
    assert clock_value(_clock(-timedelta(minutes=7, seconds=3), ClockState.BREACHED)) == "+7m 03s"
    assert clock_value(_clock(-timedelta(minutes=15, seconds=3), ClockState.BREACHED)) == "+15m"
    assert clock_value(_clock(timedelta(minutes=1), ClockState.MET)) == "met"
    assert clock_value(_clock(-timedelta(minutes=35), ClockState.MISSED)) == "missed +35m"


def _ok(name: str, minutes: float) -> Clock:
    return Clock(name=name, label=name.title(), started_at=T0, deadline=T0 + timedelta(hours=1),
                 remaining=timedelta(minutes=minutes), state=ClockState.OK)  # fmt: skip


class _BoardApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SlaBoard(id="board")


async def test_a_second_show_before_new_rows_compose_lands_on_them() -> None:
    """The start-up crash: the 1 Hz tick mounts new rows, the "loaded" tick updates them in the same frame."""
    app = _BoardApp()
    async with app.run_test(size=(60, 8)) as pilot:
        board = app.query_one(SlaBoard)
        board.show([_ok("acknowledge", 30)], T0)
        await pilot.pause()
        board.show([_ok("acknowledge", 29), _ok("resolve", 200)], T0)  # the set changed: rows re-mounted
        board.show([_ok("acknowledge", 28), _ok("resolve", 199)], T0)  # before they composed
        await pilot.pause()
        values = [str(v.render()) for v in board.query(ClockValue)]
        assert values == ["28m", "3h 19m"]
        board.show([], T0)
        board.show([], T0)
        await pilot.pause()
        assert not board.query(ClockValue)
