"""``warroom export ID [--out DIR] [--format markdown|json]``: the incident's record as markdown under ``DIR/ID/``,
or as one JSON document ``DIR/ID.json`` (``--out -`` prints the JSON)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext
from warroom.app.errors import say
from warroom.data.paths import user_path
from warroom.data.export import export_incident, render_json, write_json
from warroom.data.ids import validate_incident_id
from warroom.data.selection import TIMELINE

DEFAULT_OUT = Path("incidents")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    export = subparsers.add_parser(
        "export", parents=[common], help="write the incident's markdown record (at any time; replaces a previous export)"
    )
    export.add_argument("incident_id", metavar="ID")
    export.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                        help="directory that receives ID/ or ID.json (default: ./incidents); - prints the JSON")  # fmt: skip
    export.add_argument("--format", choices=("markdown", "json"), default="markdown",
                        help="markdown: the document set (default); json: one JSON document for trackers and dashboards")
    export.set_defaults(handler=cmd_export)


async def cmd_export(args: argparse.Namespace) -> int:
    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        state = await store.load(incident_id)  # raises UnknownIncident with a clear sentence; from its snapshot
        events = await store.select(incident_id, TIMELINE)  # the streamed chunks are in no document
    if args.format == "json":
        text = render_json(events, state=state)
        if args.out == "-":
            sys.stdout.write(text)
            return 0
        written = write_json(text, user_path(args.out, "--out"), incident_id)
        say(f"exported {incident_id}: {written}")
        return 0
    if args.out == "-":
        raise ValueError("--out - prints the JSON record only: add --format json, or name a directory")
    target = export_incident(events, user_path(args.out, "--out"), state=state)
    files = sum(1 for p in target.rglob("*") if p.is_file())
    say(f"exported {incident_id}: {files} files in {target}")
    return 0
