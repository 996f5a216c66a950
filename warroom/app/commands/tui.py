"""``warroom open ID`` and ``warroom review ID``: the war room and the review screen.

Also the entry points other commands use to open the TUI: :func:`open_incident_list`
(``warroom`` with no argument on a terminal) and :func:`open_intake` (``warroom new``
without ``--no-tui``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.app.context import CommandContext, load_settings
from warroom.data.ids import validate_incident_id

__all__ = ["build_app", "open_incident_list", "open_intake", "register", "run_intake", "run_war_room"]


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    opener = subparsers.add_parser("open", parents=[common], help="open an incident's war room")
    opener.add_argument("incident_id", metavar="ID")
    opener.add_argument("--export-dir", metavar="DIR", default="incidents", help="where closing writes the record")
    opener.add_argument("--playbook", metavar="itil|sre|PATH",
                        help="run this playbook in the war room (gates are answered with g; "
                        "default: the one the incident was started with)")  # fmt: skip
    opener.add_argument("--backend", default="offline", metavar="offline|anthropic",
                        help="agent backend for --playbook (default offline: no network needed)")  # fmt: skip
    opener.set_defaults(handler=cmd_open)

    review = subparsers.add_parser("review", parents=[common], help="edit the post-incident review (offline)")
    review.add_argument("incident_id", metavar="ID")
    review.add_argument("--export-dir", metavar="DIR", default="incidents", help="where the record is re-exported")
    review.set_defaults(handler=cmd_review)


def build_app(args: argparse.Namespace, first_screen: Callable[[], Any], *, playbook: str | None = None,
              backend: str = "offline", evidence_root: Path | None = None, read_only: bool = False) -> Any:  # fmt: skip
    """The app for ``args`` (database, config policy, actor, export dir), optionally running ``playbook``;
    ``read_only``: a view that records nothing (``warroom serve``)."""
    from warroom.app.app import WarroomApp, utc_now

    ctx = CommandContext.from_args(args)
    config = load_settings(ctx.config_path)
    export_dir = Path(getattr(args, "export_dir", None) or "incidents")
    requested = None
    if playbook:
        from warroom.agents.playbook import load_playbook

        requested = load_playbook(playbook)  # a bad playbook is refused before the screen opens

    async def factory(store: Any, incident_id: str) -> Any:
        """The orchestrator of ``incident_id``: the playbook asked for, else the one it was started with."""
        # Imported here, after the first frame: the Anthropic SDK takes over a second to import.
        from warroom.agents.playbook_choice import orchestrator_for_incident
        from warroom.agents.registry import get_backend

        return await orchestrator_for_incident(
            store, incident_id, requested=requested, backend=lambda: get_backend(backend, config), policy=config.policy,
            now=utc_now, evidence_root=evidence_root, operator=ctx.actor, roster=config.roster,
        )  # fmt: skip

    return WarroomApp(ctx.db_path, first_screen, actor=ctx.actor, policy=config.policy, export_dir=export_dir,
                      orchestrator_factory=factory, roster=config.roster, config=config, read_only=read_only,
                      db_url=ctx.db_url)  # fmt: skip


class NeedsTerminal(ValueError):
    """A screen was asked for where there is no terminal to draw it on."""


class NotReviewable(ValueError):
    """``warroom review`` on an incident that is still being worked."""


async def _check_exists(args: argparse.Namespace, incident_id: str, playbook: str | None = None, *,
                        review: bool = False) -> None:  # fmt: skip
    """Refuse an unknown incident, a ``--playbook`` other than the one the incident was started with,
    and (``review``) an incident that is neither resolved nor closed."""
    async with CommandContext.from_args(args).store() as store:
        if not await store.exists(incident_id):
            from warroom.data.store import UnknownIncident

            raise UnknownIncident(incident_id)
        if playbook:
            from warroom.agents.playbook_choice import choose_playbook

            choose_playbook(await store.load(incident_id), playbook)
        if review:
            from warroom.data.models import Status

            state = await store.load(incident_id)
            if state.status not in (Status.RESOLVED, Status.CLOSED):
                raise NotReviewable(
                    f"{incident_id} is {state.status.value}: the review is written once the incident is resolved "
                    f"(resolve it in `warroom open {incident_id}` with x, or `warroom resolve {incident_id} --validation TEXT`)"
                )


def _need_terminal(command: str, incident_id: str) -> None:
    """``open`` and ``review`` draw a screen: without a terminal, say what to use instead (no escape codes)."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return
    raise NeedsTerminal(
        f"warroom {command} needs a terminal; without one use `warroom show {incident_id}`, "
        f"`warroom gate {incident_id}` or `warroom export {incident_id}`"
    )


def _run(app: Any) -> int:
    result = app.run()
    return int(result or 0)


def cmd_open(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.screens.war_room import WarRoomScreen

    incident_id = validate_incident_id(args.incident_id)
    asyncio.run(_check_exists(args, incident_id, args.playbook))
    _need_terminal("open", incident_id)
    app = build_app(args, lambda: WarRoomScreen(incident_id), playbook=args.playbook, backend=args.backend)
    return _run(app)


async def run_war_room(args: argparse.Namespace, incident_id: str, *, playbook: str = "itil", backend: str = "offline",
                       evidence_root: Path | None = None) -> int:  # fmt: skip
    """Open the war room on ``incident_id`` with ``playbook`` running (from inside an event loop: ``warroom demo``)."""
    from warroom.screens.war_room import WarRoomScreen

    app = build_app(args, lambda: WarRoomScreen(incident_id), playbook=playbook, backend=backend,
                    evidence_root=evidence_root)  # fmt: skip
    await app.run_async()
    return int(app.return_value or 0)


def cmd_review(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.screens.review import ReviewScreen

    incident_id = validate_incident_id(args.incident_id)
    asyncio.run(_check_exists(args, incident_id, review=True))
    _need_terminal("review", incident_id)
    return _run(build_app(args, lambda: ReviewScreen(incident_id)))


def open_incident_list(args: argparse.Namespace) -> int:
    """``warroom`` on a terminal: the incident list."""
    from warroom.screens.incident_list import IncidentListScreen

    return _run(build_app(args, IncidentListScreen))


def _intake_app(args: argparse.Namespace) -> Any:
    from warroom.screens.intake import IntakeScreen

    def first() -> IntakeScreen:
        return IntakeScreen(
            interactive=bool(getattr(args, "interactive", False)), title=getattr(args, "title", "") or "",
            severity=getattr(args, "severity", None), service=getattr(args, "service", "") or "",
            guidance=getattr(args, "guidance", "") or "",
        )  # fmt: skip

    return build_app(args, first)


def open_intake(args: argparse.Namespace) -> int:
    """``warroom new`` on a terminal: the intake form (the eight questions with ``--interactive``).

    Declaring opens the new incident's war room in the same window.
    """
    return _run(_intake_app(args))


async def run_intake(args: argparse.Namespace) -> int:
    """:func:`open_intake` from inside an event loop (an ``async def`` command handler)."""
    app = _intake_app(args)
    await app.run_async()
    return int(app.return_value or 0)
