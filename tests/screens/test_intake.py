"""Intake: the eight ITIL questions set severity, guidance and documentation depth; the form declares."""

from __future__ import annotations

from typing import Any

import pytest

from tests.screens.helpers import until, war_room_loaded
from tests.screens.seeding import NOW, T0, Seeded
from warroom.data.models import Level, Severity
from warroom.screens.intake import IntakeAnswers, IntakeError, IntakeScreen, declaration_fields, parse_start_time


@pytest.mark.parametrize(
    ("share", "severity"),
    [("gt50", Severity.P0), ("10to50", Severity.P1), ("lt10", Severity.P2), ("none", Severity.P3)],
)
def test_share_of_users_sets_severity(share: str, severity: Severity) -> None:
    fields = declaration_fields(IntakeAnswers(title="x", share=share), NOW)
    assert fields["severity"] is severity


def test_security_is_at_least_p1_and_guides_the_agents() -> None:
    fields = declaration_fields(IntakeAnswers(title="x", share="lt10", security="yes", experience="new"), NOW)
    assert fields["severity"] is Severity.P1 and fields["security"] is True
    assert "security incident" in fields["guidance"] and "detailed documentation" in fields["guidance"]
    assert (fields["impact"], fields["urgency"]) == (Level.HIGH, Level.MEDIUM)


def test_hostile_and_bad_answers() -> None:
    with pytest.raises(IntakeError):
        declaration_fields(IntakeAnswers(title="  \x1b[2J "), NOW)
    with pytest.raises(IntakeError, match="start time"):
        parse_start_time("yesterday-ish", NOW)
    with pytest.raises(IntakeError, match="future"):
        parse_start_time("23:59", NOW)
    assert parse_start_time("09:00", NOW) == T0
    fields = declaration_fields(IntakeAnswers(title="t\x1b]0;x\x07", symptoms="[bold]x[/]"), NOW)
    assert fields["title"] == "t" and fields["summary"] == "[bold]x[/]"


async def test_form_declares_and_opens_the_war_room(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: IntakeScreen(interactive=True, title="Payments down"))
    async with app.run_test(size=(100, 60)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
        screen = pilot.app.screen
        screen.query_one("#share").value = "gt50"
        await pilot.press("ctrl+s")
        await war_room_loaded(pilot)
        state = pilot.app.screen.state
        assert state.title == "Payments down" and state.severity is Severity.P0 and state.reporter == "alice"
