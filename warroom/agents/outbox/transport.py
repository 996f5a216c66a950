"""Sending one request: HTTP (``urllib``) and SMTP (``smtplib``), each in a thread, with one error type.

A failure is a :class:`SendError` that says whether trying again can help (timeouts, refused or
dropped connections, HTTP 408/429/5xx, SMTP 4xx) and, for a 429 or 503, how long the receiver
asked us to wait (``Retry-After``). Any other 4xx is final and carries the receiver's message.
Requests to 127.0.0.1/localhost never go through a proxy from the environment.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["HttpResponse", "SendError", "http_request", "send_email"]

_MAX_BODY = 64 * 1024
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SendError(Exception):
    """One attempt failed: ``retry`` says whether another can succeed."""

    def __init__(self, reason: str, *, retry: bool, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:2000]
        self.retry = retry
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8", "replace") or "null")
        except ValueError:
            return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), 86_400.0)
    try:
        from datetime import datetime, timezone

        when = parsedate_to_datetime(value)
        return max(0.0, min((when - datetime.now(timezone.utc)).total_seconds(), 86_400.0))
    except (TypeError, ValueError, OverflowError):
        return None


def _said(body: bytes) -> str:
    """The receiver's own words, one line, short (its error message)."""
    text = body.decode("utf-8", "replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text[:300]


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = (urlsplit(url).hostname or "").lower()
    proxies = {} if host in _LOOPBACK else None  # None: the environment's proxies (HTTPS_PROXY …)
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))


def _http_blocking(method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float) -> HttpResponse:
    request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": "warroom", **headers})
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(_MAX_BODY), {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as exc:
        status, said = exc.code, _said(exc.read(_MAX_BODY) if exc.fp is not None else b"")
        message = f"HTTP {status}" + (f": {said}" if said else f" {exc.reason}")
        if status in (408, 425, 429) or status >= 500:
            raise SendError(message, retry=True, status=status, retry_after=_retry_after(exc.headers.get("Retry-After"))) from None
        raise SendError(message, retry=False, status=status) from None
    except (TimeoutError, socket.timeout):
        raise SendError(f"no answer within {timeout:g} s", retry=True) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise SendError(f"the receiver's TLS certificate was refused: {reason.verify_message}", retry=False) from None
        raise SendError(f"could not connect: {reason}", retry=True) from None
    except (ConnectionError, OSError) as exc:  # reset or closed mid-answer
        raise SendError(f"the connection failed: {exc}", retry=True) from None
    except ValueError as exc:  # a URL urllib cannot use
        raise SendError(f"the URL cannot be used: {exc}", retry=False) from None


async def http_request(method: Literal["GET", "POST", "PATCH"], url: str, *, body: bytes | None = None,
                       headers: dict[str, str] | None = None, timeout: float = 10.0) -> HttpResponse:  # fmt: skip
    """One HTTP request in a thread; a 2xx answer is returned, anything else raises :class:`SendError`."""
    response = await asyncio.to_thread(_http_blocking, method, url, body, dict(headers or {}), timeout)
    if not 200 <= response.status < 300:
        raise SendError(f"HTTP {response.status}: {_said(response.body)}", retry=response.status >= 500, status=response.status)
    return response


def _email_blocking(message: EmailMessage, host: str, port: int, security: str, username: str, password: str,
                    timeout: float, ca_file: str | None) -> list[str]:  # fmt: skip
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"the ca_file {ca_file} cannot be used: {exc}", retry=False) from None
    try:
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if username:
                client.login(username, password)
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        raise SendError(f"every recipient was refused ({', '.join(str(c) for c in sorted(codes))})",
                        retry=all(400 <= c < 500 for c in codes), status=min(codes) if codes else None) from None  # fmt: skip
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise SendError(f"SMTP {exc.smtp_code}: {_said(said.encode())}", retry=400 <= exc.smtp_code < 500, status=exc.smtp_code) from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(f"SMTP {host}:{port}: the server's TLS certificate was refused ({exc.verify_message})", retry=False) from None
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out, TLS failed
        raise SendError(f"SMTP {host}:{port}: {exc or type(exc).__name__}", retry=True) from None
    return sorted(refused)  # the others got it: delivered, and the refused ones are named


async def send_email(message: EmailMessage, *, host: str, port: int, security: str, username: str = "", password: str = "",
                     timeout: float = 10.0, ca_file: str | None = None) -> list[str]:  # fmt: skip
    """Send ``message`` through the SMTP server (STARTTLS, implicit TLS, or none); the recipients it refused."""
    return await asyncio.to_thread(_email_blocking, message, host, port, security, username, password, timeout, ca_file)
