"""The errors that come from bad input, and how each is said in one sentence."""

from __future__ import annotations

from pydantic import ValidationError

from warroom.data.config import ConfigError
from warroom.data.fold import InvalidEvent
from warroom.data.ids import InvalidIncidentId
from warroom.data.store import StoreError

USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    StoreError,
    InvalidIncidentId,
    InvalidEvent,
    ValidationError,
    OSError,
    ValueError,
)


def explain(exc: BaseException) -> str:
    """One clear sentence for ``exc``."""
    if isinstance(exc, ValidationError):
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error.get("loc", ())) or "input"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        return "invalid input: " + "; ".join(problems) + more
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc) or exc.__class__.__name__
    return text.splitlines()[0] if text.strip() else exc.__class__.__name__
