"""``[notify.*]`` in ``warroom.toml``: where published communications and escalations are delivered.

No channel is required. Secrets (webhook signing keys, API keys, SMTP passwords, routing keys) are
never in the file: a channel names the environment variable that holds each, read when sending.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AUDIENCES", "CHANNELS", "EmailChannel", "NotifyConfig", "PagerDutyChannel", "SlackChannel", "StatuspageChannel",
    "TeamsChannel", "WEBHOOK_EVENTS", "WebhookChannel",
]  # fmt: skip

#: Who a message is for: the comms the playbooks draft, and the resolution notice.
AUDIENCES = ("status_page", "internal", "management", "executive", "customer", "legal", "resolution")
#: What a signed webhook can be sent for.
WEBHOOK_EVENTS = ("declared", "acknowledged", "severity", "escalated", "status_update", "resolved", "closed")
CHANNELS = ("slack", "teams", "email", "pagerduty", "statuspage", "webhook")
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}$")
Audience = Literal["status_page", "internal", "management", "executive", "customer", "legal", "resolution"]
EnvName = Annotated[str, Field(pattern=_ENV_NAME)]


def _url(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a URL string")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    if any(c in value for c in "\r\n\t ") or len(value) > 2000:
        raise ValueError("must be a URL without spaces or line breaks (at most 2,000 characters)")
    return value


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: Seconds one attempt may take before it counts as a timeout (and is retried).
    timeout: Annotated[float, Field(gt=0, le=120)] = 10.0


class SlackChannel(_Channel):
    """A Slack incoming webhook (Mattermost accepts the same payload): Block Kit with a text fallback."""

    webhook_url: str
    audiences: list[Audience] = Field(default_factory=lambda: ["internal"], min_length=1)
    _check_url = field_validator("webhook_url", mode="before")(_url)


class TeamsChannel(_Channel):
    """A Microsoft Teams workflow webhook: an Adaptive Card."""

    webhook_url: str
    audiences: list[Audience] = Field(default_factory=lambda: ["internal"], min_length=1)
    _check_url = field_validator("webhook_url", mode="before")(_url)


class EmailChannel(_Channel):
    """SMTP with STARTTLS (port 587), implicit TLS (465) or, on a trusted relay, none."""

    host: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\[\]-]+$")]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    sender: Annotated[str, Field(alias="from")]
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: Annotated[str, Field(max_length=200)] = ""
    password_env: EnvName | None = None
    #: A PEM file of certificates to trust besides the system's (a relay with a private CA).
    ca_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    to: dict[Audience, list[str]] = Field(min_length=1)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("must be one email address")
        return value

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for audience, people in value.items():
            if not people:
                raise ValueError(f"{audience}: at least one address")
            for person in people:
                if not isinstance(person, str) or not _EMAIL.match(person):
                    raise ValueError(f"{audience}: {str(person)[:80]!r} is not an email address")
        return value

    @property
    def audiences(self) -> list[str]:
        return list(self.to)


class PagerDutyChannel(_Channel):
    """PagerDuty Events API v2: trigger (at the listed severities), acknowledge, resolve; dedup key = incident id."""

    routing_key_env: EnvName
    events_url: str = "https://events.pagerduty.com/v2/enqueue"
    severities: list[Literal["P0", "P1", "P2", "P3", "P4"]] = Field(default_factory=lambda: ["P0", "P1"], min_length=1)
    _check_url = field_validator("events_url", mode="before")(_url)


class StatuspageChannel(_Channel):
    """The Atlassian Statuspage REST API: the public incident is created, updated and resolved."""

    api_url: str = "https://api.statuspage.io/v1"
    page_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
    api_key_env: EnvName
    component_ids: list[Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]] = Field(
        default_factory=list
    )
    _check_url = field_validator("api_url", mode="before")(_url)

    @property
    def audiences(self) -> list[str]:
        return ["status_page"]


class WebhookChannel(_Channel):
    """Any HTTP endpoint: a JSON body signed with HMAC-SHA256 (see the README for verifying it)."""

    url: str
    secret_env: EnvName
    events: list[Literal["declared", "acknowledged", "severity", "escalated", "status_update", "resolved", "closed"]] = (
        Field(default_factory=lambda: list(WEBHOOK_EVENTS), min_length=1)
    )
    _check_url = field_validator("url", mode="before")(_url)


class NotifyConfig(BaseModel):
    """Every configured channel, and how long and how often delivery is retried."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack: SlackChannel | None = None
    teams: TeamsChannel | None = None
    email: EmailChannel | None = None
    pagerduty: PagerDutyChannel | None = None
    statuspage: StatuspageChannel | None = None
    webhook: WebhookChannel | None = None
    #: Attempts before a notification is given up (a final failure, retried only by hand).
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 10
    #: The first retry's delay; each next one doubles, up to ``max_backoff`` (both with ±20% jitter).
    first_backoff: Annotated[float, Field(gt=0, le=3600)] = 2.0
    max_backoff: Annotated[float, Field(gt=0, le=86_400)] = 300.0

    @property
    def channels(self) -> dict[str, _Channel]:
        """The configured channels by name, in a fixed order."""
        return {name: channel for name in CHANNELS if (channel := getattr(self, name)) is not None}

    def backoff(self, attempt: int) -> timedelta:
        """The delay before attempt ``attempt + 1`` (no jitter: the sender adds it)."""
        return timedelta(seconds=min(self.max_backoff, self.first_backoff * 2 ** max(0, attempt - 1)))
