"""Delivering one notification through its channel: the request each receiver's API expects.

Each sender returns a :class:`Delivery` (the receiver's id for it, and where it went, said for
people) or raises :class:`~warroom.agents.outbox.transport.SendError`. Secrets are read from the
environment here, at the moment of sending, and never leave this module but in the request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warroom.agents.outbox.transport import SendError, http_request, send_email
from warroom.data import events as ev
from warroom.data.models import Incident
from warroom.data.notify import config as nc
from warroom.data.notify.formats import (
    email_message,
    pagerduty_body,
    signature,
    slack_body,
    statuspage_body,
    teams_body,
    webhook_body,
)

__all__ = ["Delivery", "deliver"]

_JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class Delivery:
    receiver_id: str = ""
    target: str = ""


def _secret(env: Mapping[str, str], name: str | None, what: str) -> str:
    value = env.get(name or "", "") if name else ""
    if not value:
        raise SendError(f"the environment variable {name} ({what}) is not set", retry=False)
    return value


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


async def deliver(n: ev.NotificationQueued, incident: Incident, config: nc.NotifyConfig, env: Mapping[str, str]) -> Delivery:
    """Send ``n`` through its channel as configured now; a channel no longer configured is a final failure."""
    channel = config.channels.get(n.channel)
    if channel is None:
        raise SendError(f"the {n.channel} channel is no longer configured ([notify.{n.channel}] in warroom.toml)", retry=False)
    idempotency = {"Idempotency-Key": n.notification_id}
    if isinstance(channel, nc.SlackChannel):
        await http_request("POST", channel.webhook_url, body=_json(slack_body(n)), headers={**_JSON, **idempotency},
                           timeout=channel.timeout)  # fmt: skip
        return Delivery(target="Slack")
    if isinstance(channel, nc.TeamsChannel):
        await http_request("POST", channel.webhook_url, body=_json(teams_body(n)), headers={**_JSON, **idempotency},
                           timeout=channel.timeout)  # fmt: skip
        return Delivery(target="Teams")
    if isinstance(channel, nc.EmailChannel):
        return await _email(n, channel, env)
    if isinstance(channel, nc.PagerDutyChannel):
        key = _secret(env, channel.routing_key_env, "the PagerDuty routing key")
        answer = await http_request("POST", channel.events_url, body=_json(pagerduty_body(n, key)), headers=_JSON,
                                    timeout=channel.timeout)  # fmt: skip
        said = answer.json() if isinstance(answer.json(), dict) else {}
        return Delivery(receiver_id=str(said.get("dedup_key") or n.incident_id)[:200], target=f"PagerDuty ({n.action})")
    if isinstance(channel, nc.StatuspageChannel):
        return await _statuspage(n, incident, channel, env)
    assert isinstance(channel, nc.WebhookChannel)
    secret = _secret(env, channel.secret_env, "the webhook signing secret")
    body, stamp = webhook_body(n), str(int(time.time()))
    headers = {**_JSON, **idempotency, "X-Warroom-Event": n.action, "X-Warroom-Delivery": n.notification_id,
               "X-Warroom-Timestamp": stamp, "X-Warroom-Signature": signature(secret, stamp, body)}  # fmt: skip
    await http_request("POST", channel.url, body=body, headers=headers, timeout=channel.timeout)
    return Delivery(target="webhook")


async def _email(n: ev.NotificationQueued, channel: nc.EmailChannel, env: Mapping[str, str]) -> Delivery:
    recipients = channel.to.get(n.audience)  # type: ignore[call-overload]
    if not recipients:
        raise SendError(f"no email recipients for {n.audience} ([notify.email] to)", retry=False)
    password = _secret(env, channel.password_env, "the SMTP password") if channel.password_env else ""
    message = email_message(n, channel.sender, list(recipients))
    refused = await send_email(message, host=channel.host, port=channel.port, security=channel.security,
                               username=channel.username, password=password, timeout=channel.timeout,
                               ca_file=channel.ca_file)  # fmt: skip
    got = len(recipients) - len(refused)
    target = f"email to {got}" + (f" ({len(refused)} refused: {', '.join(refused)[:200]})" if refused else "")
    return Delivery(receiver_id=str(message["Message-ID"]), target=target)


async def _statuspage(n: ev.NotificationQueued, incident: Incident, channel: nc.StatuspageChannel,
                      env: Mapping[str, str]) -> Delivery:  # fmt: skip
    """Create the public incident once (found again by its metadata after a crash), then update or resolve it."""
    key = _secret(env, channel.api_key_env, "the Statuspage API key")
    headers = {**_JSON, "Authorization": f"OAuth {key}"}
    base = f"{channel.api_url.rstrip('/')}/pages/{channel.page_id}/incidents"
    public = next((m.receiver_id for m in incident.notifications.values()
                   if m.channel == "statuspage" and m.delivered_at is not None and m.receiver_id), "")  # fmt: skip
    if not public:
        public = await _find_public(base, headers, n.incident_id, channel.timeout)
    if public:
        body = statuspage_body(n.model_copy(update={"action": "resolve" if n.action == "resolve" else "update"}), channel.component_ids)
        await http_request("PATCH", f"{base}/{public}", body=_json(body), headers=headers, timeout=channel.timeout)
        return Delivery(receiver_id=public, target=f"Statuspage ({'resolved' if n.action == 'resolve' else 'updated'})")
    if n.action == "resolve":
        raise SendError("there is no public incident on the status page to resolve (its creation was not delivered)", retry=False)
    body = statuspage_body(n.model_copy(update={"action": "create"}), channel.component_ids)
    body["incident"]["metadata"] = {"warroom": {"incident": n.incident_id}}
    answer = await http_request("POST", base, body=_json(body), headers=headers, timeout=channel.timeout)
    said = answer.json() if isinstance(answer.json(), dict) else {}
    if not said.get("id"):
        raise SendError("Statuspage created the incident but did not say its id", retry=False)
    return Delivery(receiver_id=str(said["id"])[:200], target="Statuspage (created)")


async def _find_public(base: str, headers: dict[str, str], incident_id: str, timeout: float) -> str:
    """The unresolved public incident this incident created before (its creation may not have been recorded)."""
    answer = await http_request("GET", f"{base}/unresolved", headers=headers, timeout=timeout)
    listed = answer.json()
    for item in listed if isinstance(listed, list) else []:
        meta = item.get("metadata") if isinstance(item, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("warroom"), dict) and meta["warroom"].get("incident") == incident_id:
            return str(item.get("id") or "")[:200]
    return ""
