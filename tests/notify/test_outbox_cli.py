"""The outbox through the real command line: a decision command delivers what it queued and says so,
``warroom outbox`` lists and sends, and a sender SIGKILLed at any point loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.notify.receivers import HttpReceiver, SmtpReceiver

ROOT = Path(__file__).resolve().parents[2]
ENV = {"HOOK_SECRET": "cli-hook-secret-0123456789"}


def write_config(path: Path, http: HttpReceiver, smtp: SmtpReceiver | None = None) -> Path:
    text = f"""
[notify]
first_backoff = 0.2
max_backoff = 0.5
[notify.slack]
webhook_url = "{http.url}/slack"
audiences = ["internal", "management"]
timeout = 2.0
[notify.webhook]
url = "{http.url}/hook"
secret_env = "HOOK_SECRET"
events = ["status_update", "escalated", "acknowledged"]
timeout = 2.0
"""
    if smtp is not None:
        text += f"""
[notify.email]
host = "127.0.0.1"
port = {smtp.port}
from = "warroom@example.com"
security = "none"
to = {{ management = ["eng-managers@example.com"] }}
"""
    path.write_text(text)
    return path


def run(db: str | Path, config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, "WARROOM_ACTOR": "dana", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), "--config", str(config), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_an_update_from_the_command_line_is_delivered_and_said(tmp_path: Path, http_rx: HttpReceiver, smtp_rx: SmtpReceiver,
                                                               db_location: str | Path) -> None:  # fmt: skip
    db, config = db_location, write_config(tmp_path / "warroom.toml", http_rx, smtp_rx)
    assert run(db, config, "new", "Checkout down", "--no-tui").returncode == 0
    done = run(db, config, "update", "INC-2026-0001", "internal", "--text", "Rolling back v2.4.0")
    assert done.returncode == 0, done.stderr
    assert "Status update (internal): Rolling back v2.4.0" in done.stdout
    assert "delivered  slack (internal)" in done.stdout and "delivered  webhook status_update (internal)" in done.stdout
    escalated = run(db, config, "escalate", "INC-2026-0001", "management", "--reason", "revenue at risk")
    assert "delivered  email (management)" in escalated.stdout and "email to 1" in escalated.stdout, escalated.stdout
    assert len(smtp_rx.unique()) == 1 and len(http_rx.accepted("/slack")) == 2
    listed = json.loads(run(db, config, "outbox", "INC-2026-0001", "--json").stdout)
    assert {n["state"] for n in listed} == {"delivered"} and {n["channel"] for n in listed} == {"slack", "webhook", "email"}
    shown = run(db, config, "show", "INC-2026-0001").stdout
    assert "Management notified (email to 1)" in shown and "Internal update delivered (Slack)" in shown, shown


def test_a_receiver_that_is_down_leaves_the_message_waiting_and_outbox_send_delivers_it(tmp_path: Path, http_rx: HttpReceiver,
                                                                                        db_location: str | Path) -> None:  # fmt: skip
    db, config = db_location, write_config(tmp_path / "warroom.toml", http_rx)
    run(db, config, "new", "Checkout down", "--no-tui")
    http_rx.down = True
    done = run(db, config, "update", "INC-2026-0001", "internal", "--text", "first")
    assert done.returncode == 0 and "retrying   slack (internal) after 1 attempt(s): HTTP 503" in done.stdout, done.stdout
    waiting = run(db, config, "outbox", "--send")
    assert waiting.returncode == 3 and "retrying" in waiting.stdout
    http_rx.down = False
    sent = run(db, config, "outbox", "--send")
    assert sent.returncode == 0 and "retrying" not in sent.stdout, sent.stdout
    assert [r.json()["blocks"][1]["text"]["text"] for r in http_rx.accepted("/slack")] == ["first"]


def test_outbox_refuses_what_it_cannot_do_with_a_sentence(tmp_path: Path, http_rx: HttpReceiver) -> None:
    db, config = tmp_path / "w.db", write_config(tmp_path / "warroom.toml", http_rx)
    run(db, config, "new", "Checkout down", "--no-tui")
    nothing = run(db, config, "outbox", "--retry", "INC-2026-0001.slack.9.zz")
    assert nothing.returncode == 2 and "no given-up notification" in nothing.stderr
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    unsent = run(db, empty, "outbox", "--send")
    assert unsent.returncode == 2 and "no notification channel is configured" in unsent.stderr
    bad = run(db, config, "outbox", "INC-2026-../../etc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_a_sender_killed_at_any_point_loses_nothing_and_duplicates_nothing(tmp_path: Path, http_rx: HttpReceiver) -> None:
    db, config = tmp_path / "w.db", write_config(tmp_path / "warroom.toml", http_rx)
    asyncio.run(_queue_updates(db, config, 8))  # 16 notifications queued, none sent yet
    http_rx.delay = 0.08
    env = {**os.environ, **ENV, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "warroom", "--db", str(db), "--config", str(config), "outbox", "--send"]
    for point in range(20):  # SIGKILL after 0.35 s … 0.83 s: importing, reading, mid-request, between record and send
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.35 + 0.025 * point)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    for _ in range(5):
        if run(db, config, "outbox", "--send").returncode == 0:
            break
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, data FROM events WHERE kind LIKE 'notification.%'").fetchall()
    queued = {json.loads(d)["notification_id"] for k, d in rows if k == "notification.queued"}
    delivered = [json.loads(d)["notification_id"] for k, d in rows if k == "notification.delivered"]
    assert len(queued) == 16 and sorted(delivered) == sorted(queued), "a notification was lost or recorded delivered twice"
    keys = [r.headers["idempotency-key"] for r in http_rx.accepted()]
    assert sorted(keys) == sorted(queued), "the receiver did not get every notification once"
    texts = [r.json()["blocks"][1]["text"]["text"] for r in http_rx.accepted("/slack")]
    assert texts == [f"update {i:02d}" for i in range(8)], "not delivered in order"


async def _queue_updates(db: Path, config: Path, count: int) -> None:
    """``count`` internal updates published through a store that queues for ``config``'s channels (nothing sends)."""
    from datetime import datetime, timezone

    from warroom.data import events as ev
    from warroom.data.config import load_config
    from warroom.data.models import Audience
    from warroom.data.notify import attach_outbox
    from warroom.data.store import EventStore

    at = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    async with await EventStore.open(db) as store:
        attach_outbox(store, load_config(config))
        iid = (await store.declare(at, title="Checkout down")).incident_id
        for i in range(count):
            await store.append(ev.StatusUpdatePublished(incident_id=iid, at=at, actor="dana", audience=Audience.INTERNAL,
                                                        text=f"update {i:02d}"))  # fmt: skip
