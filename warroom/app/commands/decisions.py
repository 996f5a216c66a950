"""Every decision from the command line, through the same code path as the war room's keys.

``warroom ack|assign|severity|escalate|mitigate|update|resolve|close|gate ID ...`` call
:class:`warroom.agents.decide.Decider` (``gate`` calls the playbook's orchestrator, as ``g``
does). Each prints what it recorded, one line per event; a decision the policy or the fold
refuses is one sentence on stderr with exit 2; acknowledging twice records one acknowledgement.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext, load_settings
from warroom.data.describe import describe_event
from warroom.data.ids import validate_incident_id
from warroom.data.text import plain

__all__ = ["register"]

ESCALATIONS = ("tier2", "tier3", "management", "executive")
AUDIENCES = {"status-page": "status_page", "internal": "internal", "management": "management", "executive": "executive"}
MAX_FILE = 64 * 1024


def now() -> datetime:
    return datetime.now(timezone.utc)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    def command(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, parents=[common], help=help_text)
        parser.add_argument("incident_id", metavar="ID")
        parser.set_defaults(handler=handler)
        return parser

    command("ack", "acknowledge (and take incident commander if nobody has it)", cmd_ack)
    p = command("assign", "give a role to a person", cmd_assign)
    p.add_argument("role", metavar="ROLE", help="incident_commander, technical_lead, communications_lead, scribe, ...")
    p.add_argument("person", metavar="PERSON")
    p = command("severity", "set the severity from impact and urgency", cmd_severity)
    p.add_argument("--impact", required=True, metavar="high|medium|low")
    p.add_argument("--urgency", required=True, metavar="high|medium|low")
    p.add_argument("--reason", default="", help="why (required to override the proposal in the war room)")
    p = command("escalate", "escalate to tier2, tier3, management or executive", cmd_escalate)
    p.add_argument("target", metavar="|".join(ESCALATIONS))
    p.add_argument("--reason", default="")
    p = command("mitigate", "choose the mitigation strategy", cmd_mitigate)
    p.add_argument("strategy", metavar="rollback|hotfix|config|workaround|scaling")
    p.add_argument("--plan", default="", help="the rollback plan (required for a rollback)")
    p.add_argument("--reason", default="")
    p.add_argument("--approved-by", default="", metavar="NAME", help="who approved a hotfix")
    p = command("update", "publish a status update (the waiting draft when no text is given)", cmd_update)
    p.add_argument("audience", metavar="|".join(AUDIENCES))
    text = p.add_mutually_exclusive_group()
    text.add_argument("--text", default="")
    text.add_argument("--file", default="", metavar="F", help="read the text from F (- for stdin)")
    p = command("resolve", "resolve the incident", cmd_resolve)
    p.add_argument("--validation", required=True, metavar="TEXT", help="how the mitigation was validated")
    p.add_argument("--resolution", default="", metavar="TEXT", help="what resolved it (default: the chosen mitigation)")
    p = command("close", "close the resolved incident and export its record", cmd_close)
    p.add_argument("--reason", default="")
    p.add_argument("--out", default="incidents", metavar="DIR", help="where the record is written (default ./incidents)")
    p = command("gate", "show the playbook's pending decision, or answer it", cmd_gate)
    p.add_argument("--answer", default="", metavar="CHOICE", help="one of the gate's options (or: recommended)")
    p.add_argument("--reason", default="", help="the rationale on the timeline")


def _say(stored: list[Any], nothing: str) -> int:
    if not stored:
        print(nothing)
    for event in stored:
        print(f"{event.incident_id} #{event.seq}: {plain(describe_event(event))}")
    return 0


async def _decide(args: argparse.Namespace, decision: Any, nothing: str = "") -> int:
    from warroom.agents.decide import Decider

    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    async with ctx.store() as store:
        from warroom.app.commands.outbox import deliver_new

        before = set((await store.load(incident_id)).notifications)
        stored = await decision(Decider(store, incident_id, ctx.actor, now, config.policy))
        code = _say(stored, nothing or f"{incident_id}: nothing to record")
        await deliver_new(store, config, incident_id, before)
    return code


async def cmd_ack(args: argparse.Namespace) -> int:
    return await _decide(args, lambda d: d.acknowledge(), f"{args.incident_id}: already acknowledged")


async def cmd_assign(args: argparse.Namespace) -> int:
    from warroom.data.models import Role

    role = _enum(Role, args.role, "role")
    if not args.person.strip():
        raise ValueError("the person is empty")
    return await _decide(args, lambda d: d.assign(role, args.person.strip()[:200]),
                         f"{args.incident_id}: {args.person} already holds {role.value}")  # fmt: skip


async def cmd_severity(args: argparse.Namespace) -> int:
    from warroom.data.models import Level
    from warroom.data.policy import priority

    impact, urgency = _enum(Level, args.impact, "impact"), _enum(Level, args.urgency, "urgency")
    severity = priority(impact, urgency)  # the Impact × Urgency matrix, as the s modal shows it
    return await _decide(args, lambda d: d.severity(severity, impact, urgency, args.reason, "with warroom severity"),
                         f"{args.incident_id}: already {severity.value}")  # fmt: skip


async def cmd_escalate(args: argparse.Namespace) -> int:
    if args.target not in ESCALATIONS:
        raise ValueError(f"escalation target {args.target!r} is not one of {', '.join(ESCALATIONS)}")
    return await _decide(args, lambda d: d.escalate(args.target, args.reason, "with warroom escalate"))


async def cmd_mitigate(args: argparse.Namespace) -> int:
    from warroom.data.models import MitigationStrategy

    name = {"config": "configuration_change"}.get(args.strategy, args.strategy)
    strategy = _enum(MitigationStrategy, name, "strategy")
    if strategy is MitigationStrategy.HOTFIX and not args.approved_by.strip():
        raise ValueError("a hotfix needs its approval: give --approved-by NAME")
    return await _decide(args, lambda d: d.mitigate(strategy, args.plan, "with warroom mitigate", rationale=args.reason,
                                                    approved_by=args.approved_by.strip()))  # fmt: skip


async def cmd_update(args: argparse.Namespace) -> int:
    from warroom.data.models import Audience

    if args.audience not in AUDIENCES:
        raise ValueError(f"audience {args.audience!r} is not one of {', '.join(AUDIENCES)}")
    text = args.text or (_read_text(args.file) if args.file else "")
    audience = Audience(AUDIENCES[args.audience])
    return await _decide(args, lambda d: d.publish(audience, text, "with warroom update"))


async def cmd_resolve(args: argparse.Namespace) -> int:
    if not args.validation.strip():
        raise ValueError("the validation is empty: say how the mitigation was checked (error rate, latency)")

    async def resolve(d: Any) -> Any:
        incident = await d.store.load(d.incident_id)
        chosen = [x.choice for x in incident.decisions if x.gate in ("mitigation", "mitigation strategy")]
        resolution = args.resolution.strip() or (f"{chosen[-1].replace('_', ' ')} validated" if chosen else "resolved")
        return await d.resolve(resolution, {"validation": args.validation.strip()[:500]}, "with warroom resolve")

    return await _decide(args, resolve)


async def cmd_close(args: argparse.Namespace) -> int:
    from warroom.data.export import export_incident

    code = await _decide(args, lambda d: d.close(args.reason))
    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        events = await store.events(validate_incident_id(args.incident_id))
    path = export_incident(events, Path(args.out), policy=load_settings(ctx.config_path).policy)
    print(f"record written to {path}")
    return code


async def cmd_gate(args: argparse.Namespace) -> int:
    from warroom.agents.playbook_choice import orchestrator_for_incident
    from warroom.agents.registry import get_backend

    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    async with ctx.store() as store:
        orchestrator = await orchestrator_for_incident(store, incident_id, backend=lambda: get_backend("offline", config),
                                                       policy=config.policy, now=now, operator=ctx.actor)  # fmt: skip
        incident = await store.load(incident_id)
        gates = orchestrator.pending_gates(incident) if orchestrator is not None else []
        if not gates:
            print(f"{incident_id}: no playbook decision is waiting")
            return 0
        gate = gates[0]
        if not args.answer:
            print(f"{gate.gate_id}: {plain(gate.question)}")
            for option in gate.options:
                mark = " (recommended: " + plain(gate.recommendation_reason) + ")" if option == gate.recommended else ""
                print(f"  {option}{mark}")
            return 0
        choice = gate.recommended if args.answer == "recommended" else args.answer
        if choice not in gate.options:
            raise ValueError(f"{args.answer!r} is not one of {', '.join(gate.options)} (or: recommended)")
        step = orchestrator.steering(incident).playbook.step(gate.step_id)
        if step.gate is not None and step.gate.effect == "mitigation":
            raise ValueError(f"the mitigation gate is answered with `warroom mitigate {incident_id} {choice} --plan TEXT` "
                             "(a rollback needs its plan)")  # fmt: skip
        decision = await orchestrator.decide(gate.gate_id, choice, args.reason, ctx.actor)
        stored = [e for e in await store.events(incident_id, decision.seq - 1)]
    return _say(stored, "")


def _enum(cls: Any, value: str, what: str) -> Any:
    wanted = value.strip().replace("-", "_")
    for member in cls:
        if wanted.lower() in (str(member.value).lower(), member.name.lower()):
            return member
    raise ValueError(f"{what} {value!r} is not one of {', '.join(str(m.value).lower() for m in cls)}")


def _read_text(name: str) -> str:
    import sys

    if name == "-":
        data = sys.stdin.buffer.read(MAX_FILE + 1)
    else:
        from warroom.data.paths import NotARegularFile, read_regular_file, user_path

        try:
            data = read_regular_file(user_path(name, "--file"), MAX_FILE + 1)
        except NotARegularFile:
            raise ValueError(f"{name}: is not a regular file (a FIFO, device or socket); give a file or - for standard input") from None
    if len(data) > MAX_FILE:
        raise ValueError(f"{name}: the update is longer than {MAX_FILE // 1024} KiB")
    if b"\x00" in data:
        raise ValueError(f"{name}: is a binary file, not the text of an update")
    return data.decode("utf-8", errors="replace")
