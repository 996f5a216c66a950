"""The outbox end to end on a real store: published → queued in the same transaction → delivered to real
local receivers, with retries, order per channel, and one sender per database."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.notify.receivers import HttpReceiver, SmtpReceiver
from warroom.agents.outbox import Outbox
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.models import Audience, Level, Severity
from warroom.data.notify import OutboxPlan
from warroom.data.store import EventStore
from warroom.data.store_api import open_store as open_any_store

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
ENV = {"PD_KEY": "pd-routing-key-123", "SP_KEY": "sp-api-key-456", "HOOK_SECRET": "hook-signing-secret-789"}


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def config_for(http: HttpReceiver | None = None, smtp: SmtpReceiver | None = None, extra: str = "") -> str:
    parts = ["[notify]\nfirst_backoff = 2.0\nmax_attempts = 5\n"]
    if http is not None:
        parts.append(f"""
[notify.slack]
webhook_url = "{http.url}/slack"
audiences = ["internal", "management"]
timeout = 1.0
[notify.teams]
webhook_url = "{http.url}/teams"
audiences = ["internal"]
timeout = 1.0
[notify.pagerduty]
routing_key_env = "PD_KEY"
events_url = "{http.url}/pagerduty"
timeout = 1.0
[notify.statuspage]
api_url = "{http.url}/statuspage"
page_id = "page1"
api_key_env = "SP_KEY"
component_ids = ["comp1"]
timeout = 1.0
[notify.webhook]
url = "{http.url}/hook"
secret_env = "HOOK_SECRET"
timeout = 1.0
""")
    if smtp is not None:
        parts.append(f"""
