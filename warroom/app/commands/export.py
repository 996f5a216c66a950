"""``warroom export ID [--out DIR]``: write the incident's markdown record under ``DIR/ID/``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext
from warroom.data.export import export_incident
from warroom.data.ids import validate_incident_id

DEFAULT_OUT = Path("incidents")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    export = subparsers.add_parser(
        "export", parents=[common], help="write the incident's markdown record (at any time; replaces a previous export)"
    )
    export.add_argument("incident_id", metavar="ID")
    export.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                        help="directory that receives ID/ (default: ./incidents)")  # fmt: skip
    export.set_defaults(handler=cmd_export)


async def cmd_export(args: argparse.Namespace) -> int:
    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        await store.load(incident_id)  # raises UnknownIncident with a clear sentence
        events = await store.events(incident_id)
    target = export_incident(events, Path(args.out).expanduser())
    files = sum(1 for p in target.rglob("*") if p.is_file())
    print(f"exported {incident_id}: {files} files in {target}")
    return 0
