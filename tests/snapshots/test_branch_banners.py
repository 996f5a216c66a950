"""SVG snapshots of the branch banners (MAJOR INCIDENT, CHANGE FREEZE, HOLD, SECURITY) in a tiny app.

The incidents are built from real events through the fold and the branch
evaluation on a fixed clock. Update deliberately (``--snapshot-update``) and look at each SVG.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.agents.branches.conftest import ROSTER_TOML, at, declare, fold
from warroom.agents.branches import declare_freeze, evaluate_branches
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.models import Incident, MitigationStrategy, Role, Severity
from warroom.widgets.banners import BranchBanners, banner_texts

ROSTER = parse_config(ROSTER_TOML).roster


class BannerApp(App[None]):
    """The banners over a placeholder body, as a war room shows them."""

    def __init__(self, incident: Incident | None, open_incidents: list[Incident]) -> None:
        super().__init__()
        self.incident, self.open_incidents = incident, open_incidents

    def compose(self) -> ComposeResult:
        yield BranchBanners()
        yield Static("war room body")

    def on_mount(self) -> None:
        self.query_one(BranchBanners).show(self.incident, self.open_incidents)


def _failed_rollback_major_frozen() -> tuple[Incident, list[Incident]]:
    a = fold(declare("INC-2026-0001", Severity.P1), [
        ev.Acknowledged(incident_id="INC-2026-0001", at=at(1)),
        ev.RoleAssigned(incident_id="INC-2026-0001", at=at(2), role=Role.INCIDENT_COMMANDER, person="carol"),
        ev.MitigationExecuted(incident_id="INC-2026-0001", at=at(30), strategy=MitigationStrategy.ROLLBACK,
                              outcome="failed", details="validation failed: 5xx rate still 38%"),
    ])  # fmt: skip
    b = fold(declare("INC-2026-0002", Severity.P1, service="payments"), [ev.Acknowledged(incident_id="INC-2026-0002", at=at(1))])
    a = fold(a, evaluate_branches(a, at(31), roster=ROSTER, open_incidents=[b]))
    b = fold(b, evaluate_branches(b, at(31), roster=ROSTER, open_incidents=[a]))
    freeze = declare_freeze([a, b], "FRZ-1", "major incident \x1b[31mhalt\x1b[0m deployments", at(32), actor="gina")
    return fold(a, freeze[:1]), [fold(b, freeze[1:])]


def _security() -> Incident:
    s = fold(declare(security=True), [ev.Acknowledged(incident_id="INC-2026-0001", at=at(1))])
    return fold(s, evaluate_branches(s, at(2), roster=ROSTER, open_incidents=[]))


def test_banner_texts_follow_the_state() -> None:
    incident, others = _failed_rollback_major_frozen()
    texts = banner_texts(incident, others)
    assert texts["major"].startswith("MAJOR INCIDENT: 2 P0/P1 open, by business impact: INC-2026-0001 P0, INC-2026-0002 P1")
    assert "senior IC Gina Park (gina)" in texts["major"]
    assert texts["freeze"] == "CHANGE FREEZE: halt all deployments · FRZ-1: major incident halt deployments"
    assert texts["hold"].startswith("HOLD: STOP, no further changes until assessment")
    assert texts["security"] == ""
    assert banner_texts(None, others)["hold"] == "" and banner_texts(None, others)["major"] == ""  # one P1 alone
    assert banner_texts(None, [incident, *others])["major"]  # the list screen shows it from the DB
    sec = _security()
    assert banner_texts(sec, [])["security"] == "SECURITY INCIDENT: preserve evidence (logs, forensics) before any mitigation"
    sec = fold(sec, [ev.EvidencePreserved(incident_id=sec.incident_id, at=at(5), details="images taken")])
    assert banner_texts(sec, [])["security"] == "SECURITY INCIDENT: evidence preserved · notify the authority: GDPR"


@pytest.mark.parametrize("size", [(80, 12), (160, 10)], ids=["80x12", "160x10"])
def test_major_freeze_and_hold(snap_compare: Any, size: tuple[int, int]) -> None:
    incident, others = _failed_rollback_major_frozen()
    assert snap_compare(BannerApp(incident, others), terminal_size=size)


def test_security_banner(snap_compare: Any) -> None:
    assert snap_compare(BannerApp(_security(), []), terminal_size=(100, 6))


def test_no_banner_when_nothing_applies(snap_compare: Any) -> None:
    assert snap_compare(BannerApp(declare(), []), terminal_size=(60, 4))


async def test_banners_follow_the_database(store: Any) -> None:
    """Two P1s declared in the database make the MAJOR INCIDENT banner appear, on the list and in a war room."""
    first = await store.declare(at(0), title="Checkout down", severity=Severity.P1)

    class ListApp(App[None]):
        def compose(self) -> ComposeResult:
            yield BranchBanners(store, interval=0.05)

    app = ListApp()
    async with app.run_test() as pilot:
        banners = app.query_one(BranchBanners)
        banners.show_incident(None)
        await pilot.pause(0.2)
        assert not app.query_one("#banner-major").has_class("-shown")
        await store.declare(at(1), title="Payments down", severity=Severity.P0)
        for _ in range(40):
            await pilot.pause(0.05)
            if app.query_one("#banner-major").has_class("-shown"):
                break
        assert app.query_one("#banner-major").has_class("-shown")
        state = await store.load(first.incident_id)
        banners.show_incident(state)  # a war room's own incident is not counted twice
        await pilot.pause(0.1)
        assert "MAJOR INCIDENT: 2 P0/P1 open" in str(app.query_one("#banner-major").render())
