"""``warroom actions``: preventive actions across incidents; ``warroom actions done ID`` closes one."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from warroom.app.context import CommandContext
from warroom.data import events as ev
from warroom.data.insights import list_actions, resolve_action
from warroom.data.models import ActionStatus
from warroom.data.insights.report import one_line


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    actions = subparsers.add_parser("actions", parents=[common], help="preventive actions across incidents")
    actions.add_argument("--overdue", action="store_true", help="only open actions past their due date")
    actions.add_argument("--owner", metavar="NAME", help="only actions owned by NAME")
    actions.add_argument("--json", action="store_true", help="machine-readable output")
    actions.set_defaults(handler=cmd_actions)
    sub = actions.add_subparsers(dest="actions_command", metavar="ACTION")
    done = sub.add_parser("done", parents=[common], help="mark an action done (records an event on its incident)")
    done.add_argument("reference", metavar="ID", help="INC-YYYY-NNNN:ITEM, or an item id unique across incidents")
    done.set_defaults(handler=cmd_done)


def now() -> datetime:
    return datetime.now(timezone.utc)


async def cmd_actions(args: argparse.Namespace) -> int:
    ctx = CommandContext.from_args(args)
    moment = now()
    async with ctx.store() as store:
        incidents = await store.incidents()
    rows = list_actions(incidents, moment, overdue_only=args.overdue, owner=args.owner)
    if args.json:
        data = [{"reference": r.reference, "incident_id": r.incident_id, "item_id": r.item.item_id,
                 "title": r.item.title, "owner": r.item.owner, "status": r.item.status.value,
                 "due": r.item.due.isoformat() if r.item.due else None, "overdue": r.overdue} for r in rows]  # fmt: skip
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No preventive actions" + (" overdue" if args.overdue else "") + ".")
        return 0
    table = [["Action", "Due", "Status", "Owner", "Title"]]
    for r in rows:
        due = f"{r.item.due:%Y-%m-%d}" if r.item.due else "—"
        status = r.item.status.value.replace("_", " ") + (" (OVERDUE)" if r.overdue else "")
        table.append([one_line(r.reference, 80), due, status, one_line(r.item.owner, 30) or "—", one_line(r.item.title, 80)])
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + "  " + row[4])
    return 0


async def cmd_done(args: argparse.Namespace) -> int:
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        incident, item = resolve_action(await store.incidents(), args.reference)
        async with store.transaction() as tx:  # re-read inside the write: another process may have closed it
            current = await tx.state(incident.incident_id)
            item = current.actions[item.item_id] if current and item.item_id in current.actions else item
            if item.status is ActionStatus.DONE:
                raise ValueError(f"{incident.incident_id}:{one_line(item.item_id, 80)} is already done")
            await tx.append(ev.ActionItemUpdated(incident_id=incident.incident_id, at=now(), actor=ctx.actor,
                                                 item_id=item.item_id, status=ActionStatus.DONE))  # fmt: skip
    print(f"{incident.incident_id}:{one_line(item.item_id, 80)} done: {one_line(item.title, 80)}")
    return 0
