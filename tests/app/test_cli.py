"""The ``warroom`` command line, run for real as ``python -m warroom`` in subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "data" / "payloads"
SAMPLE = ROOT / "warroom" / "data" / "alerts" / "samples" / "alertmanager-checkout.json"


def warroom(db: str | Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    # WARROOM_DB points elsewhere (for a URL: the test's default file): only --db may decide which store is used
    other = db.with_name("other.db") if isinstance(db, Path) else Path(os.environ["WARROOM_DB"])
    env = {**os.environ, "WARROOM_ACTOR": "dana", "PYTHONIOENCODING": "utf-8", "WARROOM_DB": str(other)}
    result = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(db), *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def fails(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.startswith("warroom: ") and result.stderr.count("\n") == 1  # one sentence, one line


def digest(db: Path) -> str:
    """The database's bytes (with its WAL, if any) as one hash."""
    h = hashlib.sha256()
    for path in (db, db.with_name(db.name + "-wal")):
        h.update(path.read_bytes() if path.exists() else b"<absent>")
    return h.hexdigest()


def test_ingest_then_list_then_show(db_location: str | Path) -> None:
    out = warroom(db_location, "ingest", "alertmanager", str(SAMPLE))
    assert out.returncode == 0 and out.stdout.startswith("INC-")
    incident_id = out.stdout.split()[0]
    assert "declared" in out.stdout
    resolved = warroom(db_location, "ingest", "alertmanager", str(PAYLOADS / "alertmanager-resolved.json"))
    assert resolved.stdout.split()[:2] == [incident_id, "updated"]

    listed = json.loads(warroom(db_location, "list", "--json").stdout)
    assert [(r["id"], r["severity"], r["impact"], r["urgency"], r["alerts"]) for r in listed] == [
        (incident_id, "P1", "HIGH", "MEDIUM", 2)
    ]
    assert listed[0]["detection_method"] == "alertmanager" and listed[0]["service"] == "checkout"

    note = warroom(db_location, "note", incident_id, "rolled back checkout-api to v2.40.3")
    assert note.returncode == 0
    shown = warroom(db_location, "show", incident_id).stdout
    timeline = shown.split("timeline:\n")[1].splitlines()
    assert "Incident declared" in timeline[0]
    assert "Alert firing" in timeline[1] and "Alert resolved" in timeline[2]
    assert "Note: rolled back checkout-api" in timeline[3]
    assert "severity P1 (impact HIGH, urgency MEDIUM)" in shown


def test_ingest_pagerduty_from_stdin(db_location: str | Path) -> None:
    out = warroom(db_location, "ingest", "pagerduty", "-", stdin=(PAYLOADS / "pagerduty-v2-trigger.json").read_bytes())
    assert out.returncode == 0 and "declared" in out.stdout
    again = warroom(db_location, "ingest", "pagerduty", str(PAYLOADS / "pagerduty-v3-triggered.json"))
    assert again.stdout.split()[:2] == [out.stdout.split()[0], "updated"]


def test_new_with_alerts_list_open_and_terminal_safe_show(db_location: str | Path) -> None:
    out = warroom(db_location, "new", "Checkout \x1b[31mdown\x1b]8;;http://evil\x07", "--alerts", str(SAMPLE), "--service",
                  "checkout", "--guidance", "tight SLA", "--no-tui")  # fmt: skip
    assert out.returncode == 0, out.stderr
    incident_id = out.stdout.strip()
    [row] = json.loads(warroom(db_location, "list", "--json", "--open").stdout)
    assert row["id"] == incident_id and row["severity"] == "P1" and row["alerts"] == 1  # from the alert
    shown = warroom(db_location, "show", incident_id).stdout
    assert "\x1b" not in shown and "\x07" not in shown
    assert "Checkout down" in shown
    # the alert's key is bound: the resolve lands on this incident
    resolved = warroom(db_location, "ingest", "alertmanager", str(PAYLOADS / "alertmanager-resolved.json"))
    assert resolved.stdout.split()[:2] == [incident_id, "updated"]


def test_new_without_no_tui_still_prints_the_id(db_location: str | Path) -> None:
    out = warroom(db_location, "new", "Search slow", "--severity", "P3")
    assert out.returncode == 0 and out.stdout.strip() == "INC-" + out.stdout.strip()[4:]
    assert "P3" in warroom(db_location, "list").stdout


