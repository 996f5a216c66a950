"""``warroom show``: an incident's state, then its timeline as plain, terminal-safe lines.

The timeline is never held whole: the default is its last rows (``--tail N``, 200), read
backwards from the store, with one line saying how many earlier rows are hidden and how
to see them; ``--tail 0`` prints every row, read and printed in batches. ``--since TIME``
and ``--kind KIND`` narrow the rows in the store's query. The state comes from
``EventStore.load_summary`` (a snapshot without the agents' documents plus the tail of the log,
see :mod:`warroom.data.snapshots`); ``--json`` prints the whole state (``EventStore.load``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timezone
from typing import Any

from warroom.app.context import CommandContext
from warroom.data import events as ev
from warroom.data.describe import describe_event
from warroom.data.ids import validate_incident_id
from warroom.data.models import Incident
from warroom.data.selection import CHUNKS, TIMELINE, Selection, kinds_named
from warroom.data.text import plain

DEFAULT_TAIL = 200
BATCH = 5_000


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    show = subparsers.add_parser("show", parents=[common], help="print an incident's state and timeline")
    show.add_argument("incident_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="the whole state as JSON (the fold of the events)")
    show.add_argument("--tail", metavar="N", default=str(DEFAULT_TAIL),
                      help=f"only the last N rows of the timeline (default {DEFAULT_TAIL}; 0: every row)")  # fmt: skip
    show.add_argument("--since", metavar="TIME", help="only rows at or after TIME (ISO 8601, UTC unless it says)")
    show.add_argument("--kind", metavar="KIND", help="only rows of these kinds or families, comma-separated "
                      "(note.added, note, agent, update, decision, ...)")  # fmt: skip
    show.set_defaults(handler=cmd_show)


def parse_tail(text: str) -> int:
    """``--tail``'s count of rows (0: all); a clear ``ValueError`` otherwise."""
    try:
        count = int(text.strip())
    except ValueError:
        count = -1
    if count < 0:
        shown = text[:40].encode("unicode_escape").decode("ascii")
        raise ValueError(f"--tail {shown!r} is not a number of rows: use 0 (every row) or a positive count such as 50")
    return count


def parse_since(text: str) -> datetime:
    """``--since``: an ISO 8601 date or time (UTC when it names no zone); a clear ``ValueError`` otherwise."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            moment = datetime.combine(date.fromisoformat(cleaned), time(0))
        else:
            moment = datetime.fromisoformat(cleaned.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        shown = text[:40].encode("unicode_escape").decode("ascii")
        raise ValueError(f"--since {shown!r} is not a time: use ISO 8601, e.g. 2026-11-23T09:30 or 2026-11-23") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def selection_of(args: argparse.Namespace) -> Selection:
    """The rows asked for: the timeline (no chunks) unless ``--kind`` names them, from ``--since``."""
    since = parse_since(args.since) if args.since is not None else None
    if args.kind is not None:
        return Selection(kinds=kinds_named(args.kind), at_from=since)
    return Selection(exclude=TIMELINE.exclude, at_from=since)


def state_lines(i: Incident) -> list[str]:
    """The incident's state as plain, terminal-safe lines."""
    lines = [
        f"{i.incident_id}: {plain(i.title)}",
        f"  severity {i.severity.value} (impact {i.impact.value}, urgency {i.urgency.value})  status {i.status.value}",
        f"  tier {i.tier}  escalation {i.hierarchical.value}  phase {plain(i.phase) or '-'}",
        f"  declared {i.declared_at:%Y-%m-%d %H:%M:%S}Z by {plain(i.reporter) or '-'} ({plain(i.detection_method)})",
    ]
    if i.service:
        lines.append(f"  service {plain(i.service)}")
    if i.summary:
        lines.append(f"  summary {plain(i.summary.strip().splitlines()[0])}")
    for role, person in i.roles.items():
        lines.append(f"  {role.title}: {plain(person)}")
    if i.alerts:
        lines.append(f"  alerts {len(i.alerts)} (latest: {i.alerts[-1].status})")
    return lines


def row_line(event: ev.BaseEvent) -> str:
    return f"  {event.at:%Y-%m-%d %H:%M:%S}Z  {plain(event.actor):<12} {plain(describe_event(event))}"


def timeline_rows(incident: Incident) -> int:
    """The timeline's rows as the fold counted them: every event but the streamed chunks."""
    return incident.event_count - sum(run.chunks for run in incident.runs.values())


async def cmd_show(args: argparse.Namespace) -> int:
    incident_id = validate_incident_id(args.incident_id)
    tail = parse_tail(args.tail)
    selection = selection_of(args)
    if args.json and (args.since is not None or args.kind is not None or args.tail != str(DEFAULT_TAIL)):
        raise ValueError("--json prints the whole state; --tail, --since and --kind choose timeline rows: use one or the other")
    ctx = CommandContext.from_args(args)
    out = sys.stdout
    async with ctx.store() as store:
        if args.json:
            out.write((await store.load(incident_id)).model_dump_json(indent=2) + "\n")
            return 0
        incident = await store.load_summary(incident_id)  # the header needs no agent documents
        out.write("\n".join(state_lines(incident)) + "\ntimeline:\n")
        last = incident.last_seq + 1  # rows appended after the state was read are not shown against it
        if tail:
            rows = await store.tail(incident_id, tail, selection, before=last)
            if rows:
                if selection.narrowed or CHUNKS in selection.kinds:
                    hidden = await store.count(incident_id, selection, before=rows[0].seq)
                else:
                    hidden = max(timeline_rows(incident) - len(rows), 0)
                if hidden:
                    out.write(f"  … {hidden:,} earlier row{'s' if hidden != 1 else ''} hidden "
                              f"(--tail 0 shows every row; --since TIME or --kind KIND narrows them)\n")  # fmt: skip
            out.write("".join(row_line(e) + "\n" for e in rows))
            return 0
        since = 0
        while True:  # every row, a batch at a time: never the whole timeline in memory
            batch = await store.select(incident_id, selection, since, BATCH)
            batch = [e for e in batch if e.seq < last]
            out.write("".join(row_line(e) + "\n" for e in batch))
            if len(batch) < BATCH:
                return 0
            since = batch[-1].seq
