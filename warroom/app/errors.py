"""The errors that come from bad input, how each is said in one sentence, and safe echoes.

Every message that may quote user input (a path, a value, a reason) goes through
:func:`one_line`: terminal control sequences and control characters are removed
(the same stripping the screens do, :func:`warroom.data.text.strip_control`) and
line breaks become spaces, so an error never moves the cursor, retitles the
terminal or fakes a second line. :func:`say` does the same for what a command
echoes on stdout.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from pydantic import ValidationError

from warroom.data.config import ConfigError
from warroom.data.fold import InvalidEvent
from warroom.data.ids import InvalidIncidentId
from warroom.data.store import StoreError
from warroom.data.text import strip_control

USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    StoreError,
    InvalidIncidentId,
    InvalidEvent,
    ValidationError,
    OSError,
    ValueError,
)
MAX_MESSAGE = 500
_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]+")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one inert line: no escapes or controls, line breaks as spaces, at most ``limit`` characters."""
    # ESC is shown as the visible symbol ␛, not removed with what follows it: an unterminated OSC in a
    # quoted path would otherwise take the rest of the sentence with it. Nothing left can drive a terminal.
    flat = strip_control(_BREAKS.sub(" ", text).replace("\x1b", "\u241b")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def say(text: str, *, file: TextIO | None = None) -> None:
    """Print ``text`` (which may hold user input) with control sequences removed; newlines are kept."""
    print(strip_control(text), file=file if file is not None else sys.stdout)


def explain(exc: BaseException) -> str:
    """One clear sentence for ``exc``, safe to print on a terminal."""
    return one_line(_sentence(exc))


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error.get("loc", ())) or "input"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        return "invalid input: " + "; ".join(problems) + more
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc)  # all of it: a quoted path may itself hold a line break
    return text if text.strip() else exc.__class__.__name__
