"""The ``warroom`` command line: argument parsing and the one error route.

Each command lives in its own module under ``warroom/app/commands/`` with a
``register(subparsers, common)`` function. Errors from bad input reach the user
as one sentence on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence

from warroom import __version__
from warroom.app.errors import USER_ERRORS, explain

COMMAND_MODULES: tuple[str, ...] = (
    "warroom.app.commands.incidents",
    "warroom.app.commands.tui",
    "warroom.app.commands.run",
    "warroom.app.commands.ingest",
    "warroom.app.commands.export",
    "warroom.app.commands.stats",
    "warroom.app.commands.actions",
    "warroom.app.commands.demo",
    "warroom.app.commands.response",
)


def common_options() -> argparse.ArgumentParser:
    """Options every command takes (``--db``, ``--config``, ``--as``)."""
    # SUPPRESS: an option given before the command (``warroom --db X list``) is not reset by the
    # subcommand's copy of the same option defaulting to None.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--db", metavar="PATH", help="database file (default: $WARROOM_DB or the user data dir)")
    common.add_argument("--config", metavar="PATH", help="warroom.toml (default: $WARROOM_CONFIG or the user config dir)")
    common.add_argument("--as", dest="actor", metavar="NAME", help="who you are on the timeline (default: login name)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="A terminal war room for production incidents.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        default = getattr(args, "default_handler", None) or _no_command_handler(parser)
        handler = default
    try:
        result = handler(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except KeyboardInterrupt:
        print("warroom: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        print(f"warroom: {explain(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1


def _no_command_handler(parser: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def show_help(args: argparse.Namespace) -> int:
        if sys.stdout.isatty() and sys.stdin.isatty():
            from warroom.app.commands import tui

            return tui.open_incident_list(args)
        from warroom.app.commands import incidents

        return incidents.run_default(args)

    return show_help
