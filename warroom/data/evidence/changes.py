"""Changes: a git repository's history, and a plain changes file for what does not live in git.

The changes file (``*.changes``, ``changes.jsonl``, ``changes.csv``...) is one
change per line, in any mix of two forms; blank lines and ``#`` comments are
ignored::

    2026-11-23T09:01:02Z deploy alice checkout-api v2.3.1 rolled out to prod
    2026-11-23T09:04:00Z config bob checkout-api DB_POOL_SIZE 50 -> 10
    {"at": "2026-11-23T09:06:00Z", "kind": "config", "author": "carol", "message": "raise timeout",
     "id": "cfg-12", "service": "checkout-api", "files": ["helm/values.yaml"], "keys": ["timeout"]}

A plain line is ``<ISO time> <kind> <author> <message...>``; a JSON line needs
``at`` (or ``time``/``timestamp``) and ``message``; ``kind`` is one of
commit, deploy, config, release (default deploy). A CSV with a header row
naming ``at``, ``kind``, ``author``, ``message`` (and optionally ``id``,
``service``, ``files`` separated by ``;``) is read too.

Config keys are taken from each message (``KEY=value``, ``key: 5``,
``pool_size 50 -> 10``, ``pool_size from 50 to 10``) unless ``keys`` is given.

A git repository is read with ``git log`` (a subprocess with a fixed format,
no shell): commit time, author, message, files; tags become releases.
:func:`write_changes` stores them in the JSON-line form, which is how a
repository is snapshotted when it is attached as evidence.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.data.evidence.models import CHANGE_KINDS, Change
from warroom.data.evidence.timestamps import StampReader, parse_time_text

MAX_COMMITS = 5000
MAX_LINE = 64 * 1024
GIT_TIMEOUT = 60

_PLAIN = re.compile(r"^(\S+)\s+(commit|deploy|config|release)\s+(\S+)\s+(.+)$", re.IGNORECASE)
_KEY_ASSIGN = re.compile(r"(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_])\s*=\s*[^\s=]")
_KEY_COLON = re.compile(r"(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_]):\s+(\S+)")
_KEY_ARROW = re.compile(
    r"(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_])\s+(?:from\s+)?\S+\s*(?:->|→|=>)\s*\S"
    r"|(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_])\s+from\s+\S+\s+to\s+\S"
)


class ChangesError(ValueError):
    """A changes source that cannot be read (not a git repository, git missing, unreadable file)."""


def config_keys(message: str) -> list[str]:
    """The configuration keys a change message names, in order, without repeats."""
    found: list[str] = []
    for m in _KEY_ARROW.finditer(message):
        found.append(m.group(1) or m.group(2))
    found.extend(m.group(1) for m in _KEY_ASSIGN.finditer(message))
    for m in _KEY_COLON.finditer(message):
        key, value = m.group(1), m.group(2)
        if any(c in key for c in "_.-") or key.isupper() or value[:1].isdigit() or value.lower() in ("true", "false"):
            found.append(key)
    return list(dict.fromkeys(k for k in found if k.lower() not in ("from", "to", "http", "https")))


def _change_id(at: datetime, kind: str, message: str) -> str:
    return kind + "-" + hashlib.sha256(f"{at.isoformat()}|{kind}|{message}".encode()).hexdigest()[:10]


def parse_change_line(line: str, source: str, reader: StampReader | None = None) -> Change | None:
    """One line of a changes file (plain or JSON form); ``None`` for a blank line or comment.

    Raises :class:`ValueError` with the reason for a line that is neither form.
    """
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            raise ValueError("not valid JSON") from None
        if not isinstance(obj, dict):
            raise ValueError("a JSON line must be an object")
        return change_from_mapping(obj, source, reader)
    m = _PLAIN.match(line)
    if not m:
        raise ValueError("expected '<ISO time> <kind> <author> <message>' or a JSON object")
    at = parse_time_text(m.group(1), reader)
    if at is None:
        raise ValueError(f"{m.group(1)[:40]!r} is not a timestamp")
    kind, message = m.group(2).lower(), m.group(4).strip()
    return Change(_change_id(at, kind, message), at, m.group(3), message, [], kind, config_keys(message), source)


def change_from_mapping(obj: dict[str, Any], source: str, reader: StampReader | None = None) -> Change:
    """A change from a JSON object or a CSV row (see the module docstring for the fields)."""
    raw_at = next((obj[k] for k in ("at", "time", "timestamp", "date") if obj.get(k) not in (None, "")), None)
    at = parse_time_text(str(raw_at), reader) if raw_at is not None else None
    if at is None:
        raise ValueError("no readable 'at' time")
    message = str(obj.get("message") or obj.get("msg") or obj.get("description") or "").strip()
    if not message:
        raise ValueError("no 'message'")
    kind = str(obj.get("kind") or obj.get("type") or "deploy").strip().lower()
    if kind not in CHANGE_KINDS:
        raise ValueError(f"kind {kind[:20]!r} is not one of {', '.join(CHANGE_KINDS)}")
    files = obj.get("files") or []
    if isinstance(files, str):
        files = [f.strip() for f in files.split(";") if f.strip()]
    keys = obj.get("keys")
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(";") if k.strip()]
    return Change(
        change_id=str(obj.get("id") or obj.get("change_id") or _change_id(at, kind, message))[:100],
        at=at, author=str(obj.get("author") or "")[:200], message=message[:4000],
        files=[str(f)[:500] for f in files if isinstance(f, (str, int))][:1000], kind=kind,
        keys=[str(k)[:200] for k in keys] if isinstance(keys, list) else config_keys(message),
        source=source, service=str(obj.get("service") or "")[:200],
    )


def read_changes_file(path: Path, source: str) -> tuple[list[Change], list[str]]:
    """The changes in a changes file, and one problem line per line that could not be read."""
    changes: list[Change] = []
    problems: list[str] = []
    reader = StampReader()
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        first = handle.readline(MAX_LINE)
        header = [c.strip().lower() for c in next(csv.reader([first]), [])] if first else []
        if "message" in header and ({"at", "time", "timestamp"} & set(header)):
            for n, row in enumerate(csv.DictReader(handle, fieldnames=header), start=2):
                try:
                    changes.append(change_from_mapping({k: v for k, v in row.items() if k}, source, reader))
                except ValueError as exc:
                    problems.append(f"{source}:{n}: {exc}")
            return changes, problems
        lines: Iterable[str] = [first] if first else []
        for n, line in enumerate(_chain(lines, handle), start=1):
            try:
                change = parse_change_line(line[:MAX_LINE], source, reader)
            except ValueError as exc:
                problems.append(f"{source}:{n}: {exc}")
                continue
            if change is not None:
                changes.append(change)
    return changes, problems


def _chain(first: Iterable[str], rest: Iterable[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "core.fsmonitor=", "-c", "core.quotepath=off", "-c", f"safe.directory={repo}",
               "--no-pager", "-C", str(repo), *args]
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(command, capture_output=True, timeout=GIT_TIMEOUT, env=env, check=False)
    except FileNotFoundError:
        raise ChangesError("git is not installed, so a repository's history cannot be read") from None
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git took more than {GIT_TIMEOUT}s reading {repo}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangesError(f"{repo}: git {args[0]} failed: {(reason or ['no output'])[0][:200]}")
    return done.stdout.decode("utf-8", "replace")


def read_git(repo: Path, source: str | None = None, *, max_commits: int = MAX_COMMITS) -> list[Change]:
    """The history of ``repo`` (commits reachable from HEAD, newest first, at most ``max_commits``) and its tags."""
    repo = Path(repo).resolve()
    source = source or str(repo)
    changes: list[Change] = []
    if _has_commits(repo):
        log = _git(repo, "log", f"--max-count={max_commits}", "--no-color", "--name-only",
                   "--format=%x1e%H%x1f%cI%x1f%an%x1f%ae%x1f%B%x1f", "HEAD", "--")
        for record in log.split("\x1e")[1:]:
            parts = record.split("\x1f")
            if len(parts) < 6:
                continue
            sha, date, name, email, body, files = parts[:6]
            at = parse_time_text(date)
            if at is None:
                continue
            message = body.strip()
            changes.append(Change(sha, at, f"{name} <{email}>" if email else name, message,
                                  [f for f in files.splitlines() if f.strip()][:1000], "commit",
                                  config_keys(message), source))
    tags = _git(repo, "for-each-ref", "--format=%(refname:short)%1f%(creatordate:iso-strict)%1f"
                "%(taggername)%(authorname)%1f%(contents:subject)%1f%(*objectname)%1f%(objectname)", "refs/tags")
    for line in tags.splitlines():
        parts = line.split("\x1f")
        if len(parts) != 6:
            continue
        name, date, author, subject, peeled, target = parts
        at = parse_time_text(date)
        if at is None:
            continue
        commit = peeled or target  # an annotated tag points at its commit through the tag object
        changes.append(Change(f"tag:{name}", at, author, subject.strip() or f"release {name}",
                              [f"commit:{commit}"] if commit else [], "release", config_keys(subject), source))
    return sorted(changes, key=lambda c: (c.at, c.change_id))


def _has_commits(repo: Path) -> bool:
    _git(repo, "rev-parse", "--git-dir")  # raises a clear error when this is not a repository
    try:
        return bool(_git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip())
    except ChangesError:
        return False


def is_git_repository(path: Path) -> bool:
    """Whether ``path`` is the top of a git working tree (or a bare repository)."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def write_changes(changes: Iterable[Change], path: Path, *, origin: str) -> int:
    """Write ``changes`` to ``path`` in the JSON-line changes form (with a comment naming ``origin``)."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(f"# changes snapshot of {origin.replace(chr(10), ' ')}\n")
        for c in changes:
            handle.write(json.dumps({"id": c.change_id, "at": c.at.isoformat(), "kind": c.kind, "author": c.author,
                                     "message": c.message, "files": c.files, "keys": c.keys, "service": c.service},
                                    ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count
