"""The Metrics screen: response figures across incidents, against their aims, with a trend by month.

Open it from the incident list with ``MetricsScreen(db_path, now)`` (it reads the
database in a worker) or ``MetricsScreen(figures, now)`` with figures already
computed. ``now`` is a callable returning an aware UTC datetime (or a datetime).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Sparkline, Static, TabbedContent, TabPane

from warroom.data.insights import Figures, compute_figures, load_history
from warroom.data.insights.report import cell_text
from warroom.data.store_api import open_store
from warroom.widgets.metrics_table import MetricsTable

__all__ = ["MetricsScreen"]


class MetricsScreen(Screen[None]):
    """Figures by priority, by service and by month; a sparkline per figure over the months."""

    DEFAULT_CSS = """
    MetricsScreen #metrics-scope { height: 1; padding: 0 1; color: $text-muted; }
    MetricsScreen .trend-row { height: 1; }
    MetricsScreen .trend-label { width: 28; padding: 0 1; }
    MetricsScreen .trend-line { width: 1fr; height: 1; }
    MetricsScreen .trend-last { width: 16; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "close_metrics", "Back", tooltip="Back to the incident list", id="metrics-back"),
        Binding("p", "show_tab('by-priority')", "Priority", tooltip="Figures by priority", id="metrics-priority"),
        Binding("s", "show_tab('by-service')", "Service", tooltip="Figures by service", id="metrics-service"),
        Binding("m", "show_tab('by-month')", "Month", tooltip="Figures by month", id="metrics-month"),
        Binding("t", "show_tab('trend')", "Trend", tooltip="Trend of each figure over the months", id="metrics-trend"),
    ]

    def __init__(self, source: Path | str | Figures, now: Callable[[], datetime] | datetime) -> None:
        super().__init__()
        self.source = source
        self.now = now if callable(now) else (lambda: now)
        self.figures: Figures | None = source if isinstance(source, Figures) else None

    def compose(self) -> ComposeResult:
        yield Static("Reading incidents…", id="metrics-scope")
        with TabbedContent(initial="by-priority"):
            with TabPane("By priority", id="by-priority"):
                yield MetricsTable("priority", id="metrics-priority-table")
            with TabPane("By service", id="by-service"):
                yield MetricsTable("service", id="metrics-service-table")
            with TabPane("By month", id="by-month"):
                yield MetricsTable("month", id="metrics-month-table")
            with TabPane("Trend", id="trend"):
                yield VerticalScroll(id="metrics-trend")
        yield Footer()

    def on_mount(self) -> None:
        if self.figures is not None:
            self.show_figures(self.figures)
        else:
            self.load_figures()

    @work(exclusive=True, group="metrics", exit_on_error=False)
    async def load_figures(self) -> None:
        store = await open_store(self.source)  # type: ignore[arg-type]
        try:
            history = await load_history(store, chunks=False)
        finally:
            await store.close()
        self.show_figures(compute_figures(history, self.now()))

    def on_worker_state_changed(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.worker.error is not None:
            self.query_one("#metrics-scope", Static).update(f"Could not read the incidents: {event.worker.error}")

    def show_figures(self, figures: Figures) -> None:
        """Fill every tab with ``figures``."""
        self.figures = figures
        since = f" detected since {figures.since:%Y-%m-%d}" if figures.since else ""
        self.query_one("#metrics-scope", Static).update(
            f"{figures.incidents} incidents{since} · as of {figures.now:%Y-%m-%d %H:%M} UTC · ! marks a missed aim"
        )
        for table in self.query(MetricsTable):
            table.show_figures(figures)
        trend = self.query_one("#metrics-trend", VerticalScroll)
        trend.remove_children()
        rows = []
        for f in figures.figures:
            cells = [f.by_month.get(m) for m in figures.months]
            data = [c.value if c is not None and c.value is not None else 0.0 for c in cells] or [0.0]
            last = next((c for c in reversed(cells) if c is not None and c.value is not None), None)
            rows.append(Horizontal(
                Label(f.label, classes="trend-label"), Sparkline(data, classes="trend-line"),
                Label(cell_text(f, last, counts=False) if last else "—", classes="trend-last"),
                classes="trend-row",
            ))  # fmt: skip
        trend.mount_all(rows)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_close_metrics(self) -> None:
        self.app.pop_screen()
