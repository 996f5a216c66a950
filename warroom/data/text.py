"""Text from logs, alerts and models is data: make it safe for a terminal."""

from __future__ import annotations

import re

# CSI, OSC (terminated by BEL or ST), other two-byte escapes, and C0/C1 controls except tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"  # other escapes (and a lone ESC)
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
# Bidirectional overrides and isolates can make text display in a misleading order.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


# Every character :func:`strip_control` removes or starts a sequence with (ESC is among the C0 controls).
_REMOVED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def may_strip(text: str) -> bool:
    """False only when ``strip_control(text) == text``: it holds no escape, control or bidi character."""
    return _REMOVED.search(text) is not None


def strip_control(text: str) -> str:
    """``text`` without terminal escape sequences, control characters or bidi controls."""
    return _BIDI.sub("", _ESCAPES.sub("", text))


def plain(text: str) -> str:
    """Text safe to print on a terminal as it is (no escapes, no controls)."""
    return strip_control(text)
