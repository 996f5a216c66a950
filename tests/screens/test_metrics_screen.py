"""The Metrics screen: snapshots at 80×24 on the seeded 60-incident history, and a pilot run on a real database."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from textual.app import App
from textual.widgets import Sparkline, TabbedContent
from textual.worker import WorkerFailed

from tests.data.insights.conftest import NOW, PRIORITIES, SERVICES, detected, incident_events, seed_history
from warroom.data import events as ev
from warroom.data.fold import replay
from warroom.data.insights import Figures, compute_figures
from warroom.screens.metrics import MetricsScreen
from warroom.widgets.metrics_table import MetricsTable


def seeded_figures() -> Figures:
    """The conftest history folded in memory (same events as the seeded database)."""
    history = []
    for i in range(60):
        iid = f"INC-2026-{i + 1:04d}"
        declared = ev.IncidentDeclared(incident_id=iid, at=detected(i) + timedelta(minutes=2), title=f"Incident {i}",
                                       severity=PRIORITIES[i % 4], service=SERVICES[i % 3], detected_at=detected(i))  # fmt: skip
        events = [declared, *incident_events(i, iid)]
        history.append((replay(events), events))
    return compute_figures(history, NOW)


class MetricsApp(App[None]):
    def __init__(self, source: Any) -> None:
        super().__init__()
        self.source = source

    def on_mount(self) -> None:
        self.push_screen(MetricsScreen(self.source, lambda: NOW))


def test_metrics_by_priority(snap_compare: Any) -> None:
    assert snap_compare(MetricsApp(seeded_figures()), terminal_size=(80, 24))


def test_metrics_trend(snap_compare: Any) -> None:
    assert snap_compare(MetricsApp(seeded_figures()), terminal_size=(80, 24), press=["t"])


async def test_metrics_screen_reads_the_database(store, db_path) -> None:
    await seed_history(store, count=12)
    app = MetricsApp(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MetricsScreen) and screen.figures is not None
        assert screen.figures.incidents == 12
        table = screen.query_one("#metrics-priority-table", MetricsTable)
        assert table.row_count == 10
        assert str(table.get_row("mtta")[0]) == "Mean time to acknowledge"
        await pilot.press("s")
        assert screen.query_one(TabbedContent).active == "by-service"
        assert screen.query_one("#metrics-service-table", MetricsTable).row_count == 3
        await pilot.press("t")
        await pilot.pause()
        assert len(screen.query(Sparkline)) == 10
        await pilot.press("escape")
        assert not isinstance(app.screen, MetricsScreen)


async def test_unreadable_database_is_reported_on_screen(tmp_path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(b"\x00garbage" * 100)
    app = MetricsApp(bad)
    async with app.run_test(size=(80, 24)) as pilot:
        with contextlib.suppress(WorkerFailed):  # the loading worker fails by design; the screen says why
            await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(app.screen.query_one("#metrics-scope").render())
        assert "Could not read the incidents" in text and "not an SQLite database" in text
