"""Every key of the war room leads to the right events in the store (real SQLite, fixed clock)."""

from __future__ import annotations

from typing import Any

from tests.screens.helpers import events_of, until, war_room_loaded
from tests.screens.seeding import NOW, Seeded
from warroom.data.models import Audience, Level, MitigationStrategy, Role, Severity
from warroom.screens.modals import EscalationModal, MitigationModal, SeverityModal
from warroom.screens.war_room import WarRoomScreen


def _war_room(make_app: Any, seeded: Seeded, incident: str | None = None) -> Any:
    incident = incident or seeded.active
    return make_app(seeded.db_path, lambda: WarRoomScreen(incident))


async def _wait_for(seeded: Seeded, pilot: Any, kind: str, incident: str | None = None, count: int = 1) -> list[Any]:
    found: list[Any] = []
    for _ in range(200):
        found = await events_of(seeded.db_path, incident or seeded.active, kind)
        if len(found) >= count:
            return found
        await pilot.pause(0.05)
    raise AssertionError(f"no {kind} event was recorded")


async def test_acknowledge_takes_vacant_commander(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("a")
        (ack,) = await _wait_for(seeded, pilot, "incident.acknowledged")
        roles = await _wait_for(seeded, pilot, "role.assigned", count=2)
        assert ack.actor == "alice" and ack.at == NOW
        assert (roles[-1].role, roles[-1].person) == (Role.INCIDENT_COMMANDER, "alice")
        await until(pilot, lambda: pilot.app.screen.state.acknowledged_by == "alice")
        await pilot.press("a")  # a second press records nothing more
        await pilot.pause(0.3)
        assert len(await events_of(seeded.db_path, seeded.active, "incident.acknowledged")) == 1


async def test_roles_modal_assigns_the_chosen_role(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("R", "down", "down", "tab", *"frank", "enter")
        roles = await _wait_for(seeded, pilot, "role.assigned", count=2)
        assert (roles[-1].role, roles[-1].person) == (Role.COMMUNICATIONS_LEAD, "frank")


async def test_severity_matrix_moves_with_arrows_and_needs_a_reason_to_override(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, SeverityModal))
        await pilot.press("left", "ctrl+s")  # HIGH × HIGH = P0 overrides the agents' P1 proposal
        assert isinstance(pilot.app.screen, SeverityModal), "an override without a reason must be refused"
        await pilot.press("tab", *"checkout is down for everyone", "enter")
        (event,) = await _wait_for(seeded, pilot, "severity.set")
        assert (event.severity, event.impact, event.urgency) == (Severity.P0, Level.HIGH, Level.HIGH)
        assert event.reason == "checkout is down for everyone"


async def test_escalation_modal_shows_policy_and_records_tier2(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, EscalationModal))
        policy_text = str(pilot.app.screen.query_one("#escalation-policy").render())
        assert "Tier 2" in policy_text and "P1" in policy_text
        await pilot.press("tab", *"db team needed", "enter")
        (event,) = await _wait_for(seeded, pilot, "tier.escalated")
        assert event.tier == 2 and event.reason == "db team needed"
        await until(pilot, lambda: pilot.app.screen.state.tier == 2)
        await pilot.press("e", "down", "tab", *"tell the VP", "enter")  # management is next after tier 3
        (mgmt,) = await _wait_for(seeded, pilot, "management.notified")
        assert mgmt.reason == "tell the VP"


async def test_mitigation_needs_rollback_plan_and_hotfix_needs_approval(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(pilot.app.screen, MitigationModal))
        await pilot.press("down", "ctrl+s")  # hotfix, no plan
        assert isinstance(pilot.app.screen, MitigationModal)
        await pilot.press("tab", *"redeploy v2.3.9", "ctrl+s")  # plan, but no approval
        assert isinstance(pilot.app.screen, MitigationModal)
        await pilot.press("tab", "tab", "space", "ctrl+s")
        (event,) = await _wait_for(seeded, pilot, "decision.taken")
        assert event.gate == "mitigation" and event.choice == MitigationStrategy.HOTFIX.value
        assert "rollback plan: redeploy v2.3.9" in event.rationale and "hotfix approved by alice" in event.rationale


