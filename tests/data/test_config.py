"""``warroom.toml``: overrides reach the policy; bad files are refused in one clear sentence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.data.config import MAX_CONFIG_BYTES, Config, ConfigError, load_config
from warroom.data.models import Severity
from warroom.data.policy import DEFAULT_POLICY

EXAMPLE = """\
[sla.P1]
acknowledge = "5m"
engage = "30m"
resolve = "4h"
update_every = "30m"
[escalation.P0]
tier2_after = "15m"
[review]
P0 = "24h"
[regulatory]
GDPR = "72h"
[anthropic]
model = "claude-sonnet-4-5"
max_budget_usd = 5.0
"""


def write(tmp_path: Path, text: str | bytes, name: str = "warroom.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str | bytes) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    return message.removeprefix(f"{path}: ")


def test_none_gives_the_defaults() -> None:
    config = load_config(None)
    assert config == Config()
    assert config.policy == DEFAULT_POLICY
    assert config.anthropic.model.startswith("claude-sonnet")
    assert config.anthropic.max_budget_usd is None and config.anthropic.max_retries >= 0


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE))
    assert config.policy == DEFAULT_POLICY  # the example restates the defaults
    assert config.anthropic.max_budget_usd == 5.0


def test_overrides_change_only_what_they_name(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[sla]
due_soon_fraction = 0.5
detect_target = "10m"
[sla.P1]
engage = "20m"
[sla.P2]
update_every = "off"
[sla.P3]
acknowledge = "8h"
[escalation.P1]
executive_after = "6h"
[review]
P2 = "off"
P3 = "2w"
[regulatory]
HIPAA = "60d"
[anthropic]
max_retries = 5
max_turns = 12
max_step_tokens = 400000
max_step_time = "90s"
structured_output = "json_schema"
"""))
    policy = config.policy
    p1 = policy.severities[Severity.P1]
    assert p1.engage == timedelta(minutes=20)
    assert p1.acknowledge == timedelta(minutes=5)  # untouched default
    assert p1.executive_after == timedelta(hours=6)
    assert policy.severities[Severity.P2].update_every is None
    assert policy.severities[Severity.P2].review_due is None
    p3 = policy.severities[Severity.P3]
    assert (p3.acknowledge, p3.acknowledge_business_days, p3.review_due) == (timedelta(hours=8), 0, timedelta(weeks=2))
    assert policy.due_soon_fraction == 0.5 and policy.detect_target == timedelta(minutes=10)
    assert policy.triage_target == timedelta(minutes=15)
    assert policy.regulatory == {"GDPR": timedelta(hours=72), "HIPAA": timedelta(days=60)}
    assert config.anthropic.max_retries == 5
    assert (config.anthropic.max_turns, config.anthropic.max_step_tokens) == (12, 400_000)
    assert config.anthropic.max_step_time == timedelta(seconds=90)
    assert config.anthropic.structured_output == "json_schema"
    assert policy.severities[Severity.P0] == DEFAULT_POLICY.severities[Severity.P0]


