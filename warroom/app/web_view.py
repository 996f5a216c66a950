"""The war room in a browser (``warroom serve``): textual-serve's page and websocket, behind a gate.

Each browser that connects gets its own app process (``warroom serve --session``) whose screen
textual-serve streams to xterm.js in the page: the same app as in a terminal, no second UI.

The gate runs before any app process starts:
- a request for a host name the server does not answer to is refused (a site whose name an attacker
  points at 127.0.0.1, "DNS rebinding", cannot read the war room through a watcher's browser): the
  loopback names, the ``--host`` it listens on and the ``--public-url``'s host;
- a websocket whose ``Origin`` is another site is refused (a page elsewhere cannot open a session);
- with decisions allowed, the page, the websocket and downloads need the token: ``/?token=…`` once
  (answered with an HttpOnly, SameSite=Strict cookie and a redirect that drops it from the address),
  the cookie after that, or ``Authorization: Bearer …`` from a proxy or a script.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

__all__ = ["TOKEN_COOKIE", "WebView"]

log = logging.getLogger("warroom.serve")

TOKEN_COOKIE = "warroom_serve_token"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
#: A ``Host`` (or ``X-Forwarded-Host``) value the page may repeat: a name or an [IPv6] address, and a port.
_HOST_VALUE = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: textual-serve's page links Google Fonts for Roboto Mono; the same font ships in its static folder.
_OUTSIDE_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
_LOCAL_FONT = ('<style>@font-face {{ font-family: "Roboto Mono"; '
               'src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }}</style>')
#: The largest terminal a browser may ask for (a 4K screen at a small font is about 400 × 150).
MAX_COLUMNS, MAX_ROWS = 500, 200
#: How long a session may take to quit when the server stops, before it is killed.
SESSION_QUIT_SECONDS = 5.0


def _size(width: object, height: object) -> tuple[int, int]:
    """A terminal size from the browser, within what a screen can be (a hostile one cannot exhaust memory)."""
    columns = to_int(str(width), 80) if width is not None else 80
    rows = to_int(str(height), 24) if height is not None else 24
    return max(10, min(columns, MAX_COLUMNS)), max(5, min(rows, MAX_ROWS))


class WebView(Server):
    """textual-serve's server for ``command``, with the origin check and (``token``) the token gate."""

    def __init__(self, command: str, *, host: str, port: int, title: str, token: str | None = None,
                 public_url: str | None = None) -> None:  # fmt: skip
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.token = token
        self.fixed_public_url = public_url  # None: each page is told the address it was asked for
        names = {host.strip("[]").lower(), *LOOPBACK_NAMES}
        if public_url:
            names.add((urlsplit(public_url).hostname or "").lower())
        #: The host names it answers to (``None``: listening on every address, it answers to any name).
        self.host_names = None if host in WILDCARD_HOSTS else frozenset(names - {""})
        self.sessions: set[tuple[web.WebSocketResponse, AppService]] = set()

    # -- the application ----------------------------------------------------------------------
    def make_app(self) -> web.Application:
        """The aiohttp application: the page, its websocket, downloads and textual-serve's static files."""
        app = web.Application(middlewares=[self.gate])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, name="static"),
        ])  # fmt: skip
        app.on_shutdown.append(self.end_sessions)
        return app

    # -- the gate -----------------------------------------------------------------------------
    @web.middleware
    async def gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self.known_host(request):
            raise web.HTTPMisdirectedRequest(text=f"warroom serve: this server does not answer to the name "
                                             f"{request.host[:100]!r}; start it with --public-url for the address "
                                             "people use\n")  # fmt: skip
        if request.path.startswith("/static/"):
            return await handler(request)  # textual-serve's scripts, styles and fonts: nothing of ours
        if request.path == "/ws" and not self.same_origin(request):
            raise web.HTTPForbidden(text="warroom serve: a page from another site may not open this war room\n")
        if self.token is None or self.presented(request.cookies.get(TOKEN_COOKIE)) or self.bearer(request):
            return await handler(request)
        if request.path == "/" and self.presented(request.query.get("token")):
            response = web.HTTPSeeOther(self.index_url(request, without="token"))
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict", path="/",
                                secure=self.scheme(request) == "https")  # fmt: skip
            raise response
        raise web.HTTPForbidden(text="warroom serve: this war room allows decisions and needs its token: "
                                "open /?token=<WARROOM_SERVE_TOKEN> once in this browser\n")  # fmt: skip

    def presented(self, value: str | None) -> bool:
        """Whether ``value`` is the token (compared in constant time)."""
        return bool(value) and self.token is not None and hmac.compare_digest(value.encode(), self.token.encode())

    def bearer(self, request: web.Request) -> bool:
        kind, _, value = request.headers.get("Authorization", "").partition(" ")
        return kind.lower() == "bearer" and self.presented(value.strip())

    def known_host(self, request: web.Request) -> bool:
        if not _HOST_VALUE.fullmatch(request.host):
            return False
        if self.host_names is None:
            return True
        name = urlsplit(f"//{request.host}").hostname or ""
        return name.lower() in self.host_names

    @staticmethod
    def forwarded_host(request: web.Request) -> str:
        """The proxy's ``X-Forwarded-Host`` (its first value), when it is a plain host name and port."""
        value = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        return value if _HOST_VALUE.fullmatch(value) else ""

    def same_origin(self, request: web.Request) -> bool:
        """A browser always sends ``Origin`` on a websocket: it must be this server (or its public address)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser (a script or a proxy's health check): the token gate still applies
        allowed = {request.host, self.forwarded_host(request)}
        if self.fixed_public_url:
            allowed.add(urlsplit(self.fixed_public_url).netloc)
        return urlsplit(origin).netloc in allowed - {""}

    # -- the page -----------------------------------------------------------------------------
    @staticmethod
    def scheme(request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return forwarded if forwarded in ("http", "https") else request.scheme

    def base_url(self, request: web.Request) -> str:
        """Where the browser reached us: ``--public-url``, else the request's own scheme and host."""
        if self.fixed_public_url:
            return self.fixed_public_url.rstrip("/")
        host = self.forwarded_host(request) or request.host  # the gate let only a plain host value through
        return f"{self.scheme(request)}://{host}"

    def index_url(self, request: web.Request, *, without: str) -> str:
        query = request.rel_url.query.copy()
        query.popall(without, None)
        return str(request.rel_url.with_query(query)) if query else "/"

    async def handle_index(self, request: web.Request) -> web.Response:
        """textual-serve's page, pointed at this address, with its font served from here, not Google."""
        base = self.base_url(request)
        websocket = ("wss" if base.startswith("https:") else "ws") + base[base.index(":"):] + "/ws"
        static = f"{base}/static/"
        page = aiohttp_jinja2.render_string("app_index.html", request, {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket,
            "config": {"static": {"url": static}},
            "application": {"name": self.title},
        })  # fmt: skip
        page = _OUTSIDE_FONT.sub(lambda _: _LOCAL_FONT.format(static=static), page, count=1)
        return web.Response(text=page, content_type="text/html")

    # -- the sessions -------------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser: start its app process, pass keys and resizes in and the screen out."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        service = AppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                             close=websocket.close, download_manager=self.download_manager)  # fmt: skip
        session = (websocket, service)
        self.sessions.add(session)
        try:
            await service.start(*_size(request.query.get("width"), request.query.get("height")))
            await self.relay(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            self.sessions.discard(session)
            await self.stop_session(service)
        return websocket

    @staticmethod
    async def relay(websocket: web.WebSocketResponse, service: AppService) -> None:
        """The browser's messages (textual-serve's protocol: JSON lists) to the app process."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = message.json()
            except (ValueError, TypeError):
                continue  # not textual-serve's page talking: ignored, the session goes on
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(*_size(data.get("width"), data.get("height")))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    @staticmethod
    async def stop_session(service: AppService) -> None:
        """Ask the app process to quit; kill it when it does not within :data:`SESSION_QUIT_SECONDS`."""
        try:
            await asyncio.wait_for(service.stop(), SESSION_QUIT_SECONDS)
        except (asyncio.TimeoutError, OSError):
            process = getattr(service, "_process", None)  # textual-serve keeps no public handle on it
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    async def end_sessions(self, app: web.Application) -> None:
        """Server shutdown: close every browser's websocket (each session then quits its app process)."""
        await asyncio.gather(*(websocket.close() for websocket, _ in list(self.sessions)), return_exceptions=True)
