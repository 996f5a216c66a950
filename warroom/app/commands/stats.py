"""``warroom stats``: response metrics across incidents (plain table, ``--json`` or ``--markdown``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timezone
from typing import Any

from warroom.app.context import CommandContext
from warroom.data.insights import compute_figures
from warroom.data.insights.history import require_database
from warroom.data.insights.summaries import load_summaries
from warroom.data.insights.report import render_markdown, render_plain


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    stats = subparsers.add_parser("stats", parents=[common], help="response metrics across incidents")
    stats.add_argument("--since", metavar="DATE", help="only incidents detected on or after DATE (YYYY-MM-DD, UTC)")
    out = stats.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--markdown", action="store_true", help="markdown tables with the same figures")
    stats.set_defaults(handler=cmd_stats)


def parse_since(text: str | None) -> datetime | None:
    """``YYYY-MM-DD`` as UTC midnight; a clear ``ValueError`` otherwise."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        shown = text[:40].encode("unicode_escape").decode("ascii")
        raise ValueError(f"--since {shown!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01") from None
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


async def cmd_stats(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    ctx = CommandContext.from_args(args)
    require_database(ctx.db_location)  # a report creates no database (opening the store would)
    now = datetime.now(timezone.utc)
    async with ctx.store() as store:
        history = await load_summaries(store)  # summaries and recurrence marks, never whole logs
    figures = compute_figures(history, now, since=since)
    if args.json:
        json.dump(figures.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.markdown:
        sys.stdout.write(render_markdown(figures))
    else:
        sys.stdout.write(render_plain(figures))
    return 0
