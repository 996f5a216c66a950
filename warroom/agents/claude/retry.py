"""Retrying Messages API calls: which faults are transient, and how long to wait.

The SDK's own retries are switched off (``max_retries=0``) so that every fault,
including a stream cut mid-message (which the SDK does not retry), goes through
one policy: exponential backoff with full jitter, ``retry-after`` honoured, a
bounded number of attempts. The sleep and random source are injectable so tests
run in milliseconds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRYABLE_ERROR_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


class StreamCut(Exception):
    """The response stream ended before ``message_stop``."""


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with jitter; ``retry-after`` wins when the server sends it."""

    max_retries: int = 2
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer retry-after fails the step instead of stalling it
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        backoff = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = backoff * (0.5 + 0.5 * self.rng())
        if retry_after is not None:
            return max(retry_after, 0.0)
        return jittered


def retry_after(error: BaseException) -> float | None:
    """Seconds from a ``retry-after-ms`` / ``retry-after`` header on an API error, if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def describe(error: BaseException) -> str:
    """One line naming the fault: status, API error type and message where known."""
    status = getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    detail = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        detail = f"{err.get('type', '')}: {err.get('message', '')}".strip(": ")
    name = type(error).__name__
    if status and status != 200:
        return f"{name} (HTTP {status}{', ' + detail if detail else ''})"
    if detail:
        return f"{name} ({detail})"
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {text[:300]}" if text else name


def is_transient(error: BaseException) -> bool:
    """Whether retrying may help: overload, rate limit, server error, timeout, dropped or cut stream."""
    import anthropic
    import httpx2

    if isinstance(error, (StreamCut, anthropic.APIConnectionError, httpx2.TransportError)):
        return True
    if isinstance(error, anthropic.APIStatusError):
        body = error.body
        kind = body.get("error", {}).get("type") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
        return error.status_code in RETRYABLE_STATUS or kind in RETRYABLE_ERROR_TYPES
    return False
