"""Commands for when the response goes wrong: unavailability, change freeze, hold, evidence, regulator.

``warroom unavailable INC PERSON --reason``, ``warroom freeze --reason`` /
``warroom freeze --lift ID --reason``, ``warroom hold-lift INC --reason``,
``warroom evidence-preserved INC --details``, ``warroom regulator-notified INC
REGIME``, and ``warroom branches INC`` (evaluate the branches now and record
what they call for). Every change is an event; the fold refuses what is not
allowed (a hold lifted by someone other than the commander, say) with its reason.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from warroom.agents.branches import apply_branches, declare_freeze, lift_freeze, lift_hold, record_unavailable
from warroom.app.context import CommandContext, load_settings
from warroom.app.errors import say
from warroom.data import events as ev
from warroom.data.describe import describe_event
from warroom.data.ids import validate_incident_id


def now() -> datetime:
    return datetime.now(timezone.utc)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("unavailable", parents=[common], help="mark a person unavailable (the roster proposes a backup)")
    p.add_argument("incident_id", metavar="INC")
    p.add_argument("person", metavar="PERSON", help="roster handle, or the name of someone with a part in the incident")
    p.add_argument("--reason", required=True, help="why (on the timeline)")
    p.set_defaults(handler=cmd_unavailable)
    p = subparsers.add_parser("freeze", parents=[common], help="declare (or --lift) a change freeze on every open incident")
    p.add_argument("--reason", required=True)
    p.add_argument("--id", dest="freeze_id", default="", metavar="ID", help="freeze id (default FRZ-<time>)")
    p.add_argument("--lift", metavar="ID", default="", help="lift the freeze ID instead")
    p.set_defaults(handler=cmd_freeze)
    p = subparsers.add_parser("hold-lift", parents=[common], help="lift the STOP hold (the incident commander only)")
    p.add_argument("incident_id", metavar="INC")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=cmd_hold_lift)
    p = subparsers.add_parser("evidence-preserved", parents=[common], help="record that forensic evidence is preserved")
    p.add_argument("incident_id", metavar="INC")
    p.add_argument("--details", required=True, help="what was preserved and where")
    p.set_defaults(handler=cmd_evidence)
    p = subparsers.add_parser("regulator-notified", parents=[common], help="record the notification to an authority")
    p.add_argument("incident_id", metavar="INC")
    p.add_argument("regime", metavar="REGIME", help="e.g. GDPR")
    p.add_argument("--reference", default="", help="the authority's reference")
    p.set_defaults(handler=cmd_regulator)
    p = subparsers.add_parser("branches", parents=[common], help="evaluate the response branches now and record them")
    p.add_argument("incident_id", metavar="INC")
    p.set_defaults(handler=cmd_branches)


def _say(stored: list[ev.BaseEvent]) -> None:
    for event in stored:
        say(f"{event.incident_id} #{event.seq}: {describe_event(event)}")


async def _append_one(args: argparse.Namespace, build: Any) -> int:
    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    async with ctx.store() as store:
        async with store.transaction() as tx:
            incident = await tx.state(incident_id)
            if incident is None:
                raise ValueError(f"no incident {incident_id}")
            stored = await tx.append(build(incident, ctx.actor, config))
    _say([stored])
    return 0


async def cmd_unavailable(args: argparse.Namespace) -> int:
    """As Ctrl+N in the roles modal: someone neither the roster nor the incident knows is refused (a typo)."""
    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    roster = load_settings(ctx.config_path).roster
    async with ctx.store() as store:
        stored, _ = await record_unavailable(store, incident_id, args.person, args.reason, now(), roster, ctx.actor)
    _say([stored])
    return 0


async def cmd_hold_lift(args: argparse.Namespace) -> int:
    return await _append_one(args, lambda i, actor, config: lift_hold(i, args.reason, now(), actor))


async def cmd_evidence(args: argparse.Namespace) -> int:
    return await _append_one(args, lambda i, actor, config: ev.EvidencePreserved(
        incident_id=i.incident_id, at=now(), actor=actor, details=args.details))


async def cmd_regulator(args: argparse.Namespace) -> int:
    return await _append_one(args, lambda i, actor, config: ev.RegulatorNotified(
        incident_id=i.incident_id, at=now(), actor=actor, regime=args.regime, reference=args.reference))


async def cmd_freeze(args: argparse.Namespace) -> int:
    ctx = CommandContext.from_args(args)
    moment = now()
    async with ctx.store() as store:
        ids = await store.incident_ids()
        async with store.transaction() as tx:
            incidents = [s for s in [await tx.state(x) for x in ids] if s is not None]
            if args.lift:
                events: list[Any] = lift_freeze(incidents, args.lift, args.reason, moment, ctx.actor)
                if not events:
                    raise ValueError(f"no change freeze {args.lift} in force")
            else:
                open_incidents = [i for i in incidents if i.is_open]
                if not open_incidents:
                    raise ValueError("no open incident to freeze changes for")
                freeze_id = args.freeze_id or moment.strftime("FRZ-%Y%m%d-%H%M%S")
                events = declare_freeze(open_incidents, freeze_id, args.reason, moment, ctx.actor)
            stored = await tx.append_many(events)
    _say(stored)
    return 0


async def cmd_branches(args: argparse.Namespace) -> int:
    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    async with ctx.store() as store:
        await store.load(incident_id)
        stored = await apply_branches(store, incident_id, now(), config.policy, config.roster, ctx.actor)
    _say(stored)
    if not stored:
        print(f"{incident_id}: no branch calls for anything new")
    return 0
