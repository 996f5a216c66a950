"""``warroom.toml``: policy overrides and the Anthropic settings, validated strictly.

Shape (every key optional; anything not set keeps its default)::

    [sla]                      # due_soon_fraction = 0.25, detect_target = "5m", triage_target = "15m"
    [sla.P1]                   # acknowledge, acknowledge_business_days, engage, resolve, resolve_target, update_every
    engage = "30m"
    [escalation.P0]            # tier2_after, tier3_after, management_after, executive_after
    tier2_after = "15m"
    [review]                   # P0 .. P3: time from resolution to the post-incident review
    P0 = "24h"
    [regulatory]               # notification windows by regime
    GDPR = "72h"
    [roster]                   # people, escalation chains, backups (see warroom.data.roster)
    [store]
    url = "postgresql://warroom@db.internal/warroom"  # or an SQLite file path; --db and WARROOM_DB win
    [anthropic]
    model = "claude-sonnet-4-6"
    max_budget_usd = 5.0       # max_retries = 2, max_output_tokens = 4096
    max_turns = 8              # the tool loop's budget per step: turns, tokens (input + output), time;
    max_step_tokens = 250000   # reaching any of them makes the next turn give the answer
    max_step_time = "5m"
    structured_output = "tool" # or "json_schema": the API's JSON-schema output where the model has it

Durations are strings such as ``"90s"``, ``"15m"``, ``"1h 30m"``, ``"2d"``, ``"1w"``;
``"off"`` switches a clock or timer off. Unknown sections and keys are refused
by name. Every error is a :class:`ConfigError` whose message names the file,
the key and the problem in one sentence.

Sections other than the four policy ones are fields of :class:`Config`: adding
a section (``[roster]``, say) is adding one field there.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from warroom.data.durations import DurationError, parse_duration
from warroom.data.evidence_limits import EvidenceLimits
from warroom.data.models import Severity
from warroom.data.notify.config import NotifyConfig
from warroom.data.paths import NotARegularFile, read_regular_file
from warroom.data.policy import DEFAULT_POLICY, Policy, SeverityPolicy
from warroom.data.roster import Roster
from warroom.data.store_settings import StoreSettings

__all__ = ["AnthropicSettings", "Config", "ConfigError", "MAX_CONFIG_BYTES", "load_config", "parse_config"]

MAX_CONFIG_BYTES = 1024 * 1024
DEFAULT_MODEL = "claude-sonnet-4-6"

SLA_KEYS = ("acknowledge", "acknowledge_business_days", "engage", "resolve", "resolve_target", "update_every")
ESCALATION_KEYS = ("tier2_after", "tier3_after", "management_after", "executive_after")
SLA_GLOBAL_KEYS = ("due_soon_fraction", "detect_target", "triage_target")
POLICY_SECTIONS = ("sla", "escalation", "review", "regulatory")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")


class ConfigError(ValueError):
    """A config file that cannot be used; the message is one sentence naming file and key."""


class AnthropicSettings(BaseModel):
    """``[anthropic]``: which model the Claude backend uses and how much it may spend."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    model: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")] = DEFAULT_MODEL
    max_budget_usd: Annotated[float, Field(gt=0, le=100_000)] | None = None
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    max_output_tokens: Annotated[int, Field(ge=256, le=128_000)] = 4096
    max_turns: Annotated[int, Field(ge=1, le=50)] = 8
    max_step_tokens: Annotated[int, Field(ge=1_000, le=10_000_000)] = 250_000
    max_step_time: timedelta = timedelta(minutes=5)
    structured_output: Literal["tool", "json_schema"] = "tool"

    @field_validator("max_step_time", mode="before")
    @classmethod
    def _step_time(cls, value: Any) -> Any:
        if isinstance(value, timedelta):
            return value
        if not isinstance(value, str):
            raise ValueError(f'expected a duration string such as "5m", not a {_type(value)}')
        try:
            parsed = parse_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        if not timedelta(seconds=1) <= parsed <= timedelta(hours=2):
            raise ValueError("must be from 1s to 2h")
        return parsed

    @field_validator("max_budget_usd", mode="before")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        if isinstance(value, float) and value != value:
            raise ValueError("must be a number, not nan")
        return value


class Config(BaseModel):
    """The whole configuration: the policy (built from the policy sections) and the other sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Policy = DEFAULT_POLICY
    anthropic: AnthropicSettings = AnthropicSettings()
    roster: Roster = Roster()
    notify: NotifyConfig = NotifyConfig()
    store: StoreSettings = StoreSettings()
    evidence: EvidenceLimits = EvidenceLimits()


def load_config(path: Path | None) -> Config:
    """Read and validate ``path``; ``None`` gives the defaults. Raises :class:`ConfigError`."""
    if path is None:
        return Config()
    name = str(path)
    try:
        raw = read_regular_file(path, MAX_CONFIG_BYTES + 1)
    except NotARegularFile:
        raise ConfigError(f"{name}: is not a regular file (a FIFO, device or socket), so it is not read as a config file") from None
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the config file ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{name}: the config file is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    if b"\x00" in raw:
        raise ConfigError(f"{name}: is a binary file, not TOML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: is not UTF-8 text (bad byte at offset {exc.start})") from None
    return parse_config(text, name)


def parse_config(text: str, name: str = "warroom.toml") -> Config:
    """Validate TOML ``text`` (``name`` is used in messages). Raises :class:`ConfigError`."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{name}: invalid TOML: nested too deeply") from None
    sections = [k for k in Config.model_fields if k != "policy"]
    known = (*POLICY_SECTIONS, *sections)
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{name}: unknown section {key[:40]!r} (known: {', '.join(known)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: {key} must be a table ([{key}]), not a {_type(value)}")
    policy = _policy(data, name)
    others = {key: data[key] for key in sections if key in data}
    try:
        return Config(policy=policy, **others)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, name)) from None


