"""Recorded tool output: a file whose first line names a tool and its parameters.

The shape (HolmesGPT's tool-call mocks, and what an agent's evidence tools
record): line 1 is a JSON object with ``tool_name`` (and usually
``toolset_name``, ``match_params``), line 2 is a JSON result header
(``status``, ``return_code``, ``invocation``...), and the rest is the raw
output of the command — ``kubectl describe``/``logs``/``events``, a fetched
web page. Output of a log tool is read as a log; anything else is a document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER_LIMIT = 64 * 1024
LOG_TOOL_WORDS = ("logs", "log_lines", "fetch_log", "loki", "journal")
STREAM_MARKERS = frozenset({"stdout:", "stderr:"})


@dataclass
class ToolOutput:
    """The two header lines of a recorded tool call."""

    tool: str
    toolset: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def is_log(self) -> bool:
        """Whether the output is log lines (``fetch_pod_logs``, ``kubectl_previous_logs``...)."""
        name = self.tool.lower()
        return any(word in name for word in LOG_TOOL_WORDS)

    def describe(self) -> str:
        """``kubectl_describe kind=pod name=x namespace=default``: the call, for a document's name."""
        shown = " ".join(f"{k}={v}" for k, v in self.params.items() if isinstance(v, (str, int, float)) and v != "")
        return f"{self.tool} {shown}".strip()[:300]


def _object(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def read_tool_header(path: Path) -> ToolOutput | None:
    """The tool call recorded at the head of ``path``, or ``None`` when the file is not in that shape."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(HEADER_LIMIT)
            if not first.lstrip().startswith(b"{"):
                return None
            second = handle.readline(HEADER_LIMIT)
    except OSError:
        return None
    call, result = _object(first), _object(second)
    if call is None or not isinstance(call.get("tool_name"), str) or result is None:
        return None
    params = call.get("match_params") if isinstance(call.get("match_params"), dict) else {}
    return ToolOutput(call["tool_name"][:200], str(call.get("toolset_name") or "")[:200], params, result)


def read_tool_text(path: Path, limit: int) -> tuple[str, bool]:
    """The raw output after the two header lines (at most ``limit`` characters) and whether it was cut."""
    with path.open("r", encoding="utf-8", errors="replace", newline=None) as handle:
        handle.readline(HEADER_LIMIT)
        handle.readline(HEADER_LIMIT)
        text = handle.read(limit + 1)
    return text[:limit], len(text) > limit
