"""``warroom new | list | note``: declare, list and annotate incidents (``show`` is in ``show.py``).

Input files (``--alerts``) are read and checked before the database is
touched, and the declaration with its alerts is one transaction: bad input
writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext
from warroom.data import events as ev
from warroom.data.alerts.intake import declare_in, parse_alerts
from warroom.data.alerts.payload import read_payload_bytes
from warroom.data.attachments import declare_with_evidence
from warroom.data.evidence.changes import is_git_repository
from warroom.data.ids import validate_incident_id
from warroom.data.models import Incident, NormalisedAlert, Severity
from warroom.data.paths import user_path
from warroom.data.policy import levels_for
from warroom.data.text import plain

SEVERITY_ORDER = [Severity.P0, Severity.P1, Severity.P2, Severity.P3]


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    new = subparsers.add_parser("new", parents=[common], help="declare a new incident")
    new.add_argument("title", nargs="?", default="",
                     help="one line saying what is wrong (asked for by the intake form when omitted on a terminal)")  # fmt: skip
    new.add_argument("--severity", choices=[s.value for s in Severity],
                     help="initial priority (default: the most severe alert's, else P2)")  # fmt: skip
    new.add_argument("--summary", default="", help="what is observed")
    new.add_argument("--guidance", default="", metavar="TEXT", help="steer the response, e.g. 'security', 'tight SLA'")
    new.add_argument("--service", default="", help="the failing service")
    new.add_argument("--alerts", metavar="FILE", help="an Alertmanager or PagerDuty payload to attach (- for stdin)")
    new.add_argument("--evidence", metavar="PATH", nargs="+", action="extend", default=[],
                     help="log files, metrics, documents, directories (every file in them) or git repositories "
                     "to attach; repeat the flag or give several paths")  # fmt: skip
    new.add_argument("--no-tui", action="store_true", help="do not open the intake form and war room; print the id")
    new.add_argument("--interactive", action="store_true",
                     help="the intake form asks the eight ITIL questions that set severity and guidance")  # fmt: skip
    new.set_defaults(handler=cmd_new)

    lister = subparsers.add_parser("list", parents=[common], help="list incidents")
    lister.add_argument("--json", action="store_true", help="machine-readable output")
    lister.add_argument("--open", action="store_true", help="only open incidents")
    lister.set_defaults(handler=cmd_list)

    note = subparsers.add_parser("note", parents=[common], help="add a note to the timeline")
    note.add_argument("incident_id", metavar="ID")
    note.add_argument("text")
    note.set_defaults(handler=cmd_note)


def now() -> datetime:
    return datetime.now(timezone.utc)


def initial_severity(chosen: str | None, alerts: list[NormalisedAlert]) -> Severity:
    """``--severity`` if given, else the most severe alert's, else P2."""
    if chosen:
        return Severity(chosen)
    if alerts:
        return min((a.severity for a in alerts), key=SEVERITY_ORDER.index)
    return Severity.P2


def wants_intake(args: argparse.Namespace) -> bool:
    """The intake form opens on a terminal unless ``--no-tui`` or scripted input (alerts, evidence) is given."""
    scripted = args.no_tui or args.alerts or args.evidence
    return not scripted and sys.stdin.isatty() and sys.stdout.isatty()


