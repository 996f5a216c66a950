"""How much of one evidence file is read: ``[evidence] max_bytes`` and ``max_lines`` in ``warroom.toml``.

A small gzip can expand to hundreds of megabytes of log lines; reading stops at these limits (bytes
counted after decompression), the investigation says what was left out, and goes on with the rest.
The command line sets them once from the configuration (:func:`configure`); every reader of evidence
(the offline investigator, the evidence bundle, Claude's tools) takes them from :func:`current`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["EvidenceLimits", "configure", "current", "parse_size"]

DEFAULT_MAX_BYTES = 256 << 20  # 256 MiB of (decompressed) text from one file
DEFAULT_MAX_LINES = 2_000_000
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d{1,12})\s*([a-zA-Z]{0,3})\s*$")


def parse_size(value: Any) -> int:
    """A byte count from an integer or a string such as ``"256MB"`` (binary units: 1 MB = 1 MiB)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f'expected a size such as "256MB" or a number of bytes, not a {type(value).__name__}')
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f'{value[:40]!r} is not a size (use a number with B, KB, MB or GB, e.g. "256MB")')
    return int(match.group(1)) * _UNITS[unit]


class EvidenceLimits(BaseModel):
    """``[evidence]``: the most read from one evidence file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_bytes: Annotated[int, Field(ge=1 << 10, le=1 << 40)] = DEFAULT_MAX_BYTES
    max_lines: Annotated[int, Field(ge=1, le=1_000_000_000)] = DEFAULT_MAX_LINES

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        return parse_size(value)


_current = EvidenceLimits()


def current() -> EvidenceLimits:
    """The limits in force (the defaults until the command line configures others)."""
    return _current


def configure(limits: EvidenceLimits) -> None:
    """Put ``limits`` in force for this process."""
    global _current
    _current = limits
