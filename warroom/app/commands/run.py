"""``warroom run ID``: run a playbook headless, printing progress and the response metrics."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from warroom.app.context import CommandContext, load_settings
from warroom.data.ids import validate_incident_id

EXIT_WAITING = 3  # stopped at a gate: answer it (war room, a terminal run, or --auto) and run again
EXIT_FAILED = 1
EXIT_BUSY = 4  # another live session (war room or run) drives this playbook: nothing was run


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    run = subparsers.add_parser(
        "run", parents=[common], help="run a playbook headless (progress lines and a final summary)",
        description="Run the incident's playbook without the war-room screen. Finished steps are never repeated: "
        "running it again resumes where it stopped.",
    )  # fmt: skip
    run.add_argument("incident_id", metavar="ID")
    run.add_argument("--playbook", metavar="itil|sre|PATH",
                     help="built-in playbook, one in <config dir>/playbooks, or a .toml file "
                     "(default: the one the incident was started with, else itil)")  # fmt: skip
    run.add_argument("--backend", default="offline", metavar="offline|anthropic",
                     help="agent backend (default offline: no network needed)")  # fmt: skip
    run.add_argument("--auto", action="store_true",
                     help="take every gate's recommendation (recorded as auto-decided); "
                     "otherwise gates are asked on the terminal, or the run stops at them")  # fmt: skip
    run.set_defaults(handler=cmd_run)


async def cmd_run(args: argparse.Namespace) -> int:
    from warroom.agents.playbook_choice import choose_playbook
    from warroom.agents.registry import get_backend
    from warroom.agents.runner import run_headless
    from warroom.data.attachments import evidence_root

    incident_id = validate_incident_id(args.incident_id)
    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    if args.playbook:
        from warroom.agents.playbook import load_playbook

        load_playbook(args.playbook)  # a bad playbook file is refused before the database is opened
    backend = get_backend(args.backend, config)
    from warroom.app.commands.outbox import delivering

    async with ctx.store() as store, delivering(store, config):
        playbook = choose_playbook(await store.load(incident_id), args.playbook, default="itil")
        summary = await run_headless(
            store, incident_id, playbook=playbook, backend=backend, auto=args.auto, config=config,
            operator=ctx.actor, interactive=sys.stdin.isatty() and not args.auto,
            evidence_root=evidence_root(ctx.db_path, incident_id),
        )  # fmt: skip
    if summary.outcome == "busy":
        print(f"warroom: {summary.reason}; nothing was run here (follow it with `warroom open {incident_id}`, "
              f"or run again once it stops)", file=sys.stderr)  # fmt: skip
        return EXIT_BUSY
    if summary.outcome == "waiting":
        print(f"warroom: {incident_id} is waiting for a decision; answer it in the war room (g), "
              f"or run `warroom run {incident_id}` on a terminal, or with --auto", file=sys.stderr)  # fmt: skip
        return EXIT_WAITING
    return EXIT_FAILED if summary.outcome == "failed" else 0
