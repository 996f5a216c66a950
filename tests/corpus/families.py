"""Hostile corpus, round two: the families that still ended in tracebacks (issue 18).

- timestamps at the edges of every date field of every seed payload (found by shape, not by name);
- foreign and corrupted database files, and database paths whose folder cannot hold one;
- paths with control characters, unicode and ``~user`` forms, and FIFOs where a file is read;
- reasons and references with terminal sequences that commands echo on stdout;
- argparse usage errors (wrong choices, missing arguments);
- alert batches of growing size.

Each case says what the CLI must do (see :mod:`tests.corpus.generate`): ``reject`` is exit 2,
one sentence on stderr, nothing written.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

from tests.corpus.generate import ESC, FORMATS, KNOWN_ID, Case, _seeds, _set, _write

# Values for a date field: offsets that move year 1 / year 9999 out of the datetime range,
# the edges of the accepted range, and malformed shapes.
EDGE_TIMES = {
    "year1-plus": ("0001-01-01T00:00:00+05:00", "reject"),
    "year1-minus": ("0001-01-01T00:00:00-05:00", "reject"),
    "year1-max-offset": ("0001-01-01T00:00:00+23:59", "reject"),
    "year9999-minus": ("9999-12-31T23:59:59-05:00", "reject"),
    "year9999-plus": ("9999-12-31T23:59:59+14:00", "reject"),
    "year9999-utc": ("9999-12-31T23:59:59Z", "reject"),
    "before-epoch": ("1969-12-31T23:59:59Z", "reject"),
    "far-future": ("9000-01-01T00:00:00Z", "reject"),
    "zero-utc": ("0001-01-01T00:00:00Z", "either"),  # Alertmanager's "not set"
    "epoch": ("1970-01-01T00:00:00Z", "either"),
    "last-accepted": ("8999-12-31T23:59:59.999999+00:00", "either"),
    "leap-second": ("2026-06-30T23:59:60Z", "reject"),
    "offset-24h": ("2026-11-23T09:00:00+24:00", "reject"),
    "no-zone": ("2026-11-23T09:00:00", "reject"),
    "year0": ("0000-01-01T00:00:00Z", "reject"),
    "year5-digits": ("10000-01-01T00:00:00Z", "reject"),
    "month13": ("2026-13-01T00:00:00Z", "reject"),
    "nanoseconds": ("2026-11-23T09:00:00.123456789Z", "either"),
    "escape": ("2026-11-23T09:00:00Z" + ESC + "]0;PWNED\x07", "reject"),
}
_DATE_SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT")


def date_fields(doc, path=()):  # type: ignore[no-untyped-def]
    """The path of every value in ``doc`` that looks like an ISO timestamp."""
    found = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        here = (*path, key)
        if isinstance(value, str) and _DATE_SHAPE.match(value):
            found.append(here)
        elif isinstance(value, (dict, list)):
            found.extend(date_fields(value, here))
    return found


def timestamp_cases(root: Path, db: str) -> list[Case]:
    cases = []
    for stem, family, raw in _seeds():
        doc = json.loads(raw)
        for field_path in date_fields(doc):
            label = ".".join(str(part) for part in field_path)
            for edge, (value, expect) in EDGE_TIMES.items():
                path = _write(root, f"ts-{stem}-{label}-{edge}.json", json.dumps(_set(doc, field_path, value)))
                fmt = FORMATS[family]
                cases.append(Case(f"ts-ingest-{stem}-{label}-{edge}", ["--db", db, "ingest", fmt, path], expect, db,
                                  meta={"field": field_path[-1]}))
                if edge.startswith("year"):
                    cases.append(Case(f"ts-new-{stem}-{label}-{edge}",
                                      ["--db", db, "new", "ts", "--no-tui", "--alerts", path], expect, db))
    return cases


def _events_db(path: Path, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    """A database with warroom's schema whose events table holds ``rows`` (another tool wrote it)."""
    from warroom.data.dbfile import MIGRATIONS, SCHEMA_VERSION

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")  # as warroom leaves its files: opening one changes no byte
        for migration in MIGRATIONS:
            conn.executescript(migration)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.executemany("INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)", rows)
    conn.close()


AT = "2026-11-23T09:00:00+00:00"