def test_business_days_replace_a_wall_clock_acknowledge(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[sla.P2]\nacknowledge_business_days = 2\n"))
    p2 = config.policy.severities[Severity.P2]
    assert (p2.acknowledge, p2.acknowledge_business_days) == (None, 2)


def test_bom_and_empty_file_are_fine(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == Config()
    assert load_config(write(tmp_path, "\ufeff[anthropic]\nmax_retries = 1\n")).anthropic.max_retries == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[sla.P1]\nengage = "30x"\n', "sla.P1.engage: '30x' is not a duration (use e.g. 15m, 2h, 1d)"),
        ("[sla.P1]\nengage = 30\n", "sla.P1.engage: expected a duration string"),
        ('[sla.P1]\nengauge = "30m"\n', "sla.P1.engauge: unknown key (known: acknowledge,"),
        ('[sla.P4]\nengage = "30m"\n', "sla.P4: unknown key (known: P0, P1, P2, P3"),
        ('[sla]\nP1 = "30m"\n', "sla.P1 must be a table"),
        ('[escalation.P0]\nengage = "5m"\n', "escalation.P0.engage: unknown key (known: tier2_after,"),
        ('[escalation]\ndue_soon_fraction = 0.1\n', "escalation.due_soon_fraction: unknown key"),
        ('[review]\nP0 = "soon"\n', "review.P0: 'soon' is not a duration"),
        ('[review]\nP9 = "1d"\n', "review.P9: unknown key"),
        ("[sla]\ndue_soon_fraction = 1.5\n", "sla.due_soon_fraction: expected a number between 0 and 1"),
        ('[sla]\ndetect_target = "off"\n', "sla.detect_target: this target cannot be switched off"),
        ('[sla.P0]\nresolve_target = "3h"\n', "sla.P0: resolve_target (3h) is longer than resolve (2h)"),
        ('[sla.P1]\nacknowledge = "5m"\nacknowledge_business_days = 1\n', "sla.P1: set either acknowledge or"),
        ("[sla.P3]\nacknowledge_business_days = true\n", "sla.P3.acknowledge_business_days: expected a whole number"),
        ('[sla.P1]\nresolve = "0m"\n', "sla.P1.resolve: '0m' is not a positive duration"),
        ('[sla.P1]\nresolve = "400d"\n', "sla.P1.resolve: '400d' is longer than 366 days"),
        ('[regulatory]\n"../etc" = "1d"\n', "regulatory.'../etc': a regime is a short name"),
        ('[telemetry]\nurl = "x"\n', "unknown section 'telemetry' (known: sla, escalation, review, regulatory, anthropic, roster, notify, store, evidence)"),
        ('anthropic = "claude"\n', "anthropic must be a table"),
        ('[anthropic]\nmodle = "x"\n', "anthropic.modle: unknown key (known: model, max_budget_usd, max_retries, max_output_tokens, max_turns, max_step_tokens, max_step_time, structured_output)"),
        ('[anthropic]\nmax_retries = "3"\n', "anthropic.max_retries: Input should be a valid integer"),
        ("[anthropic]\nmax_retries = 99\n", "anthropic.max_retries: Input should be less than or equal to 10"),
        ("[anthropic]\nmax_budget_usd = -1\n", "anthropic.max_budget_usd: Input should be greater than 0"),
        ("[anthropic]\nmax_budget_usd = nan\n", "anthropic.max_budget_usd: must be a number, not nan"),
        ("[anthropic]\nmax_budget_usd = inf\n", "anthropic.max_budget_usd: Input should be less than or equal to"),
        ("[anthropic]\nmax_budget_usd = true\n", "anthropic.max_budget_usd: Input should be a valid number"),
        ("[anthropic]\nmax_retries = 2.0\n", "anthropic.max_retries: Input should be a valid integer"),
        ('[sla.P0]\nresolve = "off"\n', "sla.P0: resolve_target needs a resolve SLA (switch resolve_target off too)"),
        ('[anthropic]\nmodel = "claude; rm -rf /"\n', "anthropic.model: String should match pattern"),
        ('[anthropic]\nmodel = ""\n', "anthropic.model: String should have at least 1 character"),
        ("[anthropic]\nmax_turns = 0\n", "anthropic.max_turns: Input should be greater than or equal to 1"),
        ("[anthropic]\nmax_step_tokens = 12.5\n", "anthropic.max_step_tokens: Input should be a valid integer"),
        ("[anthropic]\nmax_output_tokens = 10\n", "anthropic.max_output_tokens: Input should be greater than or equal to 256"),
        ("[anthropic]\nmax_step_time = 300\n", 'anthropic.max_step_time: expected a duration string such as "5m"'),
        ('[anthropic]\nmax_step_time = "3h"\n', "anthropic.max_step_time: must be from 1s to 2h (got '3h')"),
        ('[anthropic]\nmax_step_time = "soon"\n', "anthropic.max_step_time: 'soon' is not a duration"),
        ('[anthropic]\nstructured_output = "xml"\n', "anthropic.structured_output: Input should be 'tool' or 'json_schema'"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refused(tmp_path, text)


@pytest.mark.parametrize(
    "text",
    ['["\\u001b[31mred"]\nx = 1\n', '[sla.P1]\n"\\u001b]0;pwned\\u0007" = "5m"\n', '[anthropic]\n"\\u009b2J" = 1\n'],
)
def test_hostile_key_names_are_quoted_not_echoed(tmp_path: Path, text: str) -> None:
    message = refused(tmp_path, text)
    assert "\x1b" not in message and "\x07" not in message and "\x9b" not in message
    assert "unknown" in message


def test_invalid_toml_reports_line_and_column(tmp_path: Path) -> None:
    message = refused(tmp_path, '[sla.P1]\nengage = "30m"\nresolve = 4h\n')
    assert message.startswith("invalid TOML:")
    assert "line 3" in message and "column" in message


def test_duplicate_keys_are_invalid_toml(tmp_path: Path) -> None:
    assert "line 3" in refused(tmp_path, '[sla.P1]\nengage = "30m"\nengage = "20m"\n')


def test_deeply_nested_toml_is_refused_cleanly(tmp_path: Path) -> None:
    message = refused(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert message.startswith("invalid TOML") or message.startswith("unknown section")


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: no such config file"):
        load_config(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, b"\x7fELF\x02\x01\x01\x00\x00\x00") == "is a binary file, not TOML"


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    assert "is not UTF-8 text" in refused(tmp_path, '[anthropic]\nmodel = "caf\xe9"\n'.encode("latin-1"))


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    assert "larger than 1024 KiB" in refused(tmp_path, "# padding\n" * (MAX_CONFIG_BYTES // 10 + 10))


def test_a_path_through_a_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE) / "warroom.toml"
    with pytest.raises(ConfigError, match=r"warroom\.toml/warroom\.toml: cannot read the config file \(Not a directory\)"):
        load_config(path)


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = write(tmp_path, EXAMPLE)
    path.chmod(0)
    try:
        with pytest.raises(ConfigError, match="cannot read the config file"):
            load_config(path)
    finally:
        path.chmod(0o600)


def test_config_error_is_a_user_error() -> None:
    from warroom.app.errors import USER_ERRORS, explain

    error = ConfigError("warroom.toml: sla.P1.engage: '30x' is not a duration (use e.g. 15m, 2h, 1d)")
    assert isinstance(error, USER_ERRORS)
    assert explain(error) == str(error)


def test_the_store_section_takes_a_postgresql_url_or_a_path(tmp_path: Path) -> None:
    url = "postgresql://warroom@db.internal:5432/warroom?sslmode=require"
    assert load_config(write(tmp_path, f'[store]\nurl = "{url}"\n')).store.url == url
    assert load_config(write(tmp_path, '[store]\nurl = "/srv/warroom/warroom.db"\n')).store.url == "/srv/warroom/warroom.db"
    assert load_config(None).store.url is None
    assert "give a postgresql:// URL" in refused(tmp_path, '[store]\nurl = "mysql://db/warroom"\n')
    assert "control characters" in refused(tmp_path, '[store]\nurl = "postgresql://db/\\u001b[31m"\n')
    assert "store.host: unknown key (known: url)" in refused(tmp_path, '[store]\nhost = "db"\n')
