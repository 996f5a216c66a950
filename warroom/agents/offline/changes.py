"""Changes from the evidence (a git repository, a plain changes file) and their ranking as suspects.

A change is a suspect only if it landed before the onset; it ranks higher the
closer it is to the onset and the more it overlaps with what the new failure
signatures name (service, files, config keys, the family's vocabulary). A
change after the onset is listed separately and never blamed.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

from warroom.agents.offline.findings import Change, Signature, Suspect
from warroom.agents.offline.reader import parse_time

WINDOW_HOURS = 24
_KEY = re.compile(r"^[+-]\s*([A-Za-z_][\w.-]*)\s*[:=]")
_TOKEN = re.compile(r"[a-z][a-z0-9]+")
_CONFIG_FILE = re.compile(r"\.(ya?ml|json|toml|ini|env|properties|conf|cfg)$|(^|/)config/|values", re.I)
_SEP = "\x1f"
_ARROW = re.compile(r"(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_])\s+(?:from\s+)?([^\s,;]+)\s*(?:->|→|=>)\s*([^\s,;]+)"
                    r"|(?<![\w./-])([A-Za-z_][\w.-]*[A-Za-z0-9_])\s+from\s+([^\s,;]+)\s+to\s+([^\s,;]+)")


def message_diff(message: str) -> list[str]:
    """``KEY 50 -> 10`` / ``KEY from 50 to 10`` in a change message, as diff-style lines (``-KEY: 50``, ``+KEY: 10``)."""
    lines = []
    for m in _ARROW.finditer(message):
        key, old, new = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        old, new = old.rstrip(".)"), new.rstrip(".)")
        if key.lower() in ("from", "to") or old == new:
            continue
        lines += [f"-{key}: {old}", f"+{key}: {new}"]
    return lines[:20]


def read_git(repo: Path, source: str, problems: list[str], limit: int = 200) -> list[Change]:
    """Commits of ``repo`` (newest first): time, author, subject, files and changed config keys."""
    if not ((repo / ".git").exists() or ((repo / "HEAD").is_file() and (repo / "objects").is_dir())):
        problems.append(f"{source}: not a git repository (no .git); skipped")  # never walk up to a parent repository
        return []
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat",
           "GIT_CEILING_DIRECTORIES": str(repo.resolve().parent)}
    fmt = f"--format=%x1e%H{_SEP}%an{_SEP}%aI{_SEP}%B{_SEP}"
    try:
        # read-only and inert: no external diff, no textconv filters, no fsmonitor from the repository's config
        done = subprocess.run(["git", "-c", f"safe.directory={repo}", "-c", "core.fsmonitor=false", "-C", str(repo),
                               "log", f"-n{limit}", fmt, "--unified=0", "-p", "--no-color", "--no-ext-diff",
                               "--no-textconv"],
                              capture_output=True, timeout=20, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        problems.append(f"{source}: git log failed ({exc.__class__.__name__})")
        return []
    if done.returncode != 0:
        problems.append(f"{source}: git log failed: {done.stderr.decode(errors='replace').strip()[:200]}")
        return []
    changes = []
    for block in done.stdout.decode("utf-8", errors="replace").split("\x1e")[1:]:
        parts = block.split(_SEP)
        if len(parts) != 5:
            continue
        sha, author, when, subject, body = parts
        subject = subject.strip()
        at = parse_time(when)
        if at is None:
            continue
        files, keys, diff = [], [], []
        for line in body.splitlines():
            if line.startswith("+++ b/"):
                files.append(line[6:])
            elif line[:1] in "+-" and not line.startswith(("+++", "---")):
                diff.append(line[:160])
                key = _KEY.match(line)
                if key and key.group(1) not in keys:
                    keys.append(key.group(1))
        for line in message_diff(subject):
            key = line[1:].split(":")[0]
            if key not in keys:
                keys.append(key)
        changes.append(Change(change_id=sha, at=at, author=author, message=subject[:2000], files=files, keys=keys,
                              diff_lines=diff[:20] or message_diff(subject), kind="commit", source=source))
    return changes


def read_changes_file(path: Path, source: str, problems: list[str]) -> list[Change]:
    """A plain changes file: JSON lines, or ``<timestamp> <kind> <text>`` per line."""
    changes = []
    for n, raw in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines()[:10_000], 1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            obj = json.loads(raw) if raw.startswith("{") else None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            at = parse_time(str(obj.get("at") or obj.get("time") or obj.get("timestamp") or ""))
            message, kind = str(obj.get("message", obj.get("description", ""))), str(obj.get("kind", "deploy"))
            files = [str(f) for f in obj.get("files", []) if isinstance(f, (str, int))] if isinstance(obj.get("files"), list) else []
            keys = [str(k) for k in obj.get("keys", [])] if isinstance(obj.get("keys"), list) else []
            author, change_id = str(obj.get("author", "")), str(obj.get("id") or obj.get("change_id") or f"{source}:{n}")
        else:
            at = parse_time(raw)
            rest = raw.split(None, 1)[1] if " " in raw else ""
            kind = "config" if re.search(r"\bconfig", rest, re.I) else "deploy"
            message, files, author, change_id = rest, [], "", f"{source}:{n}"
            keys = re.findall(r"\b([A-Z][A-Z0-9_]{3,})\b", rest)
        if at is None:
            problems.append(f"{source}:{n}: change without a timestamp skipped")
            continue
        for line in message_diff(message):
            if line[1:].split(":")[0] not in keys:
                keys.append(line[1:].split(":")[0])
        changes.append(Change(change_id=change_id[:100], at=at, author=author, message=message[:2000], files=files[:200],
                              keys=keys[:50], diff_lines=message_diff(message), kind=kind, source=source))
    return changes


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(text.lower()) if len(t) > 2}


def is_config_change(change: Change) -> bool:
    return change.kind == "config" or bool(change.files) and all(_CONFIG_FILE.search(f) for f in change.files)


def rank_suspects(changes: list[Change], onset: datetime | None, signatures: list[Signature],
                  failing_service: str) -> tuple[list[Suspect], list[Change]]:
    """(suspects before the onset, best first; changes after the onset)."""
    if onset is None:
        return [], []
    new = [s for s in signatures if s.new_after_onset is not False] or signatures
    vocabulary: set[str] = set()
    for sig in new:
        for word in sig.keywords + sig.services:
            vocabulary |= _tokens(word)
    service_tokens = _tokens(failing_service)
    suspects, after = [], []
    for change in changes:
        delta = (onset - change.at).total_seconds() / 60
        if delta < 0:
            after.append(change)
            continue
        if delta > WINDOW_HOURS * 60:
            continue
        text = " ".join([change.message, *change.files, *change.keys, *change.diff_lines])
        words = _tokens(text) | {k.lower() for k in change.keys}
        keys_words = set().union(*(_tokens(k.replace("_", " ")) for k in change.keys)) if change.keys else set()
        overlap = sorted((words | keys_words) & vocabulary)
        service_hit = bool(service_tokens and service_tokens <= (words | keys_words))
        closeness = math.exp(-delta / 60)  # one hour halves it roughly
        relevance = min(1.0, 0.25 * len(overlap)) + (0.3 if service_hit else 0.0)
        config = is_config_change(change)
        score = round(0.45 * closeness + 0.45 * min(relevance, 1.0) + (0.1 if config and overlap else 0.0), 3)
        reasons = [f"landed {delta:.0f} min before the onset"]
        if overlap:
            reasons.append("touches what the new errors name: " + ", ".join(overlap[:6]))
        if service_hit:
            reasons.append(f"changes the failing service ({failing_service})")
        if change.keys:
            reasons.append("changes config keys " + ", ".join(change.keys[:5]))
        if not overlap and not service_hit:
            reasons.append("nothing in it relates to the failing path")
        suspects.append(Suspect(change=change, minutes_before_onset=round(delta, 1), score=score, reasons=reasons,
                                overlap=overlap, config_change=config))
    suspects.sort(key=lambda s: -s.score)
    return suspects, sorted(after, key=lambda c: c.at)