async def cmd_new(args: argparse.Namespace) -> int:
    if wants_intake(args):
        from warroom.app.commands.tui import run_intake

        return await run_intake(args)
    if args.interactive:
        raise ValueError("--interactive needs a terminal (the intake form asks the questions); drop --no-tui")
    if not args.title.strip():
        raise ValueError("the title is empty: say in one line what is wrong")
    alerts: list[NormalisedAlert] = []
    if args.alerts:
        data, name = read_payload_bytes(args.alerts)
        alerts = parse_alerts(data, "auto", name)
    sources = [_evidence_source(path) for path in args.evidence]
    severity = initial_severity(args.severity, alerts)
    impact, urgency = levels_for(severity)
    ctx = CommandContext.from_args(args)
    kept = ctx.db_path.expanduser().resolve().parent / "evidence"
    for source in sources:
        top = source.resolve()
        if source.is_dir() and (top == kept or kept in top.parents):
            raise ValueError(f"evidence {plain(str(source))[:200]!r} is inside the evidence folder {kept}; "
                             "attach the original instead")
    at = now()
    fields = dict(title=args.title.strip(), summary=args.summary, severity=severity, impact=impact, urgency=urgency,
                  guidance=args.guidance, service=args.service, reporter=ctx.actor)  # fmt: skip

    async def declare(tx: Any) -> Any:
        return (await declare_in(tx, alerts, at=at, actor=ctx.actor, **fields))[0]

    async with ctx.store() as store:
        # the evidence is copied first and attached in the declaring transaction: evidence that is
        # refused (an empty folder, a path too long, a full disk) leaves no incident behind
        declared, attachments = await declare_with_evidence(store, sources, declare, actor=ctx.actor, at=at)
        for source, attached in zip(sources, attachments):
            for skipped in attached.skipped:
                print(f"warroom: evidence left out: {plain(skipped)}", file=sys.stderr)
            if source.is_dir() and not is_git_repository(source):
                print(f"warroom: {plain(str(source))[:200]}: {len(attached.events)} file"
                      f"{'s' if len(attached.events) != 1 else ''} attached, {len(attached.skipped)} skipped",
                      file=sys.stderr)
    print(declared.incident_id)
    return 0


def _evidence_source(path: str) -> Path:
    """An ``--evidence`` path checked before anything is declared (a missing one writes nothing)."""
    source = user_path(path, "--evidence")
    if not source.exists():
        raise ValueError(f"evidence {plain(path)[:200]!r} does not exist")
    if not (source.is_file() or source.is_dir()):
        raise ValueError(f"evidence {plain(path)[:200]!r} is not a file or a directory")
    return source


def incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.incident_id,
        "title": incident.title,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "impact": incident.impact.value,
        "urgency": incident.urgency.value,
        "tier": incident.tier,
        "escalation": incident.hierarchical.value,
        "service": incident.service,
        "detection_method": incident.detection_method,
        "declared_at": incident.declared_at.isoformat(),
        "updated_at": incident.updated_at.isoformat(),
        "alerts": len(incident.alerts),
        "events": incident.event_count,
    }


async def cmd_list(args: argparse.Namespace) -> int:
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        incidents, damaged = await store.readable_incidents()
    for incident_id, why in damaged:
        print(f"warroom: {plain(str(incident_id))} cannot be read (a damaged event row: {plain(why)}); listing the others",
              file=sys.stderr)
    if args.open:
        incidents = [i for i in incidents if i.is_open]
    if args.json:
        json.dump([incident_row(i) for i in incidents], sys.stdout, indent=2)
        print()
        return 2 if damaged else 0
    if not incidents:
        print("no incidents")
        return 2 if damaged else 0
    for i in incidents:
        print(f"{i.incident_id}  {i.severity.value}  {i.status.value:<13} {i.declared_at:%Y-%m-%d %H:%M}Z  {plain(i.title)}")
    return 2 if damaged else 0


async def cmd_note(args: argparse.Namespace) -> int:
    incident_id = validate_incident_id(args.incident_id)
    if not args.text.strip():
        raise ValueError("the note is empty")
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        await store.load(incident_id)
        stored = await store.append(ev.NoteAdded(incident_id=incident_id, at=now(), actor=ctx.actor, text=args.text))
    print(f"note added to {incident_id} (event {stored.seq})")
    return 0


def run_default(args: argparse.Namespace) -> int:
    """``warroom`` with no command: the incident list."""
    import asyncio

    args.json = False
    args.open = False
    return asyncio.run(cmd_list(args))