BAD_PAYLOADS = [
    (b"", "is empty"),
    (b'{"version": "4", "alerts": [{"status": "firing", "labels": {"severity": 3}}]}',
     "alerts[0].labels.severity must be text, got a number"),
    (b'{"version": "4", "alerts": [', "is not valid JSON"),
    (b'{"version": "5", "alerts": []}', "version '5' is not supported"),
    (b'{"version": "4", "version": "4", "alerts": []}', "the key 'version' twice"),
    (b'{"version": "4", "alerts": [{"status": "firing", "labels": {}, "x": NaN}]}', "NaN"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff", "not UTF-8"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b'{"alerts": [{"status": "firing", "labels": {}}]}', "version is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "message"), BAD_PAYLOADS, ids=[m.split()[-1] for _, m in BAD_PAYLOADS])
def test_malformed_payload_writes_nothing(tmp_path: Path, db_path: Path, payload: bytes, message: str) -> None:
    warroom(db_path, "ingest", "alertmanager", str(SAMPLE))
    before = digest(db_path)
    bad = tmp_path / "bad.json"
    bad.write_bytes(payload)
    fails(warroom(db_path, "ingest", "alertmanager", str(bad)), message)
    if message in ("is empty", "nested too deeply", "the key 'version' twice"):  # --alerts reads the same way
        fails(warroom(db_path, "new", "From bad alerts", "--alerts", str(bad), "--no-tui"), message)
    assert digest(db_path) == before
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM events").fetchone() == (2,)


def test_malformed_stdin_on_a_fresh_path_creates_no_database(db_path: Path) -> None:
    fails(warroom(db_path, "ingest", "pagerduty", "-", stdin=b""), "standard input is empty")
    fails(warroom(db_path, "ingest", "pagerduty", "-", stdin=b'{"event_action": "trigger"}'), "routing_key is missing")
    assert not db_path.exists()


def test_oversized_payload_refused(tmp_path: Path, db_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    fails(warroom(db_path, "ingest", "alertmanager", str(big)), "larger than the 5 MiB limit")
    assert not db_path.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "../../etc/passwd"), "path separator"),
        (("show", "INC-2026-0099"), "no incident INC-2026-0099"),
        (("note", "INC-2026-0099", "hello"), "no incident INC-2026-0099"),
        (("note", "INC-2026-0001", "  "), "the note is empty"),
        (("new", " ", "--no-tui"), "the title is empty"),
        (("ingest", "alertmanager", "/nonexistent/alerts.json"), "No such file"),
    ],
)
def test_user_errors_are_one_sentence(db_path: Path, args: tuple[str, ...], message: str) -> None:
    warroom(db_path, "new", "Something", "--no-tui")
    fails(warroom(db_path, *args), message)


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not a database at all\n" * 10)
    fails(warroom(db, "list"), "is not an SQLite database")
    assert db.read_bytes() == b"this is not a database at all\n" * 10


def test_truncated_database_is_a_clear_error(db_path: Path) -> None:
    for i in range(3):
        warroom(db_path, "ingest", "alertmanager", str(SAMPLE))
    with sqlite3.connect(db_path) as db:
        db.executemany("INSERT INTO events (incident_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)",
                       [("INC-2026-0001", "2026-11-23T09:00:00+00:00", "x", "note.added", json.dumps({"text": "y" * 500}))
                        for _ in range(300)])  # fmt: skip
    db.close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    result = warroom(db_path, "list")
    fails(result, "damaged")
    assert db_path.read_bytes() == data[: len(data) // 2]


def test_list_names_a_damaged_incident_and_lists_the_others(db_path: Path) -> None:
    first = warroom(db_path, "new", "Checkout 5xx", "--no-tui").stdout.strip()
    second = warroom(db_path, "new", "Search latency", "--no-tui").stdout.strip()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE events SET data = '{not json' WHERE incident_id = ?", (first,))
    listed = warroom(db_path, "list")
    assert listed.returncode == 2 and "Traceback" not in listed.stderr
    assert second in listed.stdout and "Search latency" in listed.stdout and first not in listed.stdout
    assert f"{first} cannot be read" in listed.stderr and "row " in listed.stderr and "is not JSON" in listed.stderr
    as_json = warroom(db_path, "list", "--json")
    assert [row["id"] if "id" in row else row["incident_id"] for row in json.loads(as_json.stdout)] == [second]
