"""``warroom`` with no argument: open and recent incidents, Enter opens one.

Columns: id, severity, status, age, the nearest deadline (the most urgent open
clock) and the title. The list reloads every few seconds so new incidents
declared elsewhere appear.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from warroom.data.clocks import ClockState, clocks
from warroom.data.durations import format_duration
from warroom.data.models import Incident
from warroom.data.policy import Policy
from warroom.data.text import strip_control
from warroom.screens.view_only import view_only
from warroom.widgets.header_line import SEVERITY_STYLE
from warroom.widgets.banners import BranchBanners

__all__ = ["IncidentListScreen", "incident_row", "nearest_deadline"]

RELOAD_SECONDS = 5.0
OVERDUE_SHOWN = 3
RECENT = 50


def nearest_deadline(incident: Incident, now: datetime, policy: Policy) -> Text:
    """The open clock closest to (or furthest past) its deadline, e.g. ``Acknowledge +4m``."""
    open_clocks = [c for c in clocks(incident, now, policy) if c.state in (ClockState.OK, ClockState.DUE_SOON, ClockState.BREACHED)]
    if not open_clocks:
        return Text("—", "dim")
    clock = min(open_clocks, key=lambda c: c.remaining)
    if clock.state is ClockState.BREACHED:
        return Text(f"{clock.label} +{format_duration(-clock.remaining)}", "bold red")
    return Text(f"{clock.label} {format_duration(clock.remaining)}", "yellow" if clock.state is ClockState.DUE_SOON else "")


def _age(incident: Incident, now: datetime) -> str:
    end = incident.resolved_at or now
    return format_duration(end - incident.detected_at).split(" ")[0]


def incident_row(incident: Incident, now: datetime, policy: Policy) -> tuple[Text | str, ...]:
    """One table row for ``incident``."""
    return (
        incident.incident_id,
        Text(f" {incident.severity.value} ", SEVERITY_STYLE[incident.severity]),
        incident.status.value,
        _age(incident, now),
        nearest_deadline(incident, now, policy),
        Text(strip_control(incident.title).replace("\n", " ")[:200]),
    )


class IncidentListScreen(Screen[None]):
    """Open incidents first (most severe first), then the most recent closed ones."""

    BINDINGS = [
        Binding("enter", "open_selected", "Open", tooltip="Open the highlighted incident", id="open-incident"),
        Binding("M", "open_metrics", "Metrics", tooltip="Response metrics across incidents against the ITIL aims",
                id="open-metrics"),  # fmt: skip
        Binding("question_mark", "app.help", "Help", tooltip="Every key of this screen", id="help"),
        Binding("q", "app.quit", "Quit", tooltip="Leave warroom", id="quit"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[tuple[str, ...], ...] = ()
        self.loaded = False
        self.open_ids: list[str] = []

    def compose(self) -> ComposeResult:
        title = "warroom · incidents (Enter opens)"
        if view_only(self):
            title += " · read-only view: decisions are taken in the terminal"
        yield Static(title, classes="screen-title")
        yield BranchBanners(self.app.ready_store, policy=self.app.policy, id="branch-banners")
        table: DataTable[Text | str] = DataTable(id="incident-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("ID", "Sev", "Status", "Age", "Nearest deadline", "Title")
        yield table
        yield Static("", id="overdue-actions")
        yield Footer()

    def on_mount(self) -> None:
        self.load_incidents()
        self.set_interval(RELOAD_SECONDS, self.load_incidents)

    @work(exclusive=True, group="incident-list", exit_on_error=False)
    async def load_incidents(self) -> None:
        incidents = await (await self.app.ready_store()).incidents()
        now = self.app.now()
        open_ = sorted((i for i in incidents if i.is_open), key=lambda i: (i.severity.value, i.detected_at))
        recent = sorted((i for i in incidents if not i.is_open), key=lambda i: i.updated_at, reverse=True)[:RECENT]
        rows = [incident_row(i, now, self.app.policy) for i in [*open_, *recent]]
        self.show_rows(rows)
        self.show_overdue(overdue_line(incidents, now))

    def show_overdue(self, line: str) -> None:
        widget = self.query_one("#overdue-actions", Static)
        widget.update(Text(line, "bold yellow") if line else "")
        widget.display = bool(line)

    def action_open_metrics(self) -> None:
        from warroom.screens.metrics import MetricsScreen

        self.app.push_screen(MetricsScreen(self.app.db_location, self.app.now))

    def show_rows(self, rows: list[tuple[Text | str, ...]]) -> None:
        key = tuple(tuple(str(cell) for cell in row) for row in rows)
        self.loaded = True
        if key == self._shown:
            return
        self._shown = key
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(*row, key=str(row[0]))
        self.open_ids = [str(row[0]) for row in rows]
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        else:
            table.add_row("—", "", "", "", "", Text("No incidents yet: `warroom new TITLE` declares one.", "dim"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.row_key.value)

    def action_open_selected(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count and self.open_ids:
            self._open(self.open_ids[table.cursor_row])

    def _open(self, incident_id: str | None) -> None:
        if incident_id and incident_id in self.open_ids:
            self.app.open_incident(incident_id)


def overdue_line(incidents: list[Incident], now: datetime) -> str:
    """Overdue preventive actions across incidents, most overdue first (empty when none)."""
    from warroom.data.insights.actions import overdue_actions

    rows = overdue_actions(incidents, now)
    if not rows:
        return ""
    shown = ", ".join(
        f"{r.reference} {strip_control(r.item.title)[:40]} ({strip_control(r.item.owner) or 'no owner'})"
        for r in rows[:OVERDUE_SHOWN]
    )
    more = f" and {len(rows) - OVERDUE_SHOWN} more" if len(rows) > OVERDUE_SHOWN else ""
    return f"Overdue preventive actions: {len(rows)} — {shown}{more} (warroom actions --overdue)"
