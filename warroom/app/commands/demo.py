"""``warroom demo``: open a realistic incident (checkout 5xx after a pool-size change) and investigate it offline."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from warroom.app.context import CommandContext


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    demo = subparsers.add_parser(
        "demo", parents=[common], help="create a demo incident with real evidence and investigate it offline",
        description="Creates a demo incident (checkout-api 5xx after a deploy) in the database, with generated logs, "
                    "metrics, an Alertmanager payload and a git repository as evidence, then runs the itil playbook "
                    "on the offline investigator. Use --db to keep it out of your own database.",
    )  # fmt: skip
    demo.add_argument("--no-run", action="store_true", help="create the incident and its evidence only")
    demo.set_defaults(handler=cmd_demo)


def now() -> datetime:
    return datetime.now(timezone.utc)


def say(line: str) -> None:
    print(line, flush=True)


async def cmd_demo(args: argparse.Namespace) -> int:
    from warroom.agents.offline.demo.incident import create_demo_incident

    ctx = CommandContext.from_args(args)
    async with ctx.store() as store:
        demo = await create_demo_incident(store, ctx.db_path, now=now(), actor=ctx.actor, say=say)
        if args.no_run:
            say(f"run it with: warroom run {demo.incident_id} --auto --backend offline")
            return 0
        await _investigate(store, ctx, demo.incident_id, demo.evidence_root)
    say(f"see the timeline with: warroom show {demo.incident_id}" + (f" --db {args.db}" if args.db else ""))
    return 0


async def _investigate(store: Any, ctx: CommandContext, incident_id: str, evidence_root: Any) -> None:
    """Run the itil investigation steps headless on the offline investigator, with progress lines."""
    from warroom.agents.offline.demo.walkthrough import investigate

    say(f"⏳ investigating {incident_id} with the offline investigator (itil playbook, up to the mitigation decision)")
    outputs = await investigate(store, incident_id, evidence_root, actor=ctx.actor, now=now, say=say)
    incident = await store.load(incident_id)
    recommendation = next((r.structured for r in incident.runs.values() if r.step_id == "mitigation_recommendation"), None)
    if recommendation:
        say(f"→ recommended mitigation: {recommendation['recommended']} — {recommendation['rationale']}")
    why = outputs.get("five_whys", "")
    root = next((line for line in why.splitlines() if line.startswith("**Root cause")), "")
    if root:
        say(f"→ {root.replace('**', '')}")
