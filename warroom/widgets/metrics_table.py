"""``MetricsTable``: the response figures as a table, by priority, by service or by month."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import DataTable

from warroom.data.insights.metrics import PRIORITIES, Cell, Figures
from warroom.data.insights.metrics import Figure
from warroom.data.insights.report import SHORT, cell_text, one_line

__all__ = ["MetricsTable", "View"]

View = Literal["priority", "service", "month"]


def short_aim(figure: Figure) -> str:
    """The aim in a few characters: "SLA" for the mean times (each priority against its own), else the range."""
    if figure.unit == "duration":
        return "SLA"
    return figure.aim.replace(" for P0/P1", "")


def _styled(text: str) -> Text:
    """Cell text with a missed aim (``!``) in the error colour; the text itself is never markup."""
    return Text(text, style="bold red" if text.endswith(" !") else "")


class MetricsTable(DataTable[Text]):
    """A read-only table of :class:`Figures` (cursor by row; ``!`` marks a missed aim).

    By priority, each mean time is judged against that priority's SLA and each
    rate against its aim; the "Aim" column says which.
    """

    DEFAULT_CSS = """
    MetricsTable { height: auto; max-height: 100%; }
    """

    def __init__(self, view: View = "priority", *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.view: View = view

    def show_figures(self, figures: Figures) -> None:
        """Replace the table's content with ``figures`` in this table's view."""
        self.clear(columns=True)
        if self.view == "priority":
            self.add_columns("Figure", "Overall", *PRIORITIES, "Aim")
            for f in figures.figures:
                cells = [cell_text(f, f.overall, counts=False)]
                cells += [cell_text(f, f.by_priority.get(p, Cell()), counts=False) for p in PRIORITIES]
                self.add_row(Text(f.label), *map(_styled, cells), Text(short_aim(f)), key=f.key)
            return
        groups, attr = (figures.services, "by_service") if self.view == "service" else (figures.months, "by_month")
        self.add_columns("Service" if self.view == "service" else "Month", *(SHORT[f.key] for f in figures.figures))
        for group in groups:
            cells = [cell_text(f, getattr(f, attr).get(group, Cell()), counts=False) for f in figures.figures]
            self.add_row(Text(one_line(group, 30)), *map(_styled, cells), key=group)