def _declared() -> dict:
    """A valid ``incident.declared`` payload, made by the real model."""
    from datetime import datetime

    from warroom.data import events as ev

    event = ev.IncidentDeclared(incident_id=KNOWN_ID, at=datetime.fromisoformat(AT), actor="tool", title="foreign")
    return json.loads(event.model_dump_json(exclude=set(ev.ENVELOPE)))


DECLARED = _declared()


def damaged_databases(root: Path) -> dict[str, Path]:
    """Foreign and corrupted database files, each in its own file."""
    root.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}

    def events(name: str, data: object, kind: str = "incident.declared", at: object = AT) -> None:
        made[name] = root / f"{name}.db"
        rows = [(KNOWN_ID, at, "tool", kind, data)]
        if kind != "incident.declared":  # a declared incident, then the row that does not decode
            rows.insert(0, (KNOWN_ID, AT, "tool", "incident.declared", json.dumps(DECLARED)))
        _events_db(made[name], rows)

    events("blob-data", json.dumps(DECLARED).encode())
    events("blob-garbage", bytes(range(256)))
    events("text-not-json", "not json at all {")
    events("json-not-object", "[1, 2, 3]")
    events("json-wrong-event", json.dumps({"title": 5}))
    events("integer-data", 12345)
    events("null-bytes-text", "\x00\x00")
    events("unknown-kind", json.dumps(DECLARED), kind="alien.kind")
    events("blob-time", json.dumps(DECLARED), at=b"\xff\xfe")
    made["foreign-sqlite"] = root / "foreign-sqlite.db"
    with sqlite3.connect(made["foreign-sqlite"]) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    made["newer-schema"] = root / "newer-schema.db"
    _events_db(made["newer-schema"], [])
    with sqlite3.connect(made["newer-schema"]) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    good = root / "good.db"
    _events_db(good, [(KNOWN_ID, AT, "tool", "incident.declared", json.dumps(DECLARED))])
    made["truncated"] = root / "truncated.db"
    made["truncated"].write_bytes(good.read_bytes()[:1500])
    made["random-bytes"] = Path(_write(root, "random-bytes.db", bytes(range(256)) * 40))
    made["text-file"] = Path(_write(root, "text-file.db", "SQLite format 3 but not really\n" * 50))
    made["header-only"] = Path(_write(root, "header-only.db", b"SQLite format 3\x00" + b"\x00" * 84))
    return made


def database_cases(root: Path) -> list[Case]:
    cases = []
    for name, path in damaged_databases(root / "dbs").items():
        db = str(path)
        for command in (["list"], ["show", KNOWN_ID], ["note", KNOWN_ID, "x"], ["export", KNOWN_ID, "--out",
                        str(root / "out")], ["run", KNOWN_ID, "--auto"], ["stats"], ["actions"]):
            cases.append(Case(f"db-{name}-{command[0]}", ["--db", db, *command], "reject", db, meta={"db": name}))
    blocker = _write(root, "plain-file", b"x")
    for name, db in {"proc": "/proc/warroom.db", "sys": "/sys/warroom.db", "proc-missing": "/proc/nope/w.db",
                     "under-file": blocker + "/w.db", "directory": str(root), "dev-null": "/dev/null",
                     "no-such-user": "~nosuchuser-warroom/w.db", "escape-dir": _escape_dir(root)}.items():
        for command in (["list"], ["note", KNOWN_ID, "x"], ["new", "t", "--no-tui"]):
            cases.append(Case(f"dbpath-{name}-{command[0]}", ["--db", db, *command], "reject", db))
    return cases


def _escape_dir(root: Path) -> str:
    """A directory whose name holds an OSC sequence, given as --db (it is a directory, not a file)."""
    path = root / f"incidents{ESC}]0;PWNED.db\x07"
    path.mkdir(exist_ok=True)
    return str(path)


