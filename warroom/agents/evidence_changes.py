"""Changes behind the evidence tools: git repositories, change files and ``git log`` snapshots.

Git is only ever asked to read (``git log`` through :mod:`warroom.data.evidence`,
``git show`` here), with the commit id checked against a hex pattern and
passed after ``--end-of-options`` so no argument can become an option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.agents.evidence_metrics import MAX_READ, _load_json, _time

if TYPE_CHECKING:
    from warroom.agents.tools import EvidenceFolder

@dataclass
class Change:
    """A deploy or commit from the change snapshot (``repo`` set when it came from a git repository)."""

    ident: str
    at: datetime | None
    author: str = ""
    message: str = ""
    files: list[str] = field(default_factory=list)
    diff: str = ""
    repo: Path | None = None

    def line(self) -> str:
        when = self.at.isoformat() if self.at else "?"
        files = f" files={','.join(self.files[:20])}" if self.files else ""
        return f"{when} {self.ident[:12]} {self.author}: {self.message.splitlines()[0] if self.message else ''}{files}"


_COMMIT = re.compile(r"^commit ([0-9a-f]{7,40})", re.MULTILINE)
_SHA = re.compile(r"^[0-9a-fA-F]{4,40}$")
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"}


def git_repos(folder: EvidenceFolder) -> list[Path]:
    """Git repositories inside the evidence (a directory holding ``.git``), at most three levels down."""
    repos = []
    for depth in ("", "*/", "*/*/", "*/*/*/"):
        for marker in folder.root.glob(f"{depth}.git"):
            repo = marker.parent.resolve()
            if repo == folder.root or folder.root in repo.parents:
                repos.append(marker.parent)
    return sorted(set(repos))[:20]


def changes_in(folder: EvidenceFolder, name: str | None) -> list[Change]:
    """Changes from git repositories, ``changes*``/``deploy*`` files (JSON, JSON lines, CSV, ``<time> <text>``
    lines) and ``git log`` text snapshots (``git*.txt``), oldest first."""
    from warroom.data.evidence import ChangesError, read_changes_file, read_git

    found: list[Change] = []
    if name:
        paths = [folder.resolve(name)]
    else:
        paths = [p for p in folder.files() if p.name.lower().startswith(("change", "deploy", "git"))]
        for repo in git_repos(folder):
            try:
                commits = read_git(repo, folder.rel(repo) or ".")
            except ChangesError:
                continue
            found.extend(
                Change(ident=c.change_id, at=c.at, author=c.author, message=c.message, files=c.files, repo=repo)
                for c in commits
            )
    for path in paths:
        if path.suffix.lower() == ".json":
            found.extend(_json_changes(path))
        elif _is_git_log(path):
            found.extend(_git_log(path))
        else:
            read, _problems = read_changes_file(path, folder.rel(path))
            found.extend(Change(ident=c.change_id, at=c.at, author=c.author, message=c.message, files=c.files)
                         for c in read)
    found.sort(key=lambda c: c.at or datetime.min.replace(tzinfo=timezone.utc))
    return found


def _json_changes(path: Path) -> list[Change]:
    """A JSON document: a list of changes, or ``{"changes": [...]}``; a ``diff`` field is kept."""
    doc = _load_json(path)
    rows = doc.get("changes", []) if isinstance(doc, dict) else doc or []
    found = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            files = row.get("files") if isinstance(row.get("files"), list) else []
            found.append(Change(
                ident=str(row.get("sha") or row.get("id") or row.get("commit") or "?"),
                at=_time(row.get("time") or row.get("at") or row.get("date") or row.get("timestamp")),
                author=str(row.get("author") or ""), message=str(row.get("message") or row.get("summary") or ""),
                files=[str(f) for f in files], diff=str(row.get("diff") or ""),
            ))
    return found


def git_show(change: Change, max_bytes: int) -> str:
    """``git show --stat -p`` of a commit in an evidence repository (read-only; the id is checked first)."""
    import os
    import subprocess

    if change.repo is None or not _SHA.match(change.ident):
        return ""
    try:
        done = subprocess.run(
            ["git", "-c", f"safe.directory={change.repo}", "-C", str(change.repo), "show", "--stat", "-p",
             "--no-color", "--no-ext-diff", "--no-textconv", "--end-of-options", change.ident],
            capture_output=True, timeout=20, env={**os.environ, **_GIT_ENV}, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout[:max_bytes].decode("utf-8", errors="replace") if done.returncode == 0 else ""


def _is_git_log(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return bool(_COMMIT.search(head))


def _git_log(path: Path) -> list[Change]:
    """Parse ``git log [--stat|--name-only|-p] --date=iso`` output."""
    with path.open("rb") as handle:
        text = handle.read(MAX_READ).decode("utf-8", errors="replace")
    starts = [m.start() for m in _COMMIT.finditer(text)]
    changes = []
    for begin, end in zip(starts, [*starts[1:], len(text)]):
        block = text[begin:end].splitlines()
        change = Change(ident=block[0].split()[1], at=None)
        body, diff, in_diff = [], [], False
        for line in block[1:]:
            if line.startswith("diff --git"):
                in_diff = True
            if in_diff:
                diff.append(line)
            elif line.startswith("Author:"):
                change.author = line[7:].strip()
            elif line.startswith(("Date:", "AuthorDate:")):
                change.at = _git_date(line.split(":", 1)[1].strip())
            elif line.startswith("    "):
                body.append(line.strip())
            elif line.strip() and not line.startswith(("Merge:", "Commit")):
                change.files.append(line.split("|")[0].split("\t")[-1].strip())
        change.message, change.diff = "\n".join(body).strip(), "\n".join(diff)
        changes.append(change)
    return changes


def _git_date(text: str) -> datetime | None:
    """``--date=iso`` (``2026-11-23 09:00:00 +0000``), ISO-strict or git's default format."""
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %Y %z")
    except ValueError:
        return _time(text.replace(" ", "T", 1).replace(" ", ""))