[notify.email]
host = "127.0.0.1"
port = {smtp.port}
from = "warroom@example.com"
security = "none"
to = {{ management = ["eng-managers@example.com", "vp@example.com"], executive = ["cto@example.com"] }}
timeout = 2.0
""")
    return "\n".join(parts) + extra


async def open_store(path: Path | str, text: str) -> EventStore:
    store = await open_any_store(path)
    config = parse_config(text)
    store.outbox = OutboxPlan(config.notify, config.policy)
    return store


def outbox(store: EventStore, text: str, clock: Clock) -> Outbox:
    return Outbox(store, parse_config(text).notify, env=ENV, now=clock, jitter=lambda: 0.5)


async def declare(store: EventStore, severity: Severity = Severity.P1) -> str:
    return (await store.declare(T0, title="Checkout is down", severity=severity, impact=Level.HIGH, urgency=Level.HIGH,
                                service="checkout")).incident_id  # fmt: skip


def publish(incident_id: str, audience: Audience, text: str, at: datetime = T0) -> ev.StatusUpdatePublished:
    return ev.StatusUpdatePublished(incident_id=incident_id, at=at, actor="alice", audience=audience, text=text)


async def test_a_published_update_is_queued_with_it_and_delivered_to_every_channel(db_location: Path | str, http_rx: HttpReceiver,
                                                                                    smtp_rx: SmtpReceiver) -> None:  # fmt: skip
    text = config_for(http_rx, smtp_rx)
    clock = Clock()
    store = await open_store(db_location, text)
    try:
        iid = await declare(store)
        await store.append(publish(iid, Audience.INTERNAL, "Checkout errors at 40%; rolling back v2.4.0."))
        await store.append(ev.ManagementNotified(incident_id=iid, at=T0, actor="alice", reason="by key", message="Revenue at risk."))
        await store.append(publish(iid, Audience.STATUS_PAGE, "We are investigating failed checkouts."))
        queued = (await store.load(iid)).notifications
        assert {n.channel for n in queued.values()} == {"slack", "teams", "email", "pagerduty", "statuspage", "webhook"}
        report = await outbox(store, text, clock).send_due()
        assert report.failed == 0 and report.delivered == len(queued), report.errors
        state = await store.load(iid)
        assert all(n.state == "delivered" for n in state.notifications.values())
    finally:
        await store.close()
    slack = [r.json() for r in http_rx.accepted("/slack")]
    assert [b["text"].splitlines()[0] for b in slack] == [
        "[INC-2026-0001] P1 Checkout is down — Internal update", "[INC-2026-0001] P1 Checkout is down — management notification"]
    assert slack[0]["blocks"][0]["type"] == "header" and "rolling back v2.4.0" in slack[0]["blocks"][1]["text"]["text"]
    teams = http_rx.accepted("/teams")[0].json()
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    pd = [r.json() for r in http_rx.accepted("/pagerduty")]
    assert [(p["event_action"], p["dedup_key"], p["routing_key"]) for p in pd] == [("trigger", iid, ENV["PD_KEY"])]
    assert pd[0]["payload"]["severity"] == "critical" and pd[0]["payload"]["component"] == "checkout"
    public = list(http_rx.public.values())
    assert len(public) == 1 and public[0]["status"] == "investigating" and public[0]["impact_override"] == "major"
    assert public[0]["components"] == {"comp1": "major_outage"} and http_rx.accepted("/statuspage")[-1].headers["authorization"] == "OAuth sp-api-key-456"
    (mail,) = smtp_rx.unique()
    assert sorted(mail.recipients) == ["eng-managers@example.com", "vp@example.com"]
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed["Message-ID"].startswith(f"<{iid}.email.") and "Revenue at risk." in parsed.get_body(("plain",)).get_content()
    assert parsed.get_body(("html",)) is not None
    hooks = http_rx.accepted("/hook")
    assert [h.headers["x-warroom-event"] for h in hooks] == ["declared", "status_update", "escalated", "status_update"]
    for hook in hooks:  # the documented verification
        expected = hmac.new(ENV["HOOK_SECRET"].encode(), hook.headers["x-warroom-timestamp"].encode() + b"." + hook.body,
                            hashlib.sha256).hexdigest()  # fmt: skip
        assert hook.headers["x-warroom-signature"] == f"sha256={expected}"
        assert hook.headers["idempotency-key"] == hook.json()["id"]


async def test_pagerduty_and_the_status_page_follow_the_incident_to_resolution(tmp_path: Path, http_rx: HttpReceiver) -> None:
    text = config_for(http_rx)
    clock = Clock()
    store = await open_store(tmp_path / "w.db", text)
    try:
        iid = await declare(store, Severity.P2)  # not a paging severity: no trigger yet
        await store.append(ev.Acknowledged(incident_id=iid, at=T0, actor="alice"))
        await store.append(publish(iid, Audience.STATUS_PAGE, "We are investigating."))
        await store.append(ev.SeveritySet(incident_id=iid, at=T0, actor="alice", severity=Severity.P0, impact=Level.HIGH,
                                          urgency=Level.HIGH, reason="all regions"))  # fmt: skip
        await store.append(publish(iid, Audience.STATUS_PAGE, "A fix is being rolled out."))
        await store.append(ev.IncidentResolved(incident_id=iid, at=T0, actor="alice", resolution="rolled back v2.4.0 (internal note)",
                                               validation={"errors": "0.1%"}))  # fmt: skip
        report = await outbox(store, text, clock).send_due()
        assert report.failed == 0, report.errors
    finally:
        await store.close()
    actions = [r.json()["event_action"] for r in http_rx.accepted("/pagerduty")]
    assert actions == ["trigger", "acknowledge", "resolve"]  # raised to P0 after the ack: triggered, then acknowledged
    (public,) = http_rx.public.values()
    assert public["status"] == "resolved" and len(public["updates"]) == 3
    assert "internal note" not in " ".join(public["updates"]), "the resolution notes reached the status page"
    assert public["components"] == {"comp1": "operational"}


@pytest.mark.parametrize("failure", ["500", "429", "timeout", "close"])
async def test_a_receiver_that_fails_is_retried_with_backoff_until_it_takes_the_message(
        tmp_path: Path, http_rx: HttpReceiver, failure: str) -> None:  # fmt: skip
    text = config_for(http_rx)
    clock = Clock()
    store = await open_store(tmp_path / "w.db", text)
    try:
        iid = await declare(store, Severity.P3)
        http_rx.script.extend([failure, failure])  # the webhook's declared notice fails twice
        sender = outbox(store, text, clock)
        first = await sender.send_due()
        assert first.failed == 1 and first.delivered == 0
        n = next(iter((await store.load(iid)).notifications.values()))
        assert n.state == "retrying" and n.next_attempt_at is not None
        wait = (n.next_attempt_at - clock()).total_seconds()
        assert wait >= (1.0 if failure == "429" else 2.0)  # backoff (first_backoff 2 s), or Retry-After: 1
        assert (await sender.send_due()).delivered == 0, "retried before its time"
        clock.advance(wait)
        second = await sender.send_due()
        assert second.failed == 1
        clock.advance(10)
        assert (await sender.send_due()).delivered == 1
        n = next(iter((await store.load(iid)).notifications.values()))
        assert n.state == "delivered" and n.attempts == 3
        kinds = [e.kind for e in await store.events(iid)]
        assert kinds.count("notification.failed") == 2 and kinds.count("notification.delivered") == 1
    finally:
        await store.close()
    assert len(http_rx.accepted("/hook")) == 1


async def test_a_client_error_fails_at_once_with_the_receivers_words_and_is_retried_by_hand(tmp_path: Path, http_rx: HttpReceiver) -> None:
    text = config_for(http_rx)
    clock = Clock()
    store = await open_store(tmp_path / "w.db", text)
    try:
        iid = await declare(store, Severity.P3)
        http_rx.script.append("400")
        sender = outbox(store, text, clock)
        assert (await sender.send_due()).failed == 1
        (n,) = (await store.load(iid)).notifications.values()
        assert n.state == "failed" and n.last_status == 400 and "scripted failure" in n.last_error
        clock.advance(3600)
        assert (await sender.send_due()).delivered == 0, "a given-up notification was sent again by itself"
        await store.append(ev.NotificationRetried(incident_id=iid, at=clock(), actor="alice", notification_id=n.notification_id))
        assert (await sender.send_due()).delivered == 1
    finally:
        await store.close()


async def test_a_receiver_down_then_back_gets_every_message_in_order(tmp_path: Path, http_rx: HttpReceiver) -> None:
    text = config_for(http_rx)
    clock = Clock()
    store = await open_store(tmp_path / "w.db", text)
    try:
        iid = await declare(store, Severity.P3)
        http_rx.down = True
        sender = outbox(store, text, clock)
        for i in range(5):
            await store.append(publish(iid, Audience.INTERNAL, f"update {i}", T0 + timedelta(minutes=i)))
            await sender.send_due()
            clock.advance(2)
        assert not http_rx.accepted("/slack")
        http_rx.down = False
        for _ in range(10):
            clock.advance(30)
            await sender.send_due()
        state = await store.load(iid)
        assert all(n.state == "delivered" for n in state.notifications.values()), [n.state for n in state.notifications.values()]
    finally:
        await store.close()
    assert [r.json()["blocks"][1]["text"]["text"] for r in http_rx.accepted("/slack")] == [f"update {i}" for i in range(5)]


async def test_hostile_text_arrives_inert_and_secrets_never_reach_the_database(tmp_path: Path, http_rx: HttpReceiver,
                                                                               smtp_rx: SmtpReceiver) -> None:  # fmt: skip
    text = config_for(http_rx, smtp_rx)
    clock = Clock()
    db = tmp_path / "w.db"
    store = await open_store(db, text)
    try:
        iid = (await store.declare(T0, title="Pay <!channel> @here\r\nBcc: victim@example.com <b>x</b>", severity=Severity.P3)).incident_id
        hostile = "<!here> <@U123> <https://evil.example|click> @channel <script>alert(1)</script> token ghp_" + "a1B2" * 9
        await store.append(ev.ManagementNotified(incident_id=iid, at=T0, actor="alice", reason="by key", message=hostile))
        await store.append(publish(iid, Audience.INTERNAL, hostile))
        assert (await outbox(store, text, clock).send_due()).failed == 0
    finally:
        await store.close()
    for request in http_rx.accepted("/slack"):
        body = request.json()
        header, section, context = body["blocks"]
        assert header["text"]["type"] == "plain_text"  # Slack never parses mentions or links in plain_text
        for parsed_text in (body["text"], section["text"]["text"], context["elements"][0]["text"]):  # mrkdwn: parsed
            assert "<" not in parsed_text and ">" not in parsed_text, parsed_text
        assert "&lt;!channel&gt;" in body["text"] and "&lt;!here&gt;" in section["text"]["text"]
    for request in http_rx.accepted("/teams"):
        assert "<script>" not in request.body.decode() and "<at>" not in request.body.decode()
    (mail,) = smtp_rx.unique()
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed["Bcc"] is None and "\n" not in parsed["Subject"] and sorted(mail.recipients) == ["eng-managers@example.com", "vp@example.com"]
    assert "<script>" not in parsed.get_body(("html",)).get_content()
    everything = b"".join(r.body for r in http_rx.requests) + mail.data
    assert b"a1B2a1B2a1B2" not in everything, "a secret in the text left the machine"
    stored = db.read_bytes() + (db.with_name("w.db-wal").read_bytes() if db.with_name("w.db-wal").exists() else b"")
    for secret in ENV.values():
        assert secret.encode() not in stored


async def test_two_senders_on_one_database_never_both_send(db_location: Path | str, http_rx: HttpReceiver) -> None:
    text = config_for(http_rx)
    clock = Clock()
    store = await open_store(db_location, text)
    other = await open_any_store(db_location)
    try:
        iid = await declare(store, Severity.P3)
        first, second = outbox(store, text, clock), outbox(other, text, clock)
        http_rx.script.extend(["timeout"])  # the first sender is mid-send while the second looks
        import asyncio

        one, two = await asyncio.gather(first.send_due(), second.send_due())
        assert sorted([bool(one.busy), bool(two.busy)]) == [False, True]
        await first.release()
        for _ in range(3):
            clock.advance(60)
            await second.send_due()
        assert all(n.state == "delivered" for n in (await store.load(iid)).notifications.values())
    finally:
        await other.close()
        await store.close()
    assert len(http_rx.accepted("/hook")) == 1


async def test_the_exported_communications_say_where_each_message_was_delivered_or_why_not(
        tmp_path: Path, http_rx: HttpReceiver, smtp_rx: SmtpReceiver) -> None:  # fmt: skip
    from warroom.data.export import export_incident

    text = config_for(http_rx, smtp_rx)
    clock = Clock()
    store = await open_store(tmp_path / "w.db", text)
    try:
        iid = await declare(store, Severity.P3)
        await store.append(publish(iid, Audience.INTERNAL, "Rolling back."))
        smtp_rx.handler.refuse.update({"eng-managers@example.com", "vp@example.com"})
        await store.append(ev.ManagementNotified(incident_id=iid, at=T0, actor="alice", reason="by key", message="Revenue at risk."))
        await outbox(store, text, clock).send_due()
        events = await store.events(iid)
    finally:
        await store.close()
    out = export_incident(events, tmp_path / "out")
    internal = (out / "communications" / "initial-alert.md").read_text()  # the first internal update
    assert "slack: delivered 2026-12-03 12:00:00 UTC (Slack)" in internal and "teams: delivered" in internal
    management = (out / "communications" / "management-notification.md").read_text()
    assert "email: not delivered after 1 attempt(s): every recipient was refused (550)" in management, management
    timeline = (out / "timeline.md").read_text()
    assert "Internal update delivered (Slack)" in timeline and "Delivery to email failed (management, attempt 1)" in timeline


async def test_the_readmes_webhook_verification_accepts_a_real_delivery_and_refuses_a_forgery(tmp_path: Path, http_rx: HttpReceiver) -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (snippet,) = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "def verify" in b]
    scope: dict[str, object] = {}
    exec(snippet, scope)  # noqa: S102 - our own documentation, run as a reader would
    verify = scope["verify"]
    text = config_for(http_rx)
    store = await open_store(tmp_path / "w.db", text)
    try:
        await declare(store, Severity.P3)
        import time

        clock = Clock()
        clock.at = datetime.fromtimestamp(time.time(), timezone.utc)
        await outbox(store, text, clock).send_due()
    finally:
        await store.close()
    (hook,) = http_rx.accepted("/hook")
    headers = {"X-Warroom-Timestamp": hook.headers["x-warroom-timestamp"], "X-Warroom-Signature": hook.headers["x-warroom-signature"]}
    assert verify(ENV["HOOK_SECRET"].encode(), headers, hook.body)  # type: ignore[operator]
    assert not verify(b"another secret", headers, hook.body)  # type: ignore[operator]
    assert not verify(ENV["HOOK_SECRET"].encode(), headers, hook.body.replace(b"P3", b"P0"))  # type: ignore[operator]


async def test_a_receiver_echoing_the_request_puts_no_key_in_the_record_and_the_status_page_says_monitoring(
        tmp_path: Path, http_rx: HttpReceiver) -> None:  # fmt: skip
    text = config_for(http_rx)
    clock = Clock()
    db = tmp_path / "w.db"
    store = await open_store(db, text)
    try:
        iid = await declare(store)  # P1: PagerDuty is triggered
        http_rx.scripts["/pagerduty"] = deque(["echo"])  # the trigger is refused, quoting the routing key back
        await store.append(publish(iid, Audience.STATUS_PAGE, "Investigating."))
        await store.append(ev.MitigationExecuted(incident_id=iid, at=T0, actor="alice", strategy="rollback", outcome="succeeded",
                                                 details="v2.4.0 rolled back"))  # fmt: skip
        await store.append(publish(iid, Audience.STATUS_PAGE, "A fix has been applied; we are watching."))
        await outbox(store, text, clock).send_due()
        failed = [n for n in (await store.load(iid)).notifications.values() if n.state == "failed"]
    finally:
        await store.close()
    assert len(failed) == 1 and "[redacted: $PD_KEY]" in failed[0].last_error, failed
    wal = db.with_name("w.db-wal")
    assert ENV["PD_KEY"].encode() not in db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    (public,) = http_rx.public.values()
    assert public["status"] == "monitoring", public
