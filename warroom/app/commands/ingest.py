"""``warroom ingest alertmanager|pagerduty FILE|-``: take alerts in from a webhook payload.

The payload is read and parsed completely before the database is opened, so a
malformed payload writes nothing (not even a new database file). Then every
alert is recorded in one transaction: it lands on the incident its dedup key is
bound to, or declares a new one.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from warroom.app.context import CommandContext
from warroom.data.alerts.intake import AlertOutcome, parse_alerts, take_in
from warroom.data.alerts.payload import read_payload_bytes
from warroom.data.text import plain


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        parents=[common],
        help="take alerts in from an Alertmanager or PagerDuty payload",
        description="Record alerts on the incident they belong to, or declare a new incident per alert.",
    )
    ingest.add_argument(
        "source",
        choices=("alertmanager", "pagerduty"),
        help="payload format (pagerduty reads Events API v2 events and webhook v3 payloads)",
    )
    ingest.add_argument("file", metavar="FILE", help="the JSON payload, or - for standard input")
    ingest.set_defaults(handler=cmd_ingest)


def now() -> datetime:
    return datetime.now(timezone.utc)


def outcome_line(outcome: AlertOutcome) -> str:
    """One line per alert: what happened to it and where."""
    alert = outcome.alert
    where = outcome.incident_id or "-"
    text = f"{where:<14} {outcome.action:<8} {alert.severity.value}  {alert.status:<12} {plain(alert.title)}"
    return text + (f" ({plain(outcome.reason)})" if outcome.reason else "")


async def cmd_ingest(args: argparse.Namespace) -> int:
    data, name = read_payload_bytes(args.file)
    alerts = parse_alerts(data, args.source, name)
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        outcomes = await take_in(store, alerts, at=now(), actor=ctx.actor)
    for outcome in outcomes:
        print(outcome_line(outcome))
    return 0
