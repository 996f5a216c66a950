"""``warroom serve``: the war room in a browser, for people who will not SSH in.

textual-serve runs the same app for each browser (``warroom serve --session``, one process per
browser) and streams its screen to the page. Read-only by default: the incident list and the war
rooms open with every decision key disabled, and nothing is recorded from them. ``--allow-decisions``
serves the full war room, only to a browser that presents ``WARROOM_SERVE_TOKEN``. It binds to
127.0.0.1 unless told otherwise: put it behind the organisation's authenticating proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import sys
import threading
import time
from typing import Any

from warroom.app.context import CommandContext

__all__ = ["MIN_TOKEN_LENGTH", "TOKEN_VARIABLE", "register", "session_command"]

TOKEN_VARIABLE = "WARROOM_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16
#: How long stopping the server waits for the browsers' sessions to end.
SHUTDOWN_SECONDS = 10.0
#: How often a session checks that its server is still there, and how long it then has to quit.
SERVER_WATCH_SECONDS = 1.0
SESSION_QUIT_SECONDS = 5.0


class ServeRefused(ValueError):
    """``warroom serve`` cannot start as asked (a missing token, a port in use, a bad address)."""


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    serve = subparsers.add_parser(
        "serve", parents=[common], help="serve the war room in a browser (read-only unless --allow-decisions)",
        description="Serves the incident list and the war rooms in a browser (textual-serve): the same screens as "
                    "the terminal. Read-only by default. Binds to 127.0.0.1: put it behind your organisation's "
                    "authenticating proxy to show it to others.",
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--read-only", dest="allow_decisions", action="store_false",
                      help="every decision key disabled, nothing recorded (the default)")  # fmt: skip
    mode.add_argument("--allow-decisions", dest="allow_decisions", action="store_true",
                      help=f"the full war room, to browsers that present ${TOKEN_VARIABLE} (open /?token=… once)")  # fmt: skip
    serve.add_argument("--public-url", metavar="URL",
                       help="the address browsers use, when a proxy serves it elsewhere (default: as each request says)")  # fmt: skip
    serve.add_argument("--session", action="store_true", help=argparse.SUPPRESS)  # one browser's app (started by the server)
    serve.set_defaults(handler=cmd_serve, allow_decisions=False)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.session:
        return run_session(args)
    token = os.environ.pop(TOKEN_VARIABLE, "") or None  # the sessions (and their agents) never see it
    if args.allow_decisions and (token is None or len(token) < MIN_TOKEN_LENGTH):
        raise ServeRefused(f"--allow-decisions needs ${TOKEN_VARIABLE} set to a secret of at least {MIN_TOKEN_LENGTH} "
                           f"characters, which each browser presents once as /?token=…")  # fmt: skip
    if not 0 <= args.port <= 65535:
        raise ServeRefused(f"--port {args.port}: a port is 0 to 65535")
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        raise ServeRefused(f"--public-url {args.public_url[:80]!r}: give the address as http://… or https://…")
    ctx = CommandContext.from_args(args)
    asyncio.run(_check_store(ctx))  # a bad database or config is said once here, not in every browser
    if ctx.db_url:  # to the sessions through their environment: a command line is public (ps), a password in it too
        os.environ["WARROOM_DB"] = ctx.db_url
    from warroom.app.web_view import WebView

    mode = "decisions allowed" if args.allow_decisions else "read-only"
    view = WebView(session_command(args, ctx), host=args.host, port=args.port, title=f"warroom ({mode})",
                   token=token if args.allow_decisions else None, public_url=args.public_url)  # fmt: skip
    return asyncio.run(_serve(view, mode))


def session_command(args: argparse.Namespace, ctx: CommandContext) -> str:
    """The shell command textual-serve runs for each browser: this program, same database, config and actor
    (a PostgreSQL URL is not in it: the sessions read it from ``WARROOM_DB``)."""
    words = [sys.executable, "-m", "warroom", "--as", ctx.actor]
    if ctx.db_url is None:
        words += ["--db", str(ctx.db_path.resolve())]
    if getattr(args, "config", None):
        words += ["--config", str(ctx.config_path)]
    words += ["serve", "--session"] + (["--allow-decisions"] if args.allow_decisions else [])
    return "exec " + shlex.join(words)


async def _check_store(ctx: CommandContext) -> None:
    async with ctx.store():
        pass


async def _serve(view: Any, mode: str) -> int:
    from aiohttp import web

    runner = web.AppRunner(view.make_app(), shutdown_timeout=SHUTDOWN_SECONDS, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, view.host, view.port)
        try:
            await site.start()
        except OSError as exc:
            raise ServeRefused(f"cannot listen on {view.host}:{view.port}: {exc.strerror or exc}") from exc
        for address in runner.addresses:
            host, port = address[0], address[1]
            shown = f"[{host}]" if ":" in host else host
            print(f"warroom serve: http://{shown}:{port}/ ({mode}; Ctrl+C stops)", flush=True)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        await stopped.wait()
    finally:
        await runner.cleanup()
    return 0


def run_session(args: argparse.Namespace) -> int:
    """One browser's app: the incident list, read-only unless the server allows decisions."""
    from warroom.app.commands.tui import build_app
    from warroom.screens.incident_list import IncidentListScreen

    app = build_app(args, IncidentListScreen, read_only=not args.allow_decisions)
    threading.Thread(target=_end_with_the_server, args=(app, os.getppid()), name="server-watch", daemon=True).start()
    return int(app.run() or 0)


def _end_with_the_server(app: Any, server: int) -> None:
    """A session never outlives its server: when the server is gone (killed, say), quit the app.

    Every event it recorded is already committed; a session that will not quit in time is ended.
    """
    while os.getppid() == server:
        time.sleep(SERVER_WATCH_SECONDS)
    try:
        app.call_from_thread(app.exit)
    except Exception:  # not running (yet, or any more): nothing to ask, just end
        os._exit(0)
    time.sleep(SESSION_QUIT_SECONDS)
    os._exit(0)
