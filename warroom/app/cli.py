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
from warroom.app.launch import resume_gc
from warroom.app.usage import CommandParser

COMMAND_MODULES: tuple[str, ...] = (
    "warroom.app.commands.incidents",
    "warroom.app.commands.show",
    "warroom.app.commands.tui",
    "warroom.app.commands.run",
    "warroom.app.commands.ingest",
    "warroom.app.commands.export",
    "warroom.app.commands.stats",
    "warroom.app.commands.actions",
    "warroom.app.commands.demo",
    "warroom.app.commands.response",
    "warroom.app.commands.decisions",
    "warroom.app.commands.outbox",
    "warroom.app.commands.serve",
    "warroom.app.commands.migrate",
)


def common_options() -> argparse.ArgumentParser:
    """Options every command takes (``--db``, ``--config``, ``--as``)."""
    # SUPPRESS: an option given before the command (``warroom --db X list``) is not reset by the
    # subcommand's copy of the same option defaulting to None.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--db", metavar="PATH", help="database file or postgresql:// URL (default: $WARROOM_DB, [store] url, the user data dir)")
    common.add_argument("--config", metavar="PATH", help="warroom.toml (default: $WARROOM_CONFIG or the user config dir)")
    common.add_argument("--as", dest="actor", metavar="NAME", help="who you are on the timeline (default: login name)")
    return common


# Which module registers each command: only the module of the command being run is
# imported (the first frame of the TUI must not wait for every other command's imports).
COMMANDS: dict[str, str] = {
    "new": "warroom.app.commands.incidents",
    "list": "warroom.app.commands.incidents",
    "show": "warroom.app.commands.show",
    "note": "warroom.app.commands.incidents",
    "open": "warroom.app.commands.tui",
    "review": "warroom.app.commands.tui",
    "run": "warroom.app.commands.run",
    "ingest": "warroom.app.commands.ingest",
    "export": "warroom.app.commands.export",
    "stats": "warroom.app.commands.stats",
    "actions": "warroom.app.commands.actions",
    "demo": "warroom.app.commands.demo",
    "unavailable": "warroom.app.commands.response",
    "freeze": "warroom.app.commands.response",
    "hold-lift": "warroom.app.commands.response",
    "evidence-preserved": "warroom.app.commands.response",
    "regulator-notified": "warroom.app.commands.response",
    "branches": "warroom.app.commands.response",
    "outbox": "warroom.app.commands.outbox",
    "serve": "warroom.app.commands.serve",
    "migrate": "warroom.app.commands.migrate",
    **{name: "warroom.app.commands.decisions" for name in
       ("ack", "assign", "severity", "escalate", "mitigate", "update", "resolve", "close", "gate")},
}
_VALUED_OPTIONS = {"--db", "--config", "--as"}
#: Commands whose app resumes the garbage collector after its first frame (see warroom.app.launch).
FIRST_FRAME_COMMANDS = {"open", "review"}


def command_of(argv: Sequence[str]) -> str | None:
    """The command word in ``argv`` (skipping the global options and their values), if any."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    common = common_options()
    parser = CommandParser(
        prog="warroom",
        description="A terminal war room for production incidents.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[only]] if only in COMMANDS else list(COMMAND_MODULES)
    for name in modules:
        importlib.import_module(name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    command = command_of(words)
    parser = build_parser(command)
    args = parser.parse_args(words)
    handler = getattr(args, "handler", None)
    if handler is None:
        default = getattr(args, "default_handler", None) or _no_command_handler(parser)
        handler = default
    if command not in FIRST_FRAME_COMMANDS:
        resume_gc()  # paused for start-up by warroom.app.launch; the war room resumes it after its first frame
    try:
        result = handler(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except KeyboardInterrupt:
        print("warroom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (``warroom list | head``): not an error to report
        _quiet_stdout()
        return 1
    except USER_ERRORS as exc:
        print(f"warroom: {explain(exc)}", file=sys.stderr)
        return 2


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _no_command_handler(parser: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def show_help(args: argparse.Namespace) -> int:
        if sys.stdout.isatty() and sys.stdin.isatty():
            from warroom.app.commands import tui

            return tui.open_incident_list(args)
        from warroom.app.commands import incidents

        return incidents.run_default(args)

    return show_help