def _key(key: str) -> str:
    """``key`` as it can be shown safely: bare if it is a plain name, else quoted and shortened."""
    return key if _PLAIN_KEY.fullmatch(key) else repr(key[:40])


def _type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "table"}.get(
        type(value), type(value).__name__
    )


def _duration(value: Any, where: str, name: str) -> timedelta | None:
    if isinstance(value, str) and value.strip().lower() == "off":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name}: {where}: expected a duration string such as \"15m\", not a {_type(value)}")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ConfigError(f"{name}: {where}: {exc}") from None


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str, name: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{name}: {where}.{_key(key)}: unknown key (known: {', '.join(allowed)})")


def _severity_tables(
    section: dict[str, Any], where: str, name: str, nested: bool, also: tuple[str, ...] = ()
) -> dict[Severity, Any]:
    """The per-severity entries of ``section`` (keys P0..P3; ``also`` are other keys allowed there)."""
    found: dict[Severity, Any] = {}
    for key, value in section.items():
        if key in also:
            continue
        if key not in Severity.__members__:
            known = ", ".join(("P0", "P1", "P2", "P3", *also))
            raise ConfigError(f"{name}: {where}.{_key(key)}: unknown key (known: {known})")
        if nested and not isinstance(value, dict):
            raise ConfigError(f"{name}: {where}.{key} must be a table ([{where}.{key}]), not a {_type(value)}")
        found[Severity(key)] = value
    return found


def _policy(data: dict[str, Any], name: str) -> Policy:
    rows: dict[Severity, dict[str, Any]] = {s: {} for s in Severity}
    sla = data.get("sla", {})
    for sev, table in _severity_tables(sla, "sla", name, nested=True, also=SLA_GLOBAL_KEYS).items():
        _check_keys(table, SLA_KEYS, f"sla.{sev.value}", name)
        for key, value in table.items():
            where = f"sla.{sev.value}.{key}"
            if key == "acknowledge_business_days":
                if type(value) is not int or not 0 <= value <= 30:
                    raise ConfigError(f"{name}: {where}: expected a whole number of days from 0 to 30, got {value!r}")
                rows[sev][key] = value
                rows[sev].setdefault("acknowledge", None)
            else:
                rows[sev][key] = _duration(value, where, name)
                if key == "acknowledge":
                    rows[sev].setdefault("acknowledge_business_days", 0)
    escalation = data.get("escalation", {})
    for sev, table in _severity_tables(escalation, "escalation", name, nested=True).items():
        _check_keys(table, ESCALATION_KEYS, f"escalation.{sev.value}", name)
        for key, value in table.items():
            rows[sev][key] = _duration(value, f"escalation.{sev.value}.{key}", name)
    for sev, value in _severity_tables(data.get("review", {}), "review", name, nested=False).items():
        rows[sev]["review_due"] = _duration(value, f"review.{sev.value}", name)

    changes: dict[str, Any] = {}
    severities: dict[Severity, SeverityPolicy] = {}
    for sev in Severity:
        merged = {**DEFAULT_POLICY.for_severity(sev).model_dump(), **rows[sev]}
        try:
            severities[sev] = SeverityPolicy(**merged)
        except ValidationError as exc:
            problem = exc.errors()[0].get("msg", "invalid").removeprefix("Value error, ")
            raise ConfigError(f"{name}: sla.{sev.value}: {problem}") from None
    changes["severities"] = severities
    for key in SLA_GLOBAL_KEYS:
        if key not in sla:
            continue
        value, where = sla[key], f"sla.{key}"
        if key == "due_soon_fraction":
            if type(value) not in (int, float) or not 0 < value < 1:
                raise ConfigError(f"{name}: {where}: expected a number between 0 and 1 (e.g. 0.25), got {value!r}")
            changes[key] = float(value)
        else:
            changes[key] = _duration(value, where, name) or _refuse_off(where, name)
    if "regulatory" in data:
        regulatory = {}
        for regime, value in data["regulatory"].items():
            if not regime or len(regime) > 40 or not regime.replace("-", "").replace("_", "").isalnum():
                raise ConfigError(f"{name}: regulatory.{_key(regime)}: a regime is a short name such as GDPR or HIPAA")
            window = _duration(value, f"regulatory.{regime}", name)
            if window is not None:
                regulatory[regime] = window
        changes["regulatory"] = {**DEFAULT_POLICY.regulatory, **regulatory}
        for regime, value in data["regulatory"].items():
            if isinstance(value, str) and value.strip().lower() == "off":
                changes["regulatory"].pop(regime, None)
    return Policy(**{**DEFAULT_POLICY.model_dump(), **changes})


def _refuse_off(where: str, name: str) -> timedelta:
    raise ConfigError(f"{name}: {where}: this target cannot be switched off")


def _explain(exc: ValidationError, name: str) -> str:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error.get("loc", ()))
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    if error.get("type") == "extra_forbidden":
        section = str(error["loc"][0])
        field = Config.model_fields.get(section)
        model = field.annotation if field is not None else None
        known = ", ".join(getattr(model, "model_fields", {})) or "none"
        loc = ".".join(_key(str(part)) for part in error["loc"])
        return f"{name}: {loc}: unknown key (known: {known}){more}"
    problem = error.get("msg", "invalid").removeprefix("Value error, ")
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 60 else ""
    return f"{name}: {loc}: {problem}{shown}{more}"
