"""A fake Anthropic Messages API on 127.0.0.1, speaking the real wire format.

``POST /v1/messages`` answers from a per-test script: streamed replies (SSE over
chunked transfer encoding: message_start, content_block_start/delta/stop with
text_delta and input_json_delta, ping, message_delta with usage, message_stop),
non-streaming JSON replies, and injected faults (an HTTP error with headers, a
slow response, a stream that breaks halfway, an ``error`` event mid-stream).
Every request is recorded with its headers, raw body and parsed JSON.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable
from typing import Any


@dataclass
class Text:
    text: str
    chunk: int = 7  # characters per text_delta


@dataclass
class ToolUse:
    name: str
    input: dict[str, Any] | None = None
    raw_json: str | None = None  # sent verbatim (may be malformed) instead of ``input``
    id: str = ""


@dataclass
class Reply:
    """A complete assistant message."""

    blocks: list[Text | ToolUse]
    stop_reason: str = "end_turn"
    input_tokens: int = 100
    output_tokens: int = 20
    cache_read: int = 0
    cache_write: int = 0
    delay: float = 0.0  # before the headers are sent
    cut_after: int | None = None  # break the stream after this many SSE events
    error_after: int | None = None  # send an SSE ``error`` event (overloaded) after this many events


@dataclass
class Fault:
    """An HTTP error response."""

    status: int
    error_type: str = "api_error"
    message: str = "fault injected by the test"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Raw:
    """A 200 response with any body (a proxy's HTML page, a corrupt event stream)."""

    body: bytes
    content_type: str = "text/event-stream"
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any


class FakeMessagesAPI:
    """The server: ``script(...)`` what it answers, read ``requests`` for what it got."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: list[Reply | Fault | Raw] = []
        self.responder: Callable[[Any], Reply | Fault | Raw] | None = None  # answers when the script is empty
        self._lock = threading.Lock()
        self._counter = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                api._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)  # a client that hung up is expected

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *responses: Reply | Fault | Raw) -> None:
        with self._lock:
            self._script.extend(responses)

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests]

    def raw_text(self) -> str:
        """Everything every request carried (headers and bodies), for "this never left" assertions."""
        return "\n".join(json.dumps(r.headers) + "\n" + r.raw.decode("utf-8", "replace") for r in self.requests)

    # ---- serving -----------------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(Recorded("POST", h.path, {k.lower(): v for k, v in h.headers.items()}, raw, body))
            response = self._script.pop(0) if self._script else None
        if response is None and self.responder is not None and body is not None:
            response = self.responder(body)
        with self._lock:
            self._counter += 1
            number = self._counter
        if h.path.split("?")[0] != "/v1/messages":
            return self._json(h, 404, _error("not_found_error", f"no route {h.path}"))
        if response is None:
            return self._json(h, 400, _error("invalid_request_error", "fake server: no scripted response left"))
        if response.delay:
            time.sleep(response.delay)
        if isinstance(response, Fault):
            return self._json(h, response.status, _error(response.error_type, response.message), response.headers)
        if isinstance(response, Raw):
            return self._raw(h, response)
        model = (body or {}).get("model", "claude-test")
        if (body or {}).get("stream"):
            return self._stream(h, response, model, number)
        return self._json(h, 200, _message(response, model, number))

    def _json(self, h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            h.send_response(status)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(data)))
            h.send_header("request-id", "req_fake")
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            pass  # the client gave up (a timeout test)

    def _raw(self, h: BaseHTTPRequestHandler, raw: Raw) -> None:
        try:
            h.send_response(200)
            h.send_header("content-type", raw.content_type)
            h.send_header("content-length", str(len(raw.body)))
            h.end_headers()
            h.wfile.write(raw.body)
            h.wfile.flush()
        except OSError:
            pass

    def _stream(self, h: BaseHTTPRequestHandler, reply: Reply, model: str, number: int) -> None:
        events = sse_events(reply, model, number)
        try:
            h.send_response(200)
            h.send_header("content-type", "text/event-stream")
            h.send_header("cache-control", "no-cache")
            h.send_header("transfer-encoding", "chunked")
            h.send_header("request-id", f"req_fake_{number}")
            h.end_headers()
            for i, (name, data) in enumerate(events):
                if reply.cut_after is not None and i == reply.cut_after:
                    # Half an event in a chunk whose declared size is larger than what is sent, then a hard close.
                    h.wfile.write(b"400\r\nevent: content_block_delta\ndata: {\"type\": \"content_bl")
                    h.wfile.flush()
                    h.connection.shutdown(socket.SHUT_RDWR)
                    h.close_connection = True
                    return
                if reply.error_after is not None and i == reply.error_after:
                    name, data = "error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                    _chunk(h, f"event: {name}\ndata: {json.dumps(data)}\n\n")
                    break
                _chunk(h, f"event: {name}\ndata: {json.dumps(data)}\n\n")
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except OSError:
            h.close_connection = True


def _chunk(h: BaseHTTPRequestHandler, text: str) -> None:
    data = text.encode()
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    h.wfile.flush()


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _usage(reply: Reply, output: int) -> dict[str, Any]:
    return {
        "input_tokens": reply.input_tokens,
        "output_tokens": output,
        "cache_creation_input_tokens": reply.cache_write,
        "cache_read_input_tokens": reply.cache_read,
    }


def _tool_id(block: ToolUse, number: int, index: int) -> str:
    return block.id or f"toolu_{number:03d}_{index}"


def _message(reply: Reply, model: str, number: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Text):
            content.append({"type": "text", "text": block.text})
        else:
            content.append({"type": "tool_use", "id": _tool_id(block, number, index), "name": block.name,
                            "input": block.input or {}})
    return {
        "id": f"msg_{number:04d}", "type": "message", "role": "assistant", "model": model, "content": content,
        "stop_reason": reply.stop_reason, "stop_sequence": None, "usage": _usage(reply, reply.output_tokens),
    }


def sse_events(reply: Reply, model: str, number: int) -> list[tuple[str, dict[str, Any]]]:
    """The event sequence the real API sends for ``reply``."""
    start = _message(reply, model, number)
    start.update(content=[], stop_reason=None, usage=_usage(reply, 1))
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    events.append(("ping", {"type": "ping"}))
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Text):
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": {"type": "text", "text": ""}}))
            for i in range(0, len(block.text), block.chunk):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                       "delta": {"type": "text_delta", "text": block.text[i:i + block.chunk]}}))
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": _tool_id(block, number, index), "name": block.name, "input": {}}}))
            raw = block.raw_json if block.raw_json is not None else json.dumps(block.input or {})
            for i in range(0, len(raw), 10):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                       "delta": {"type": "input_json_delta", "partial_json": raw[i:i + 10]}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                                     "usage": {"output_tokens": reply.output_tokens}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events
