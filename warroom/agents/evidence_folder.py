"""The incident's evidence folder as the agent tools see it: confined, bounded, redacted.

Paths are resolved inside the root and refused when they escape it (``..``,
absolute paths, symlinks out); listings skip ``.git`` internals; output is cut
at a number of lines and bytes with a note saying so, and redacted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from warroom.data.evidence.logs import looks_binary, open_stream
from warroom.data.redact import redact

MAX_LINES = 200
MAX_BYTES = 24_000
MAX_LINE_CHARS = 2_000
MAX_FILES = 500
TRUNCATED = "[truncated: output limited to {lines} lines / {bytes} bytes]"



class ToolError(Exception):
    """A tool call that cannot be answered (bad path, bad arguments); the message goes back to the model."""


class EvidenceFolder:
    """The incident's evidence root, with path confinement and bounded reads."""

    def __init__(self, root: str | Path) -> None:
        if not str(root):
            raise ToolError("this incident has no evidence folder attached")
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ToolError(f"evidence folder {self.root.name!r} does not exist")

    def resolve(self, name: str) -> Path:
        """The file ``name`` (relative to the root), refusing anything that escapes it."""
        if not name or "\x00" in name:
            raise ToolError("a file name is required")
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise ToolError(f"{name!r} is outside the incident's evidence (use a path relative to it)")
        path = (self.root / rel).resolve()
        if path != self.root and self.root not in path.parents:
            raise ToolError(f"{name!r} resolves outside the incident's evidence")
        if not path.is_file():
            raise ToolError(f"no evidence file named {name!r}; call list_evidence to see the files")
        return path

    def files(self, suffixes: tuple[str, ...] = ()) -> list[Path]:
        """Regular files under the root in a stable order, at most ``MAX_FILES``; ``.git`` internals and
        symlinks that lead out of the root are left out."""
        found: list[Path] = []
        for directory, subdirs, names in os.walk(self.root):
            subdirs[:] = sorted(d for d in subdirs if d != ".git")
            for name in sorted(names):
                if suffixes and not name.lower().endswith(suffixes):
                    continue
                path = Path(directory) / name
                try:
                    real = path.resolve()
                except OSError:
                    continue
                if real.is_file() and self.root in real.parents:
                    found.append(path)
                    if len(found) >= MAX_FILES:
                        return found
        return found

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def lines(self, path: Path) -> Iterator[str]:
        """The file's lines (gzip decompressed), decoded leniently, NULs dropped, each cut at
        ``MAX_LINE_CHARS``; an overlong line is skipped over without holding it in memory."""
        stream, _compressed = open_stream(path)
        with stream:
            if looks_binary(stream.peek(8192)[:8192]):
                raise ToolError(f"{self.rel(path)} is a binary file, not text")
            while raw := stream.readline(MAX_LINE_CHARS * 4):
                if not raw.endswith(b"\n"):
                    while (rest := stream.readline(1 << 16)) and not rest.endswith(b"\n"):
                        pass
                yield raw.decode("utf-8", errors="replace").rstrip("\r\n").replace("\x00", "")[:MAX_LINE_CHARS]


class BoundedOutput:
    """Collects lines up to the limits and says when it stopped."""

    def __init__(self, max_lines: int = MAX_LINES, max_bytes: int = MAX_BYTES) -> None:
        self.rows: list[str] = []
        self.size = 0
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.truncated = False

    def add(self, line: str) -> bool:
        if len(self.rows) >= self.max_lines or self.size + len(line) + 1 > self.max_bytes:
            self.truncated = True
            return False
        self.rows.append(line)
        self.size += len(line.encode("utf-8", "replace")) + 1
        return True

    def text(self, empty: str = "(nothing found)") -> str:
        body = "\n".join(self.rows) if self.rows else empty
        if self.truncated:
            body += "\n" + TRUNCATED.format(lines=self.max_lines, bytes=self.max_bytes)
        return redact(body)


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time (``2026-11-23T09:00:00Z``); naive times are taken as UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ToolError(f"not an ISO-8601 time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
