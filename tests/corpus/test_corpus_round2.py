"""Hostile corpus, round two (issue 18): every case ends as a result or one sentence, never a traceback.

The cases come from :mod:`tests.corpus.families` and run through the CLI's ``main`` in one
subprocess (``driver.py``), like the first round.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.conftest import T0
from tests.corpus.conftest import problems, run_batch, seed_target, unsafe
from tests.corpus.families import USAGE_ERRORS, round_two_cases
from warroom.data import events as ev
from warroom.data.store import EventStore


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.db"))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("corpus2")
    db = root / "warroom.db"
    asyncio.run(seed_target(db, note=False))
    cases = round_two_cases(root / "files", str(db))
    before = _digests(root / "files" / "dbs")
    results = run_batch([asdict(c) for c in cases], root)
    return {"cases": cases, "results": results, "db_before": before, "db_after": _digests(root / "files" / "dbs"),
            "db": db}


def _check(corpus: dict, prefix: str, minimum: int) -> list:
    chosen = [c for c in corpus["cases"] if c.name.startswith(prefix)]
    assert len(chosen) >= minimum, len(chosen)
    found = [p for c in chosen for p in problems(c.name, c.expect, corpus["results"][c.name])]
    assert not found, "\n".join(found[:30])
    return chosen


def _message(result: dict) -> str:
    return result["stderr"].strip().splitlines()[-1]


def test_timestamps_at_the_edges_of_every_date_field(corpus: dict) -> None:
    chosen = _check(corpus, "ts-", 100)
    fields = {c.meta["field"] for c in chosen if "field" in c.meta}
    assert {"startsAt", "endsAt", "timestamp", "occurred_at", "created_at"} <= fields, fields
    for case in chosen:
        result = corpus["results"][case.name]
        if case.expect == "reject" and case.name.startswith("ts-ingest-"):
            assert case.meta["field"] in _message(result), (case.name, _message(result))


def test_foreign_and_corrupted_databases_are_refused_and_left_untouched(corpus: dict) -> None:
    chosen = _check(corpus, "db-", 90)
    assert corpus["db_after"] == corpus["db_before"]
    for case in chosen:
        message = _message(corpus["results"][case.name])
        if case.meta["db"] in ("blob-data", "blob-garbage", "text-not-json", "null-bytes-text"):
            assert "row 1 of events is not JSON" in message, (case.name, message)
        if case.meta["db"] in ("integer-data", "json-not-object"):
            assert "row 1 of events is JSON but not an object" in message, (case.name, message)
        if case.meta["db"] == "unknown-kind":
            assert "row 2 of events has the unknown kind 'alien.kind'" in message, (case.name, message)
        if case.meta["db"] == "newer-schema":
            assert "newer warroom" in message


def test_database_paths_that_cannot_hold_a_database(corpus: dict) -> None:
    chosen = _check(corpus, "dbpath-", 20)
    for case in chosen:
        message = _message(corpus["results"][case.name])
        assert "Event loop" not in message and "home directory." not in message, message
    assert "nosuchuser-warroom" in _message(corpus["results"]["dbpath-no-such-user-list"])
    assert "is a directory" in _message(corpus["results"]["dbpath-escape-dir-list"])  # quoted, the escape removed


def test_fifos_control_characters_and_home_forms_in_paths(corpus: dict) -> None:
    _check(corpus, "cfg-", 7)
    _check(corpus, "alerts-", 7)
    _check(corpus, "evidence-", 7)
    _check(corpus, "playbook-", 7)
    _check(corpus, "new-alerts-fifo", 1)
    _check(corpus, "out-no-such-user", 1)
    assert "regular file" in _message(corpus["results"]["cfg-fifo"])


def test_echoed_reasons_are_stripped_on_stdout(corpus: dict) -> None:
    chosen = _check(corpus, "echo-", 20)
    echoed = "".join(corpus["results"][c.name]["stdout"] for c in chosen)
    assert " title" in echoed and " clear" in echoed and "C1" in echoed  # the text is echoed, its sequences are not
    assert not unsafe(echoed)


def test_usage_errors_are_one_sentence_naming_the_valid_choices(corpus: dict) -> None:
    chosen = _check(corpus, "usage-", len(USAGE_ERRORS))
    for case in chosen:
        result = corpus["results"][case.name]
        lines = [line for line in result["stderr"].splitlines() if line.strip()]
        assert len(lines) == 1 and "usage:" not in lines[0], result["stderr"]
        for name in case.meta["names"]:
            assert name in lines[0], (case.name, lines[0])


def test_alert_batches_of_growing_size(corpus: dict) -> None:
    chosen = _check(corpus, "batch-", 5)
    for case in chosen:
        with sqlite3.connect(case.db) as conn:
            alerts = conn.execute("SELECT count(*) FROM events WHERE kind = 'alert.received'").fetchone()[0]
        conn.close()
        assert alerts == case.meta["count"], (case.name, alerts)


def test_one_damaged_row_lists_the_others_and_names_the_damaged_incident(tmp_path: Path) -> None:
    db = tmp_path / "w.db"

    async def seed() -> list[str]:
        async with await EventStore.open(db) as store:
            ids = [(await store.declare(T0, title=f"incident {n}", actor="t")).incident_id for n in range(3)]
            await store.append(ev.NoteAdded(incident_id=ids[1], at=T0, actor="t", text="later"))
            return ids

    ids = asyncio.run(seed())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET data = CAST(data AS BLOB) WHERE incident_id = ? AND kind = 'note.added'",
                     (ids[1],))
    conn.close()
    results = run_batch([{"name": name, "argv": ["--db", str(db), *argv], "db": str(db)} for name, argv in
                         {"list": ["list"], "json": ["list", "--json"], "note": ["note", ids[1], "x"],
                          "other": ["note", ids[0], "fine"]}.items()], tmp_path)
    listed = results["list"]
    assert listed["rc"] == 2 and not listed["crash"]
    assert ids[0] in listed["stdout"] and ids[2] in listed["stdout"] and ids[1] not in listed["stdout"]
    assert ids[1] in listed["stderr"] and "row 4 of events is not JSON" in listed["stderr"]
    assert ids[0] in results["json"]["stdout"] and results["json"]["rc"] == 2
    assert results["note"]["rc"] == 2 and results["note"]["after"] == results["note"]["before"]
    assert results["other"]["rc"] == 0  # the undamaged incidents are still written to
