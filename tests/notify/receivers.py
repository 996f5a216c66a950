"""Real receivers on 127.0.0.1 for the outbox tests: an HTTP server and an SMTP server (aiosmtpd).

The HTTP receiver records every request and answers as scripted: ``ok`` (200, or what the route
answers), an HTTP status (``429`` with ``Retry-After``, ``500`` …), ``timeout`` (answers after the
client gave up) or ``close`` (drops the connection without answering). It also plays the parts of
PagerDuty (202 with the dedup key) and Statuspage (incidents created, listed unresolved, patched).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    server: ThreadingHTTPServer
    requests: list[Request] = field(default_factory=list)
    script: deque[str] = field(default_factory=deque)
    #: Answers for one path prefix only (``{"/pagerduty": deque(["echo"])}``), taken before ``script``:
    #: channels are delivered concurrently, so a shared script cannot say which request gets which answer.
    scripts: dict[str, deque[str]] = field(default_factory=dict)
    down: bool = False  # answer 503 to everything until set back
    delay: float = 0.0  # seconds before each answer (a slow receiver: a send can be killed mid-request)
    public: dict[str, dict[str, Any]] = field(default_factory=dict)  # Statuspage incidents by id
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def accepted(self, path_prefix: str = "/") -> list[Request]:
        """Requests answered 2xx, once per idempotency key (what a deduplicating receiver shows)."""
        seen: set[str] = set()
        out = []
        for r in self.requests:
            if not r.path.startswith(path_prefix) or getattr(r, "answered", 0) // 100 != 2:
                continue
            key = r.headers.get("idempotency-key") or r.headers.get("x-dedup", "")
            if key and key in seen:
                continue
            seen.add(key)
            out.append(r)
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_http() -> HttpReceiver:
    holder: dict[str, HttpReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            rx = holder["rx"]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with rx.lock:
                rx.requests.append(request)
                mine = next((q for prefix, q in rx.scripts.items() if q and request.path.startswith(prefix)), None)
                step = "503" if rx.down else mine.popleft() if mine else (rx.script.popleft() if rx.script else "ok")
            if rx.delay:
                time.sleep(rx.delay)
            if step == "close":
                request.answered = 0  # type: ignore[attr-defined]
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if step == "timeout":
                time.sleep(1.5)
                step = "ok"
            if step == "echo":  # a 400 whose message repeats the request (some APIs quote what they refused)
                status, payload, headers = 400, b"invalid event: " + body, {}
            else:
                status, payload, headers = (200, b"ok", {}) if step == "ok" else (int(step), b'{"error":"scripted failure"}', {})
            if step == "ok":
                status, payload = self._route(rx, request)
            if status == 429:
                headers["Retry-After"] = "1"
            request.answered = status  # type: ignore[attr-defined]
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _route(self, rx: HttpReceiver, request: Request) -> tuple[int, bytes]:
            path = request.path
            if path.startswith("/pagerduty"):
                data = request.json()
                return 202, json.dumps({"status": "success", "dedup_key": data.get("dedup_key")}).encode()
            if path.startswith("/statuspage/pages/") and path.endswith("/incidents") and request.method == "POST":
                incident = request.json()["incident"]
                with rx.lock:
                    sp_id = f"sp{len(rx.public) + 1}"
                    rx.public[sp_id] = {"id": sp_id, **incident, "updates": [incident["body"]]}
                return 201, json.dumps(rx.public[sp_id]).encode()
            if path.startswith("/statuspage/pages/") and path.endswith("/incidents/unresolved"):
                with rx.lock:
                    listed = [i for i in rx.public.values() if i.get("status") != "resolved"]
                return 200, json.dumps(listed).encode()
            if path.startswith("/statuspage/pages/") and request.method == "PATCH":
                sp_id = path.rsplit("/", 1)[1]
                with rx.lock:
                    if sp_id not in rx.public:
                        return 404, b'{"error":"not found"}'
                    change = request.json()["incident"]
                    rx.public[sp_id].update(change)
                    rx.public[sp_id]["updates"].append(change.get("body", ""))
                return 200, json.dumps(rx.public[sp_id]).encode()
            return 200, b"ok"

        do_POST = do_PATCH = do_GET = _serve  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rx = holder["rx"] = HttpReceiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return rx


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


class _Handler:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.fail_next: deque[str] = deque()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail_next:
            return self.fail_next.popleft()
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class SmtpReceiver:
    controller: Controller
    handler: _Handler

    @property
    def port(self) -> int:
        return self.controller.port

    def unique(self) -> list[Mail]:
        """One per Message-ID (a deduplicating mail store's view)."""
        from email import message_from_bytes

        seen, out = set(), []
        for mail in self.handler.mails:
            mid = message_from_bytes(mail.data)["Message-ID"]
            if mid not in seen:
                seen.add(mid)
                out.append(mail)
        return out

    def close(self) -> None:
        self.controller.stop()


def start_smtp() -> SmtpReceiver:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpReceiver(controller, handler)
