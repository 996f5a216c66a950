"""Secrets and control characters are removed where events enter the store, whatever path wrote them."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data import events as ev
from warroom.data.fold import InvalidEvent
from warroom.data.models import NormalisedAlert
from warroom.data.store import EventStore

AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
GHP = "ghp_" + "Zq3" * 12
AWS = "AKIA" + "Q7RTZ2WXY4V3N6PM"
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\u202e"


def _file_text(path: Path) -> str:
    """Everything the database file and its WAL hold, as text."""
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return raw.decode("utf-8", "replace")


async def test_every_text_field_is_stored_redacted_and_without_control_characters(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    async with await EventStore.open(db) as store:
        declared = await store.declare(
            AT, title=f"checkout down {HOSTILE}\nINC-2026-9999  P0  fake row", summary=f"token {GHP}\nsecond line"
        )
        iid = declared.incident_id
        await store.append(ev.NoteAdded(incident_id=iid, at=AT, actor=f"eve{HOSTILE}", text=f"key {AWS}\n{HOSTILE}"))
        alert = NormalisedAlert(
            source="alertmanager", fingerprint="f1", title=f"High {HOSTILE}", started_at=AT, severity="P1",
            labels={"alertname": "X", "password": "hunter2hunter2"}, annotations={"summary": f"curl {GHP}"},
            raw={"nested": [{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}]},
        )  # fmt: skip
        await store.append(ev.AlertReceived(incident_id=iid, at=AT, alert=alert))
        await store.append_many(
            [ev.StatusUpdatePublished(incident_id=iid, at=AT, audience="internal", text=f"rotated {GHP}")]
        )
        state = await store.load(iid)
    for secret in (GHP, AWS, "hunter2hunter2", "dXNlcjpwYXNzd29yZA=="):
        assert secret not in _file_text(db)
    text = _file_text(db)
    assert "[redacted: github-token …" in text and "[redacted: aws-access-key …" in text
    with sqlite3.connect(db) as conn:
        rows = " ".join(f"{actor} {data}" for actor, data in conn.execute("SELECT actor, data FROM events"))
    for control in ("\x1b", "\x07", "\u202e", "\\u001b", "\\u0007", "\\u202e", "\\u202E"):
        assert control not in rows
    # one-line fields lose their line breaks; multi-line ones keep them
    assert "\n" not in state.title and state.title.startswith("checkout down ")
    assert state.summary.endswith("\nsecond line")
    assert "eveclick" in rows and "High click" in rows


async def test_what_other_writers_read_back_equals_what_the_writer_holds(tmp_path: Path) -> None:
    async with await EventStore.open(tmp_path / "w.db") as store:
        declared = await store.declare(AT, title=f"t {GHP}")
        stored = await store.append(ev.NoteAdded(incident_id=declared.incident_id, at=AT, text=f"a\r\nb {AWS}"))
        assert stored.text == "a\nb " + stored.text.split("b ", 1)[1] and AWS not in stored.text
    async with await EventStore.open(tmp_path / "w.db") as again:
        events = await again.events(declared.incident_id)
    assert [e.model_dump() for e in events] == [declared.model_dump(), stored.model_dump()]


@pytest.mark.parametrize("text", ["\x1b[2J", " \x07\x1b]0;x\x07 ", "\u202e\u2066", "\x00\x01\n\t "])
async def test_a_note_or_title_empty_once_stripped_is_refused_and_nothing_is_stored(tmp_path: Path, text: str) -> None:
    async with await EventStore.open(tmp_path / "w.db") as store:
        with pytest.raises(InvalidEvent, match="empty once control characters"):
            await store.declare(AT, title=text)
        declared = await store.declare(AT, title="real")
        with pytest.raises(InvalidEvent, match="the text is empty"):
            await store.append(ev.NoteAdded(incident_id=declared.incident_id, at=AT, text=text))
        assert [e.kind for e in await store.events(declared.incident_id)] == ["incident.declared"]
        assert await store.incident_ids() == [declared.incident_id]


async def test_a_value_the_markers_make_too_long_is_refused_with_a_reason(tmp_path: Path) -> None:
    async with await EventStore.open(tmp_path / "w.db") as store:
        with pytest.raises(InvalidEvent, match="title is not valid once secrets are redacted"):
            await store.declare(AT, title=" ".join(["password=x"] * 45))
        assert await store.incident_ids() == []


def _events_holding(text: str) -> list[ev.BaseEvent]:
    """``text`` in every kind of place an event keeps text: a note, a title, an alert's labels, annotations
    (as value and as key) and nested raw payload."""
    alert = NormalisedAlert(
        source="alertmanager", fingerprint="f1", title=text[:500] or "t", started_at=AT, severity="P2",
        labels={"alertname": "X", "pod": text}, annotations={"description": text, text[:60] or "k": "v"},
        raw={"alerts": [{"labels": {"note": text}, "values": [1, 2.5, None, text]}]},
    )  # fmt: skip
    return [
        ev.NoteAdded(incident_id="INC-2026-0001", at=AT, actor="bob", text=text or "x"),
        ev.IncidentDeclared(incident_id="INC-2026-0001", at=AT, actor="am", title=text[:500] or "t", summary=text),
        ev.AlertReceived(incident_id="INC-2026-0001", at=AT, actor="alertmanager", alert=alert),
    ]


def _texts() -> list[str]:
    from tests.corpus.secret_kinds import LOOK_ALIKES, corpus

    plain = ["checkout-api 5xx above 2%", "pod api-1234 is crash looping", "a\tb", "two\nlines", "kube-state-metrics-7d9f8"]
    hostile = [HOSTILE, "title\r\nfake row", "\u202eevil", "tab\tin a title", "   ", "\x00nul", "\x85next line"]
    return plain + hostile + list(LOOK_ALIKES) + [text for _kind, text, _secret in corpus()]


@pytest.mark.parametrize("text", _texts())
def test_the_fast_check_never_clears_an_event_that_cleaning_would_change(text: str) -> None:
    from warroom.data.entry import _already_clean, _cleaned

    for event in _events_holding(text):
        if _already_clean(event):
            assert _cleaned(event) == event, (type(event).__name__, text)


def test_the_fast_check_clears_ordinary_alerts_and_catches_secrets_under_key_names() -> None:
    from warroom.data.entry import _already_clean

    assert all(_already_clean(e) for e in _events_holding("pod api-1234 is crash looping"))
    alert = NormalisedAlert(source="alertmanager", fingerprint="f1", title="t", started_at=AT, severity="P2",
                            labels={"db_password": "plain-looking-value"})  # fmt: skip
    event = ev.AlertReceived(incident_id="INC-2026-0001", at=AT, actor="alertmanager", alert=alert)
    assert not _already_clean(event)
    assert "plain-looking-value" not in ev.AlertReceived.model_dump_json(clean_event_of(event))


def clean_event_of(event: ev.BaseEvent) -> ev.BaseEvent:
    from warroom.data.entry import clean_event

    return clean_event(event)
