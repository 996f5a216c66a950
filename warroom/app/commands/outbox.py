"""``warroom outbox``: what was delivered where, what waits for a retry, and sending it now."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

from warroom.app.context import CommandContext, load_settings
from warroom.data.ids import validate_incident_id
from warroom.data.insights.history import require_database
from warroom.data.models import Notification
from warroom.data.text import plain

EXIT_UNDELIVERED = 3  # --send left something failed or waiting for a retry


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("outbox", parents=[common], help="notifications: delivered, waiting, failed; send them now")
    p.add_argument("incident_id", nargs="?", metavar="ID", help="one incident (default: every incident)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--send", action="store_true", help="deliver what is queued or waiting for a retry, now")
    p.add_argument("--retry", metavar="NOTIFICATION", default="",
                   help="try a given-up notification again (its id, or 'all' for every given-up one)")
    p.set_defaults(handler=cmd_outbox)


def line(n: Notification) -> str:
    """One notification, said for people."""
    what = f"{n.channel}{' ' + n.action if n.action else ''} ({n.audience.replace('_', ' ')})"
    if n.state == "delivered":
        assert n.delivered_at is not None
        return f"delivered  {what} at {n.delivered_at:%Y-%m-%d %H:%M:%S} UTC: {n.target}" + (f" [{n.receiver_id}]" if n.receiver_id else "")
    if n.state == "queued":
        return f"queued     {what} since {n.queued_at:%Y-%m-%d %H:%M:%S} UTC"
    when = f"; next attempt {n.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" if n.next_attempt_at else "; given up (warroom outbox --retry)"
    return f"{n.state:<10} {what} after {n.attempts} attempt(s): {plain(n.last_error)[:300]}{when}"


def as_json(incident_id: str, n: Notification) -> dict[str, Any]:
    data = n.model_dump(mode="json", exclude={"text"})
    return {"incident_id": incident_id, "state": n.state, **data}


async def send_now(store: Any, config: Any, incident_id: str | None = None, *, retry_all: bool = False) -> Any:
    """One delivery pass (``retry_all``: what waits for a retry too); the report, or None with no channel."""
    if not config.notify.channels:
        return None
    from warroom.agents.outbox import Outbox

    sender = Outbox(store, config.notify)
    try:
        return await sender.send_due(incident_id, now_all=retry_all)
    finally:
        await sender.release()


async def cmd_outbox(args: argparse.Namespace) -> int:
    from warroom.data import events as ev

    ctx = CommandContext.from_args(args)
    incident_id = validate_incident_id(args.incident_id) if args.incident_id else None
    config = load_settings(ctx.config_path)
    require_database(ctx.db_location)
    async with ctx.store() as store:
        ids = [incident_id] if incident_id else await store.incident_ids()
        if args.retry:
            retried = 0
            for iid in ids:
                for n in (await store.load(iid)).notifications.values():
                    if n.state == "failed" and args.retry in ("all", n.notification_id):
                        await store.append(ev.NotificationRetried(incident_id=iid, at=datetime.now(timezone.utc),
                                                                  actor=ctx.actor, notification_id=n.notification_id))  # fmt: skip
                        retried += 1
            if not retried:
                raise ValueError(f"no given-up notification {args.retry!r} to retry" if args.retry != "all" else "no given-up notification to retry")
        report = None
        if args.send or args.retry:
            if not config.notify.channels:
                raise ValueError("no notification channel is configured ([notify.*] in warroom.toml): nothing can be sent")
            report = await send_now(store, config, incident_id, retry_all=bool(args.send))
        listed = [(iid, n) for iid in ids for n in (await store.load(iid)).notifications.values()]
    if args.json:
        json.dump([as_json(iid, n) for iid, n in listed], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        if report is not None and report.busy:
            print(f"another process ({report.busy}) is sending this database's notifications; nothing was sent here", file=sys.stderr)
        for iid, n in listed:
            print(f"{iid}  {line(n)}")
        if not listed:
            print("no notifications" + (f" on {incident_id}" if incident_id else ""))
    if report is not None and any(n.state in ("retrying", "failed") for _, n in listed):
        return EXIT_UNDELIVERED
    return 0


async def deliver_new(store: Any, config: Any, incident_id: str, before: set[str]) -> None:
    """Deliver what a command just queued, and say what became of each (delivered, or waiting and why)."""
    queued = set((await store.load(incident_id)).notifications) - before
    if not queued:
        return
    report = await send_now(store, config, incident_id)
    if report is not None and report.busy:
        print(f"{incident_id}: {len(queued)} notification(s) queued; the war room of {report.busy} delivers them")
        return
    for n in (await store.load(incident_id)).notifications.values():
        if n.notification_id in queued:
            print(f"{incident_id}  {line(n)}")


@asynccontextmanager
async def delivering(store: Any, config: Any) -> AsyncIterator[None]:
    """The outbox's sender runs while the block does (``warroom run``); what is due at the end is sent then."""
    if not config.notify.channels:
        yield
        return
    from warroom.agents.outbox import Outbox

    sender = Outbox(store, config.notify)
    task = asyncio.create_task(sender.run(poll=1.0))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        report = await send_now(store, config)
        if report is not None and (report.failed or report.busy):
            waiting = "another process delivers them" if report.busy else "`warroom outbox` lists them; they are retried"
            print(f"warroom: {report.failed} notification(s) not delivered yet ({waiting})", file=sys.stderr)