def path_cases(root: Path, db: str) -> list[Case]:
    fifo = root / "a-fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    weird = {"escape": f"x{ESC}[2J{ESC}]0;t\x07.toml", "newline": "two\nlines.toml", "bidi": "\u202eevil.toml",
             "unicode": "конфиг-設定.toml", "no-such-user": "~nosuchuser-warroom/w.toml",
             "home-missing": "~/no-such-warroom-file.toml"}
    cases = [Case("cfg-fifo", ["--db", db, "--config", str(fifo), "run", KNOWN_ID], "reject", db),
             Case("alerts-fifo", ["--db", db, "ingest", "alertmanager", str(fifo)], "reject", db),
             Case("new-alerts-fifo", ["--db", db, "new", "t", "--no-tui", "--alerts", str(fifo)], "reject", db),
             Case("playbook-fifo", ["--db", db, "run", KNOWN_ID, "--playbook", str(fifo)], "reject", db),
             Case("evidence-fifo", ["--db", db, "new", "t", "--no-tui", "--evidence", str(fifo)], "reject", db)]
    for name, leaf in weird.items():
        missing = leaf if leaf.startswith("~") else str(root / leaf)
        cases += [
            Case(f"cfg-{name}", ["--db", db, "--config", missing, "run", KNOWN_ID], "reject", db),
            Case(f"alerts-{name}", ["--db", db, "ingest", "pagerduty", missing], "reject", db),
            Case(f"evidence-{name}", ["--db", db, "new", "t", "--no-tui", "--evidence", missing], "reject", db),
            Case(f"playbook-{name}", ["--db", db, "run", KNOWN_ID, "--playbook", missing], "reject", db),
        ]
    cases.append(Case("out-no-such-user", ["--db", db, "export", KNOWN_ID, "--out", "~nosuchuser-warroom/x"],
                      "reject", db))
    return cases


HOSTILE_REASONS = [f"{ESC}]0;PWNED{ESC}\\ title", f"{ESC}[2J{ESC}[H clear", "\x9b31m C1", f"{ESC}]8;;https://e.x\x07link",
                   "line\nbreak\rreturn", "\u202eevil"]


def echo_cases(db: str) -> list[Case]:
    """Commands that echo what they recorded: accepted, with nothing raw on stdout."""
    cases = []
    for i, text in enumerate(HOSTILE_REASONS):
        cases += [
            Case(f"echo-freeze-{i}", ["--db", db, "freeze", "--reason", text, "--id", f"FRZ-{i}"], "accept", db),
            Case(f"echo-regulator-{i}", ["--db", db, "regulator-notified", KNOWN_ID, text, "--reference", text],
                 "either", db),
            Case(f"echo-evidence-{i}", ["--db", db, "evidence-preserved", KNOWN_ID, "--details", text], "either", db),
            Case(f"echo-note-{i}", ["--db", db, "note", KNOWN_ID, text], "accept", db),
        ]
    return cases


USAGE_ERRORS = {
    "ingest-choice": (["ingest", "nagios", "x.json"], ["alertmanager", "pagerduty"]),
    "command-choice": (["nosuchcommand"], ["new", "list", "ingest"]),
    "severity-choice": (["new", "t", "--no-tui", "--severity", "P9"], ["P0", "P3"]),
    "escape-choice": (["ingest", f"{ESC}]0;x\x07", "x.json"], ["alertmanager"]),
    "missing-args": (["note"], ["ID"]),
    "missing-value": (["--db"], ["--db"]),
    "unknown-option": (["list", "--frobnicate"], ["--frobnicate"]),
    "actions-choice": (["actions", "frob"], ["done"]),
}


def usage_cases(db: str) -> list[Case]:
    return [Case(f"usage-{name}", ["--db", db, *argv], "reject", db, meta={"names": names})
            for name, (argv, names) in USAGE_ERRORS.items()]


def batch_payload(count: int, *, rule: str = "", group_key: str = "") -> str:
    """An Alertmanager payload of ``count`` firing alerts (one rule when ``rule`` is given)."""
    alerts = [{"status": "firing", "fingerprint": f"{i:016x}",
               "labels": {"alertname": rule or f"Rule{i % 97}", "instance": f"host-{i}", "severity": "critical",
                          "service": f"svc-{i % 13}"},
               "annotations": {"summary": f"alert {i}"}, "startsAt": "2026-11-23T09:00:00Z"} for i in range(count)]
    return json.dumps({"version": "4", "status": "firing", "receiver": "r", "groupKey": group_key or "{}:{}",
                       "alerts": alerts})


def batch_cases(root: Path, db_root: Path) -> list[Case]:
    cases = []
    for count in (1, 2, 100, 501, 2000):
        path = _write(root, f"batch-{count}.json", batch_payload(count))
        db = str(db_root / f"batch-{count}.db")
        cases.append(Case(f"batch-{count}", ["--db", db, "ingest", "alertmanager", path], "accept", db,
                          meta={"count": count}))
    return cases


def round_two_cases(root: Path, db: str) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    return [*timestamp_cases(root, db), *database_cases(root), *path_cases(root, db), *echo_cases(db),
            *usage_cases(db), *batch_cases(root, root)]
