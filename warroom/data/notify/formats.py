"""What each receiver is sent for one queued notification: the body its API expects. Pure.

Every text is already redacted (it passed the store's entry cleaning as a ``NotificationQueued``);
here it is made inert for the receiver: Slack's ``<!channel>``-style control sequences and Teams'
``<at>`` mentions are escaped, HTML is escaped in the email's HTML part, and header values lose
their line breaks (no header injection through a title).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from warroom.data import events as ev

__all__ = [
    "STATUSPAGE_IMPACT", "email_message", "header_text", "pagerduty_body", "signature", "slack_body", "statuspage_body",
    "statuspage_status", "teams_body", "webhook_body",
]  # fmt: skip

_SLACK_TEXT_MAX = 2900  # a section block holds 3,000 characters
PAGERDUTY_SEVERITY = {"P0": "critical", "P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}
STATUSPAGE_IMPACT = {"P0": "critical", "P1": "major", "P2": "minor", "P3": "none", "P4": "none"}
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]+")


def header_text(value: str, limit: int = 250) -> str:
    """One line for a header or a title: line breaks become spaces, then it is shortened."""
    line = _LINE_BREAKS.sub(" ", value).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _slack_escape(text: str) -> str:
    # Slack's only control characters: <!here>, <@U…>, <#C…>, <url|label> all need "<".
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_body(n: ev.NotificationQueued) -> dict[str, Any]:
    """Block Kit with a plain-text fallback (``text``); mentions and links in the text stay inert."""
    subject = _slack_escape(header_text(n.subject, 150))
    text = _slack_escape(n.text.strip()) or "(no text)"
    return {
        "text": _clip(f"{subject}\n{text}", 3000),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header_text(n.subject, 150), "emoji": False}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, _SLACK_TEXT_MAX), "verbatim": True}},
            {"type": "context", "elements": [{"type": "mrkdwn", "verbatim": True, "text": _clip(_slack_escape(
                f"{n.incident_id} · {n.severity} · {n.status.lower()} · {n.audience.replace('_', ' ')}"), 300)}]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }  # fmt: skip


def _teams_escape(text: str) -> str:
    # Adaptive Card text is a Markdown subset, and <at>…</at> is a mention: neither may come from the text.
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|~])", r"\\\1", text)


def teams_body(n: ev.NotificationQueued) -> dict[str, Any]:
    """A message carrying one Adaptive Card (what a Teams workflow webhook posts to a channel)."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": _teams_escape(header_text(n.subject, 200)), "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": _teams_escape(_clip(n.text.strip(), 20_000)) or "(no text)", "wrap": True},
            {"type": "FactSet", "facts": [
                {"title": "Incident", "value": n.incident_id}, {"title": "Severity", "value": _teams_escape(n.severity)},
                {"title": "Status", "value": _teams_escape(n.status.lower())}, {"title": "For", "value": n.audience.replace("_", " ")},
            ]},
        ],
    }  # fmt: skip
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def email_message(n: ev.NotificationQueued, sender: str, recipients: list[str]) -> EmailMessage:
    """A plain-text and HTML email whose ``Message-ID`` is the notification's (a resend is the same message)."""
    message = EmailMessage()
    message["Subject"] = header_text(n.subject, 200)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(n.at.timestamp(), usegmt=True)
    message["Message-ID"] = f"<{n.notification_id}@warroom>"
    message["X-Warroom-Incident"] = n.incident_id
    text = n.text.strip() or "(no text)"
    message.set_content(f"{text}\n\n-- \n{n.incident_id} · {n.severity} · {n.status.lower()}\n")
    body = "<br>\n".join(html.escape(line) for line in text.splitlines())
    message.add_alternative(
        f"<!doctype html><html><body><h3>{html.escape(header_text(n.subject, 200))}</h3><p>{body}</p>"
        f"<p style=\"color:#666\">{html.escape(n.incident_id)} · {html.escape(n.severity)} · {html.escape(n.status.lower())}</p>"
        "</body></html>\n",
        subtype="html",
    )  # fmt: skip
    return message


def pagerduty_body(n: ev.NotificationQueued, routing_key: str) -> dict[str, Any]:
    """An Events API v2 event; the incident id is the dedup key, so trigger, acknowledge and resolve meet."""
    body: dict[str, Any] = {"routing_key": routing_key, "event_action": n.action, "dedup_key": n.incident_id}
    if n.action == "trigger":
        body["payload"] = {
            "summary": header_text(n.subject, 1024),
            "source": "warroom",
            "severity": PAGERDUTY_SEVERITY.get(n.severity, "error"),
            "component": header_text(n.service, 200) or None,
            "group": n.incident_id,
            "class": "incident",
            "custom_details": {"incident": n.incident_id, "status": n.status, "severity": n.severity,
                               "summary": _clip(n.text, 10_000)},  # fmt: skip
        }
        body["payload"] = {k: v for k, v in body["payload"].items() if v is not None}
    return body


def statuspage_status(n: ev.NotificationQueued) -> str:
    """Our state said in Statuspage's words: investigating, identified, monitoring, resolved."""
    if n.action == "resolve" or n.status in ("RESOLVED", "CLOSED"):
        return "resolved"
    if n.monitoring:  # the mitigation succeeded and is being watched
        return "monitoring"
    if n.status == "MITIGATING":
        return "identified"
    return "investigating"


def statuspage_body(n: ev.NotificationQueued, component_ids: list[str]) -> dict[str, Any]:
    """The ``incident`` object of a create (POST) or an update (PATCH)."""
    status = statuspage_status(n)
    incident: dict[str, Any] = {"status": status, "body": _clip(n.text.strip(), 25_000)}
    if n.action == "create":
        incident["name"] = header_text(n.subject, 250)
        incident["impact_override"] = STATUSPAGE_IMPACT.get(n.severity, "minor")
    if component_ids:
        incident["component_ids"] = list(component_ids)
        state = "operational" if status == "resolved" else ("major_outage" if n.severity in ("P0", "P1") else "partial_outage")
        incident["components"] = {c: state for c in component_ids}
    return {"incident": incident}


def webhook_body(n: ev.NotificationQueued) -> bytes:
    """The signed webhook's JSON body (documented in the README)."""
    return json.dumps({
        "id": n.notification_id, "event": n.action, "at": n.at.isoformat(), "incident": {
            "id": n.incident_id, "title": n.title, "severity": n.severity, "status": n.status, "service": n.service,
        }, "audience": n.audience, "subject": n.subject, "text": n.text,
    }, ensure_ascii=False, sort_keys=True).encode("utf-8")  # fmt: skip


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``timestamp`` "." body): the ``X-Warroom-Signature`` header."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
