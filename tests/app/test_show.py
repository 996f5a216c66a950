"""``warroom show``: the last rows by default with a line for the hidden ones, ``--tail/--since/--kind``, errors."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from warroom.app import cli
from warroom.app.commands.show import row_line
from warroom.data import events as ev
from warroom.data.models import NormalisedAlert, Severity
from warroom.data.store_api import open_store

ID = "INC-2026-0001"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _events(runs: int = 10, chunks: int = 90) -> list[ev.BaseEvent]:
    """An incident with streamed runs, notes between chunks and an alert; events 500 ms apart."""
    out: list[ev.BaseEvent] = []

    def add(cls: type[ev.BaseEvent], **fields: Any) -> None:
        out.append(cls(incident_id=ID, at=T0 + timedelta(milliseconds=500 * len(out)), actor="alice", **fields))

    add(ev.IncidentDeclared, title="Checkout down", severity=Severity.P1)
    add(ev.AlertReceived, alert=NormalisedAlert(source="alertmanager", fingerprint="f", title="5xx", severity=Severity.P1))
    for r in range(runs):
        add(ev.AgentStepStarted, run_id=f"r{r}", step_id="triage")
        for k in range(chunks):
            add(ev.AgentStepOutput, run_id=f"r{r}", text=f"chunk {k} of run {r}\n")
            if k % 3 == 0:
                add(ev.NoteAdded, text=f"note {len(out)} \x1b[31mred\x1b[0m")
        add(ev.AgentStepFinished, run_id=f"r{r}", output="done")
    return out


@pytest.fixture
def seeded(db_location: str | Path) -> tuple[list[str], list[ev.BaseEvent]]:
    """The incident stored once per engine (a SQLite file, a PostgreSQL database)."""
    db = db_location

    async def seed() -> list[ev.BaseEvent]:
        async with await open_store(db) as store:
            await store.append_many(_events())
            return await store.events(ID)

    stored = asyncio.run(seed())
    return ["--db", str(db)], stored


def _show(capsys: Any, db: list[str], *argv: str) -> tuple[int, list[str], str]:
    code = cli.main(["show", ID, *db, *argv])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    rows = lines[lines.index("timeline:") + 1 :] if "timeline:" in lines else lines
    return code, rows, captured.err


def _rows(events: list[ev.BaseEvent]) -> list[str]:
    return [row_line(e) for e in events]


def test_default_is_the_last_200_rows_with_a_line_for_the_hidden(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    timeline = [e for e in stored if e.kind != "agent.output"]
    code, rows, _ = _show(capsys, db)
    assert code == 0
    hidden = len(timeline) - 200
    assert rows[0] == f"  … {hidden:,} earlier rows hidden (--tail 0 shows every row; --since TIME or --kind KIND narrows them)"
    assert rows[1:] == _rows(timeline[-200:])
    assert all("Agent output" not in row and "\x1b" not in row for row in rows)


def test_tail_zero_prints_every_row_in_order(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    code, rows, _ = _show(capsys, db, "--tail", "0")
    assert code == 0 and rows == _rows([e for e in stored if e.kind != "agent.output"])


def test_kind_and_tail(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    notes = [e for e in stored if e.kind == "note.added"]
    code, rows, _ = _show(capsys, db, "--kind", "note", "--tail", "5")
    assert code == 0 and rows[1:] == _rows(notes[-5:]) and f"{len(notes) - 5:,} earlier rows hidden" in rows[0]
    code, rows, _ = _show(capsys, db, "--kind", "agent.output,alert", "--tail", "0")  # chunks when asked for by name
    assert rows == _rows([e for e in stored if e.kind in ("agent.output", "alert.received")])
    assert "Agent output (" in rows[-1]


def test_since_includes_a_row_exactly_at_the_time(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    since = T0 + timedelta(seconds=100)  # an event is exactly here; its neighbours are 500 ms either side
    assert any(e.at == since for e in stored)
    code, rows, _ = _show(capsys, db, "--since", "2026-11-23T09:01:40Z", "--tail", "0")
    assert code == 0 and rows == _rows([e for e in stored if e.kind != "agent.output" and e.at >= since])
    code, rows, _ = _show(capsys, db, "--since", "2026-11-23T10:01:40+01:00", "--tail", "3")  # the same instant
    expected = [e for e in stored if e.kind != "agent.output" and e.at >= since]
    assert rows[1:] == _rows(expected[-3:]) and f"{len(expected) - 3:,} earlier rows hidden" in rows[0]
    code, rows, _ = _show(capsys, db, "--since", "2026-11-24")  # after everything: no rows, nothing hidden
    assert code == 0 and rows == []


def test_fewer_rows_than_the_tail_hides_nothing(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    code, rows, _ = _show(capsys, db, "--kind", "alert.received")
    assert code == 0 and rows == _rows([e for e in stored if e.kind == "alert.received"])


@pytest.mark.parametrize("argv, words", [
    (["--tail", "-1"], "--tail '-1' is not a number of rows"),
    (["--tail", "ten"], "--tail 'ten' is not a number of rows"),
    (["--tail", "\x1b[2J9"], "not a number of rows"),
    (["--since", "yesterday"], "--since 'yesterday' is not a time"),
    (["--since", "2026-13-45"], "is not a time"),
    (["--kind", "nonsense"], "--kind 'nonsense' is not an event kind or family"),
    (["--kind", ","], "--kind is empty"),
    (["--json", "--tail", "5"], "--json prints the whole state"),
])  # fmt: skip
def test_bad_values_are_one_sentence_and_exit_2(seeded: Any, capsys: Any, argv: list[str], words: str) -> None:
    db, _ = seeded
    code, _, err = _show(capsys, db, *argv)
    assert code == 2 and err.startswith("warroom: ") and err.count("\n") == 1 and words in err
    assert "\x1b" not in err


def test_json_is_the_whole_state(seeded: Any, capsys: Any) -> None:
    db, stored = seeded
    code = cli.main(["show", ID, *db, "--json"])
    state = json.loads(capsys.readouterr().out)
    assert code == 0 and state["event_count"] == len(stored) and state["last_seq"] == stored[-1].seq
    assert sum(run["chunks"] for run in state["runs"].values()) == sum(e.kind == "agent.output" for e in stored)
