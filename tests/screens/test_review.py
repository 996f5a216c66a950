"""The review screen: read-only panes, the PIR editor writing ReviewUpdated / ActionItemAdded / Updated, re-export."""

from __future__ import annotations

from typing import Any

from tests.screens.helpers import events_of, until, war_room_loaded
from tests.screens.seeding import Seeded
from warroom.data.models import ActionStatus, Horizon
from warroom.screens.review import ReviewScreen, parse_due


async def _wait(seeded: Seeded, pilot: Any, kind: str, count: int = 1) -> list[Any]:
    for _ in range(100):
        found = await events_of(seeded.db_path, seeded.resolved, kind)
        if len(found) >= count:
            return found
        await pilot.pause(0.05)
    raise AssertionError(f"no {kind}")


async def test_review_editor_records_sections_and_action_items_and_exports(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: ReviewScreen(seeded.resolved))
    async with app.run_test(size=(160, 60)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        screen.query_one("#timeline").focus()
        await pilot.press("a", "s", "e", "n")  # decision keys do nothing on the read-only screen
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, ReviewScreen)
        screen.query_one("#review-sections").focus()
        await pilot.press("tab", *"Cache warm-up [bold]restored[/] latency", "shift+tab", "down", "tab", *"Cold cache after deploy")
        await pilot.press("ctrl+s")
        updates = await _wait(seeded, pilot, "review.updated", count=2)
        assert {u.section: u.text for u in updates} == {
            "summary": "Cache warm-up [bold]restored[/] latency", "root_cause": "Cold cache after deploy",
        }  # fmt: skip
        screen.query_one("#action-title").focus()
        await pilot.press(*"Warm caches before traffic", "tab", *"erin", "tab", *"2026-12-01", "ctrl+n")
        (added,) = await _wait(seeded, pilot, "action.added")
        assert (added.title, added.owner, added.horizon) == ("Warm caches before traffic", "erin", Horizon.SHORT_TERM)
        assert added.due == parse_due("2026-12-01")
        await until(pilot, lambda: screen.query_one("#action-items").row_count == 1)
        screen.query_one("#action-items").focus()
        await pilot.press("ctrl+t")
        (updated,) = await _wait(seeded, pilot, "action.updated")
        assert updated.status is ActionStatus.IN_PROGRESS
        record = app.export_dir / seeded.resolved / "post-incident-review.md"
        await until(pilot, record.exists)
        assert "Cold cache after deploy" in record.read_text()
    severities = await events_of(seeded.db_path, seeded.resolved, "severity.set")
    assert severities == []  # the read-only screen recorded no decision


def test_due_date_is_checked() -> None:
    import pytest

    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_due("next friday")
    assert parse_due("") is None


async def test_typing_starts_in_the_editor_and_letters_type_instead_of_acting(make_app: Any, seeded: Seeded) -> None:
    app = make_app(seeded.db_path, lambda: ReviewScreen(seeded.resolved))
    async with app.run_test(size=(160, 60)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        area = screen.query_one("#review-text")
        assert screen.focused is area
        area.load_text("")
        await pilot.press(*"quiet requests", "question_mark")
        assert area.text == "quiet requests?" and pilot.app.screen is screen  # q typed a q, ? typed a ?
        screen.query_one("#action-title").focus()
        await pilot.press(*"squash queue")
        assert screen.query_one("#action-title").value == "squash queue" and pilot.app.screen is screen
        area.focus()
        await pilot.press("ctrl+r")  # re-export works from the editor (Ctrl+E is the editor's end of line)
        await until(pilot, (app.export_dir / seeded.resolved / "post-incident-review.md").exists)


async def test_leaving_with_unsaved_edits_asks_and_escape_keeps_them(make_app: Any, seeded: Seeded) -> None:
    from warroom.screens.modals.discard import DiscardEditsModal

    app = make_app(seeded.db_path, lambda: ReviewScreen(seeded.resolved))
    async with app.run_test(size=(160, 60)) as pilot:
        await war_room_loaded(pilot)
        screen = pilot.app.screen
        await pilot.press(*"Alert fired 9 minutes late")
        screen.query_one("#action-items").focus()
        await pilot.press("q")
        await until(pilot, lambda: isinstance(pilot.app.screen, DiscardEditsModal))
        assert str(pilot.app.screen.query_one(".form-help").render()) == "Not saved: Executive summary."
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)
        assert "Alert fired 9 minutes late" in screen.query_one("#review-text").text
        await pilot.press("ctrl+q")  # quitting the app asks too
        await until(pilot, lambda: isinstance(pilot.app.screen, DiscardEditsModal))
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)
        screen.query_one("#review-text").focus()
        await pilot.press("ctrl+s")
        await _wait(seeded, pilot, "review.updated")
        await until(pilot, lambda: not screen.unsaved())
        screen.query_one("#action-items").focus()
        await pilot.press("q")  # saved: leaves without asking
        await until(pilot, lambda: app.return_value is not None)
    assert app.return_value == 0


async def test_leaving_without_saving_records_nothing(make_app: Any, seeded: Seeded) -> None:
    from warroom.screens.modals.discard import DiscardEditsModal

    app = make_app(seeded.db_path, lambda: ReviewScreen(seeded.resolved))
    async with app.run_test(size=(160, 60)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press(*"draft nobody wants")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(pilot.app.screen, DiscardEditsModal))
        await pilot.press("ctrl+s")  # the modal's submit: leave without saving
        await until(pilot, lambda: not app.is_running)
    assert await events_of(seeded.db_path, seeded.resolved, "review.updated") == []
