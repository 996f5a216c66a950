"""``[notify.*]`` in warroom.toml: every bad value is one sentence naming the key; secrets are never in the file."""

from __future__ import annotations

import pytest

from warroom.data.config import ConfigError, parse_config


@pytest.mark.parametrize(("text", "message"), [
    ('[notify.slack]\nwebhook_url = "ftp://x"\n', "notify.slack.webhook_url: must be an http:// or https:// URL"),
    ('[notify.slack]\nwebhook_url = "https://x/\\r\\nHost: evil"\n', "notify.slack.webhook_url: must be a URL without spaces"),
    ('[notify.slack]\nwebhook_url = 3\n', "notify.slack.webhook_url: must be a URL string"),
    ('[notify.slack]\nwebhook_url = "https://h/x"\naudiences = ["everyone"]\n', "notify.slack.audiences.0"),
    ('[notify.sms]\nurl = "https://h"\n', "notify.sms: unknown key"),
    ('[notify.webhook]\nurl = "https://h"\nsecret = "hunter2"\nsecret_env = "S"\n', "notify.webhook.secret: unknown key"),
    ('[notify.webhook]\nurl = "https://h"\nsecret_env = "MY SECRET"\n', "notify.webhook.secret_env"),
    ('[notify.email]\nhost = "smtp.example.com"\nfrom = "not an address"\nto = { management = ["a@b.c"] }\n',
     "notify.email.from: must be one email address"),
    ('[notify.email]\nhost = "smtp.example.com"\nfrom = "w@example.com"\nto = { management = ["a@b.c\\r\\nBcc: x@y.z"] }\n',
     "is not an email address"),
    ('[notify.email]\nhost = "smtp.example.com"\nfrom = "w@example.com"\nto = { management = [] }\n', "at least one address"),
    ('[notify.email]\nhost = "smtp.example.com; rm -rf"\nfrom = "w@example.com"\nto = { management = ["a@b.c"] }\n', "notify.email.host"),
    ('[notify.pagerduty]\nrouting_key_env = "K"\nseverities = ["P9"]\n', "notify.pagerduty.severities.0"),
    ('[notify.slack]\nwebhook_url = "https://h/x"\ntimeout = -1\n', "notify.slack.timeout"),
    ('[notify]\nmax_attempts = 0\n', "notify.max_attempts"),
    ("[notify]\nslack = 1\n", "notify.slack"),
])  # fmt: skip
def test_a_bad_channel_is_one_sentence_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert message in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_every_channel_together_and_none_at_all() -> None:
    assert parse_config("").notify.channels == {}
    config = parse_config("""
[notify.slack]
webhook_url = "https://hooks.slack.com/services/T/B/X"
[notify.teams]
webhook_url = "https://example.webhook.office.com/x"
[notify.email]
host = "smtp.example.com"
from = "warroom@example.com"
to = { management = ["m@example.com"], executive = ["cto@example.com"] }
[notify.pagerduty]
routing_key_env = "PD"
[notify.statuspage]
page_id = "abc123"
api_key_env = "SP"
[notify.webhook]
url = "https://example.com/hook"
secret_env = "HOOK"
""")
    assert list(config.notify.channels) == ["slack", "teams", "email", "pagerduty", "statuspage", "webhook"]
    assert config.notify.email is not None and config.notify.email.audiences == ["management", "executive"]
    assert config.notify.backoff(1).total_seconds() == 2 and config.notify.backoff(20).total_seconds() == 300
