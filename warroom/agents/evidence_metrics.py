"""Readers behind the evidence tools: alerts, metric series and change snapshots.

Lenient by design (evidence is whatever was saved during the incident): a file
that cannot be parsed yields nothing rather than an exception, and every
reader is bounded so a huge or hostile file cannot exhaust memory.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.agents.tools import EvidenceFolder

MAX_READ = 8 * 1024 * 1024  # bytes read from one structured file
MAX_POINTS = 200_000


def _load_json(path: Path) -> Any:
    """A JSON document or a JSON-lines file as a list; ``None`` when it is neither."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_READ).decode("utf-8", errors="replace")
    try:
        return json.loads(raw)
    except ValueError:
        rows = []
        for line in raw.splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
        return rows or None


def _time(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return _time(float(text))
            except ValueError:
                return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


# ---- alerts ----------------------------------------------------------------------------------------------


def alerts_in(path: Path) -> Iterator[str]:
    """One line per alert in an Alertmanager / PagerDuty / plain JSON alerts file."""
    doc = _load_json(path)
    items: list[Any] = []
    if isinstance(doc, dict):
        items = doc.get("alerts") or doc.get("messages") or doc.get("incidents") or [doc]
    elif isinstance(doc, list):
        items = doc
    for item in items[:1000]:
        if not isinstance(item, dict):
            continue
        labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
        notes = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        name = labels.get("alertname") or item.get("name") or item.get("title") or payload.get("summary") or "alert"
        severity = labels.get("severity") or item.get("severity") or payload.get("severity") or "?"
        status = item.get("status") or item.get("event_action") or "?"
        started = item.get("startsAt") or item.get("created_at") or payload.get("timestamp") or item.get("at") or ""
        summary = notes.get("summary") or notes.get("description") or item.get("summary") or ""
        yield f"{name} severity={severity} status={status} started={started} {summary}".strip()


# ---- metrics ---------------------------------------------------------------------------------------------


def read_series(path: Path, wanted: str | None) -> dict[str, list[tuple[datetime | None, float]]]:
    """Numeric series from a CSV (time column + value columns, or time,value,series rows) or JSON file."""
    series: dict[str, list[tuple[datetime | None, float]]] = {}

    def add(name: str, at: datetime | None, value: Any) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return
        if math.isfinite(number) and (wanted is None or name == wanted) and sum(map(len, series.values())) < MAX_POINTS:
            series.setdefault(name, []).append((at, number))

    if path.suffix.lower() in (".json", ".jsonl"):
        doc = _load_json(path)
        results = doc.get("data", {}).get("result") if isinstance(doc, dict) and isinstance(doc.get("data"), dict) else None
        if isinstance(results, list):  # Prometheus query_range
            for res in results:
                if isinstance(res, dict):
                    name = json.dumps(res.get("metric", {}), sort_keys=True)
                    for point in res.get("values") or []:
                        if isinstance(point, list) and len(point) == 2:
                            add(name, _time(point[0]), point[1])
        elif isinstance(doc, list):
            for row in doc:
                if isinstance(row, dict):
                    at = _time(row.get("time") or row.get("timestamp") or row.get("ts"))
                    add(str(row.get("series") or row.get("name") or path.stem), at, row.get("value"))
        return series
    with path.open("rb") as handle:
        text = handle.read(MAX_READ).decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return series
    header = [h.strip().lower() for h in rows[0]]
    time_col = next((i for i, h in enumerate(header) if h in ("time", "timestamp", "ts", "at", "date")), None)
    long_form = "series" in header and "value" in header
    for row in rows[1:]:
        at = _time(row[time_col]) if time_col is not None and time_col < len(row) else None
        if long_form:
            s, v = header.index("series"), header.index("value")
            if max(s, v) < len(row):
                add(row[s], at, row[v])
            continue
        for i, cell in enumerate(row):
            if i != time_col and i < len(header):
                add(rows[0][i].strip(), at, cell)
    return series


def describe_series(name: str, points: list[tuple[datetime | None, float]]) -> str:
    """min/max/mean/p95, first and last value, and the largest step change when it stands out."""
    values = [v for _, v in points]
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    mean = sum(values) / len(values)
    line = (
        f"{name}: n={len(values)} min={ordered[0]:.6g} max={ordered[-1]:.6g} mean={mean:.6g} p95={p95:.6g} "
        f"first={values[0]:.6g} last={values[-1]:.6g}"
    )
    change = change_point(values)
    if change is not None:
        at = points[change][0]
        before = sum(values[:change]) / change
        after = sum(values[change:]) / (len(values) - change)
        when = at.isoformat() if at else f"point {change + 1}"
        line += f"; change point at {when}: mean {before:.6g} -> {after:.6g}"
    return line


def change_point(values: list[float]) -> int | None:
    """Index where the mean shifts most, if the shift is large against the noise on both sides."""
    n = len(values)
    if n < 6:
        return None
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    best, best_gap = None, 0.0
    for i in range(3, n - 2):
        left, right = prefix[i] / i, (prefix[n] - prefix[i]) / (n - i)
        if abs(right - left) > best_gap:
            best, best_gap = i, abs(right - left)
    if best is None:
        return None
    def spread(part: list[float]) -> float:
        m = sum(part) / len(part)
        return math.sqrt(sum((x - m) ** 2 for x in part) / len(part))
    noise = max(spread(values[:best]), spread(values[best:]), 1e-9)
    scale = max(abs(sum(values) / n), 1e-9)
    return best if best_gap > 3 * noise and best_gap > 0.2 * scale else None


# ---- changes ---------------------------------------------------------------------------------------------


@dataclass
class Change:
    """A deploy or commit from the change snapshot."""

    ident: str
    at: datetime | None
    author: str = ""
    message: str = ""
    files: list[str] = field(default_factory=list)
    diff: str = ""

    def line(self) -> str:
        when = self.at.isoformat() if self.at else "?"
        files = f" files={','.join(self.files[:20])}" if self.files else ""
        return f"{when} {self.ident[:12]} {self.author}: {self.message.splitlines()[0] if self.message else ''}{files}"


_COMMIT = re.compile(r"^commit ([0-9a-f]{7,40})", re.MULTILINE)


def changes_in(folder: EvidenceFolder, name: str | None) -> list[Change]:
    """Changes from ``changes*.json[l]`` files or ``git log`` text snapshots (``git*.txt``/``*.log``)."""
    if name:
        paths = [folder.resolve(name)]
    else:
        paths = [p for p in folder.files() if p.name.lower().startswith(("change", "deploy", "git"))]
    found: list[Change] = []
    for path in paths:
        if path.suffix.lower() in (".json", ".jsonl"):
            doc = _load_json(path)
            rows = doc.get("changes", []) if isinstance(doc, dict) else doc or []
            for row in rows if isinstance(rows, list) else []:
                if isinstance(row, dict):
                    files = row.get("files") if isinstance(row.get("files"), list) else []
                    found.append(Change(
                        ident=str(row.get("sha") or row.get("id") or row.get("commit") or "?"),
                        at=_time(row.get("time") or row.get("at") or row.get("date") or row.get("timestamp")),
                        author=str(row.get("author") or ""), message=str(row.get("message") or row.get("summary") or ""),
                        files=[str(f) for f in files], diff=str(row.get("diff") or ""),
                    ))
        else:
            found.extend(_git_log(path))
    found.sort(key=lambda c: c.at or datetime.min.replace(tzinfo=timezone.utc))
    return found


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
