"""``warroom demo``: open a realistic incident (checkout 5xx after a pool-size change) and investigate it offline."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext
from warroom.data.text import plain


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    demo = subparsers.add_parser(
        "demo", parents=[common], help="create a demo incident with real evidence and investigate it offline",
        description="Creates a demo incident (checkout-api 5xx after a deploy) in the database, with generated logs, "
                    "metrics, an Alertmanager payload and a git repository as evidence, then runs the itil playbook "
                    "on the offline investigator. Use --db to keep it out of your own database.",
    )  # fmt: skip
    demo.add_argument("--no-run", action="store_true", help="create the incident and its evidence only")
    demo.add_argument("--no-tui", action="store_true",
                      help="investigate headless with progress lines instead of opening the war room")  # fmt: skip
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
            say(f"run it with: warroom run {demo.incident_id} --auto --backend offline" + (f" --db {args.db}" if args.db else ""))
            return 0
        if not args.no_tui and sys.stdin.isatty() and sys.stdout.isatty():
            opened = demo
        else:
            opened = None
            still_open = await _investigate(store, ctx, demo.incident_id, demo.evidence_root)
    if opened is not None:
        from warroom.app.commands.tui import run_war_room

        return await run_war_room(args, opened.incident_id, playbook="itil", backend="offline",
                                  evidence_root=opened.evidence_root)  # fmt: skip
    db = f" --db {args.db}" if args.db else ""
    say(f"see the timeline with: warroom show {demo.incident_id}{db}")
    if still_open:
        say(f"next: warroom open {demo.incident_id}{db} — resolve with x once the error rate and latency are back "
            f"to baseline, then c closes and exports the record")
    return 0


async def _investigate(store: Any, ctx: CommandContext, incident_id: str, evidence_root: Path) -> bool:
    """Run the itil playbook headless on the offline investigator, auto-deciding gates, with progress lines.

    Returns whether the incident is still open (the rollback could not be verified from the evidence).
    """
    from warroom.agents.runner import run_headless

    await run_headless(store, incident_id, playbook="itil", backend="offline", auto=True, now=now, out=say,
                       evidence_root=evidence_root, interactive=False, operator=ctx.actor)  # fmt: skip
    incident = await store.load(incident_id)
    runs = {run.step_id: run for run in sorted(incident.runs.values(), key=lambda r: r.started_at)}
    whys = runs.get("five_whys")
    recommendation = runs.get("mitigation_recommendation")
    if whys and whys.structured and whys.structured.get("root_cause"):
        say(f"Root cause: {plain(whys.structured['root_cause'])}")
    if recommendation and recommendation.structured:
        rec = recommendation.structured
        say(f"Recommended: {rec.get('recommended')} — {plain(str(rec.get('rationale', '')))}")
        for citation in rec.get("citations", [])[:3]:
            say(f"  evidence: {plain(citation.get('source', ''))} {plain(citation.get('detail', ''))[:140]}")
    return incident.is_open
