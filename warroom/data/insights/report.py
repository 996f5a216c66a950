"""The figures as text: a plain table for the terminal and a markdown table with the same figures."""

from __future__ import annotations

from datetime import timedelta

from warroom.data.durations import format_duration
from warroom.data.insights.metrics import PRIORITIES, Cell, Figure, Figures
from warroom.data.text import plain

SHORT = {"mttd": "MTTD", "mtta": "MTTA", "mtte": "MTTE", "mttr": "MTTR", "tier1": "Tier 1", "tier2": "Tier 2",
         "tier3": "Tier 3", "recurrence": "Recur", "review": "Review", "actions": "Actions"}  # fmt: skip


def one_line(text: str, limit: int = 40) -> str:
    """``text`` safe for one table cell: no escapes or controls, whitespace collapsed, at most ``limit`` chars."""
    flat = " ".join(plain(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cell_text(figure: Figure, cell: Cell, *, counts: bool = True) -> str:
    """``"12m 30s"`` or ``"75% (3/4)"``; ``"—"`` without data; a ``!`` marks a missed aim."""
    if cell.value is None:
        return "—"
    if figure.unit == "duration":
        text = format_duration(timedelta(seconds=round(cell.value)))
    else:
        text = f"{cell.value:.0%}" + (f" ({cell.hits}/{cell.count})" if counts else "")
    return text + (" !" if cell.met is False else "")


def verdict(figure: Figure) -> str:
    cells = [figure.overall] if figure.unit == "rate" else list(figure.by_priority.values())
    judged = [c.met for c in cells if c.met is not None]
    if not judged:
        return "no data" if figure.overall.value is None else "—"
    return "met" if all(judged) else "MISSED"


def _rows(figures: Figures) -> tuple[list[str], list[list[str]]]:
    header = ["Figure", "Overall", *PRIORITIES, "Aim", "Status"]
    rows = []
    for f in figures.figures:
        cells = [cell_text(f, f.overall)] + [cell_text(f, f.by_priority.get(p, Cell())) for p in PRIORITIES]
        rows.append([f.label, *cells, f.aim, verdict(f)])
    return header, rows


def _grouped(figures: Figures, groups: list[str], attr: str, title: str) -> tuple[list[str], list[list[str]]]:
    header = [title, *(SHORT[f.key] for f in figures.figures)]
    rows = []
    for group in groups:
        row = [one_line(group)]
        for f in figures.figures:
            row.append(cell_text(f, getattr(f, attr).get(group, Cell()), counts=False))
        rows.append(row)
    return header, rows


def _plain_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _scope(figures: Figures) -> str:
    since = f" detected since {figures.since:%Y-%m-%d}" if figures.since else ""
    return f"{figures.incidents} incident{'s' if figures.incidents != 1 else ''}{since}, as of {figures.now:%Y-%m-%d %H:%M} UTC"


def render_plain(figures: Figures) -> str:
    """Three plain tables: by priority (with aims), by service, by month; ``!`` marks a missed aim."""
    if not figures.incidents:
        return f"Response metrics: {_scope(figures)}\n\nNo incidents to measure.\n"
    parts = [f"Response metrics: {_scope(figures)}", _plain_table(*_rows(figures))]
    parts += ["By service", _plain_table(*_grouped(figures, figures.services, "by_service", "Service"))]
    parts += ["Trend by month", _plain_table(*_grouped(figures, figures.months, "by_month", "Month"))]
    parts.append("Durations are means from detection; ! marks a missed aim.")
    return "\n\n".join(parts) + "\n"


def render_markdown(figures: Figures) -> str:
    """The same figures as :func:`render_plain`, as markdown tables."""
    if not figures.incidents:
        return f"# Response metrics\n\n{_scope(figures)}.\n\nNo incidents to measure.\n"
    parts = ["# Response metrics", f"{_scope(figures)}.", _md_table(*_rows(figures))]
    parts += ["## By service", _md_table(*_grouped(figures, figures.services, "by_service", "Service"))]
    parts += ["## Trend by month", _md_table(*_grouped(figures, figures.months, "by_month", "Month"))]
    parts.append("Durations are means from detection; ! marks a missed aim.")
    return "\n\n".join(parts) + "\n"