async def test_status_update_publishes_the_edited_draft(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("u", "down", "tab", *"URGENT ", "ctrl+s")
        updates = await _wait_for(seeded, pilot, "update.published", count=2)
        assert updates[-1].audience is Audience.INTERNAL
        assert updates[-1].text.startswith("URGENT INC-2026-0001 P1 (High)")  # the internal draft, edited
        assert updates[-1].at == NOW


async def test_note_escape_cancels_and_enter_records(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("n", *"never mind", "escape")
        await pilot.press("n", *"rolled back [bold]v2.4.0[/]", "enter")
        notes = await _wait_for(seeded, pilot, "note.added", count=2)
        assert [n.text for n in notes[1:]] == ["rolled back [bold]v2.4.0[/]"]


async def test_gate_and_rerun_say_when_no_playbook_runs(make_app: Any, seeded: Seeded) -> None:
    async with _war_room(make_app, seeded).run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("g", "r")
        await pilot.pause(0.1)
        messages = [n.message for n in pilot.app._notifications]
        assert "No playbook decision is waiting." in messages
        assert "No playbook is running in this window." in messages


async def test_resolve_requires_validation_then_close_exports(make_app: Any, seeded: Seeded, tmp_path: Any) -> None:
    app = _war_room(make_app, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        await pilot.press("c")  # not resolved yet: refused with a sentence
        await pilot.pause(0.1)
        assert any("resolve it first" in n.message for n in pilot.app._notifications)
        await pilot.press("x")
        await until(pilot, lambda: pilot.app.screen.__class__.__name__ == "ResolveModal")
        await pilot.press(*"rolled back v2.4.0", "ctrl+s")
        assert pilot.app.screen.__class__.__name__ == "ResolveModal"  # the checks are not ticked yet
        await pilot.press("tab", "space", "tab", *"0.1%", "tab", "space", "tab", *"p99 180ms", "ctrl+s")
        (resolved,) = await _wait_for(seeded, pilot, "incident.resolved")
        assert resolved.validation == {"error_rate": "0.1%", "latency": "p99 180ms"}
        await until(pilot, lambda: not pilot.app.screen.state.is_open)
        await pilot.press("c")
        await until(pilot, lambda: pilot.app.screen.__class__.__name__ == "ConfirmCloseModal")
        await pilot.press("enter")
        await _wait_for(seeded, pilot, "incident.closed")
        await until(pilot, lambda: (app.export_dir / seeded.active / "incident-record.md").exists())


async def test_filter_search_help_and_quit(make_app: Any, seeded: Seeded) -> None:
    app = _war_room(make_app, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        timeline = pilot.app.screen.query_one("#timeline")
        await pilot.press("f")  # decisions
        assert timeline.filter == "decisions" and all(r.category == "decisions" for r in timeline.rows())
        await pilot.press("f", "f", "f", "f")
        assert timeline.filter is None
        await pilot.press("slash", *"PANIC", "enter")
        assert [r.kind for r in timeline.rows()] == ["note.added"]
        await pilot.press("slash", "escape")
        assert timeline.shown == timeline.total
        await pilot.press("question_mark")
        assert pilot.app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape", "q")
        await pilot.pause()
    assert app.return_value == 0


async def test_breach_is_recorded_once_and_rings(make_app: Any, seeded: Seeded) -> None:
    from datetime import timedelta

    later = NOW + timedelta(minutes=30)  # engage (30m) now breached too
    app = make_app(seeded.db_path, lambda: WarRoomScreen(seeded.active))
    app.now = lambda: later
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await war_room_loaded(pilot)
        breaches = await _wait_for(seeded, pilot, "sla.breached", count=2)
        await pilot.pause(1.2)  # another tick: nothing new
        assert len(await events_of(seeded.db_path, seeded.active, "sla.breached")) == len(breaches)
        assert bells
