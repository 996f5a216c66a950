"""SLA clock cells: counting down, counting up once breached, seconds only in the last ten minutes."""

from __future__ import annotations

from datetime import timedelta

from tests.screens.seeding import T0
from warroom.data.clocks import Clock, ClockState
from warroom.widgets.sla_board import clock_value


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
