"""``warroom export --format json``: the same record as one JSON document, pure and clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.data.export.conftest import ID, itil_timeline
from tests.data.export.test_hostile import SECRET_TOKEN, hostile_events
from warroom.data.export import render_json, write_json


def test_json_carries_the_review_the_timeline_and_the_action_items(itil_events) -> None:  # type: ignore[no-untyped-def]
    text = render_json(itil_events)
    assert text == render_json(list(itil_events))  # same events, same bytes
    doc = json.loads(text)
    assert doc["schema"] == "warroom.incident-record/1" and doc["incident_id"] == ID
    assert doc["severity"] == "P0" and doc["status"] == "CLOSED" and doc["duration_seconds"] == 45 * 60
    assert doc["review"]["root_cause"].startswith("A retry wrapper in v2.14.0")
    assert doc["review"]["impact"]["Users affected"] == "12,400 (8% of active users)"
    assert [a["id"] for a in doc["action_items"]] == ["AI-1", "AI-2", "AI-3"]
    assert doc["action_items"][1] | {"title": ""} == {
        "id": "AI-2", "item_id": "A2", "title": "", "owner": "dave", "due": "2026-12-18", "horizon": "medium",
        "type": None, "priority": None, "finding": None, "status": "open"}  # fmt: skip
    assert len(doc["timeline"]) == len([e for e in itil_events if e.kind != "agent.output"])
    assert {"at": "2026-11-23T09:30:00Z", "what": "Mitigation Rollback succeeded: checkout-api rolled back to v2.13.2"} in doc["key_events"]
    assert doc["stats"]["Time to resolve"] == "45m, SLA 2h: MET (1h 15m to spare)"


def test_json_strings_are_cleaned_where_they_leave_the_store() -> None:
    text = render_json(hostile_events())
    for secret in ("AKIAIOSFODNN7EXAMPLE", "hunter2", SECRET_TOKEN, "s3cr3tpw"):
        assert secret not in text
    assert "\\u001b" not in text and "\x1b" not in text
    json.loads(text)


def test_write_json_replaces_the_previous_file(tmp_path: Path) -> None:
    first = write_json("{}\n", tmp_path, ID)
    second = write_json('{"a": 1}\n', tmp_path, ID)
    assert first == second == tmp_path / f"{ID}.json"
    assert second.read_text() == '{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{ID}.json"]


async def test_cli_json_to_a_file_and_to_stdout(tmp_path: Path, store, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    await store.append_many([e.model_copy(update={"seq": 0}) for e in itil_timeline().events])
    base = [sys.executable, "-m", "warroom", "export", ID, "--db", str(db_path), "--format", "json"]
    out = tmp_path / "records"
    run = subprocess.run([*base, "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"exported {ID}: {out / (ID + '.json')}"
    printed = subprocess.run([*base, "--out", "-"], capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0 and printed.stdout == (out / f"{ID}.json").read_text()
    assert printed.stdout == render_json(await store.events(ID))
    markdown_to_stdout = subprocess.run([*base[:-2], "--out", "-"], capture_output=True, text=True, timeout=60)
    assert markdown_to_stdout.returncode == 2
    assert "--format json" in markdown_to_stdout.stderr and len(markdown_to_stdout.stderr.strip().splitlines()) == 1
