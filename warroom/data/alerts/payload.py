"""Reading alert payloads safely: bytes to JSON to typed fields, with errors that say where.

A payload comes from a file or stdin that anyone could have written, so it is
refused before parsing when too large, and refused with one sentence naming
the problem when it is not UTF-8, not JSON, has duplicate keys, NaN/Infinity,
is nested absurdly deep, or a field has the wrong type
(``alerts[2].labels.severity must be text, got a number``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from warroom.data.paths import NotARegularFile, read_regular_file, user_path

MAX_PAYLOAD_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
_UNSET_TIME = datetime(1, 1, 1, tzinfo=timezone.utc)  # Alertmanager's "no end yet"
#: The times an alert may carry (UTC). Outside them a payload is refused with the field's path: a
#: clock that far off is a broken sender, and the bounds leave room for SLA arithmetic on the value.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_TIME = datetime(9000, 1, 1, tzinfo=timezone.utc)


class AlertPayloadError(ValueError):
    """An alert payload that cannot be taken in; the message says what is wrong and where."""


def read_payload_bytes(source: str | Path, *, stdin: BinaryIO | None = None) -> tuple[bytes, str]:
    """The bytes of ``source`` (a path, or ``-`` for stdin) and a name for messages.

    At most :data:`MAX_PAYLOAD_BYTES` are read: a larger payload is refused
    before anything is parsed.
    """
    if str(source) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(MAX_PAYLOAD_BYTES + 1)
        name = "standard input"
    else:
        path = user_path(source, "the alert payload")
        name = str(path)
        if path.is_dir():
            raise AlertPayloadError(f"{name} is a directory, not an alert payload file")
        if path.is_file() and path.stat().st_size > MAX_PAYLOAD_BYTES:
            raise AlertPayloadError(f"{name} is larger than the {_mib(MAX_PAYLOAD_BYTES)} limit for an alert payload")
        try:
            data = read_regular_file(path, MAX_PAYLOAD_BYTES + 1)
        except NotARegularFile:
            raise AlertPayloadError(f"{name} is not a regular file (a FIFO, device or socket); give a file or - for standard input") from None
    if len(data) > MAX_PAYLOAD_BYTES:
        raise AlertPayloadError(f"{name} is larger than the {_mib(MAX_PAYLOAD_BYTES)} limit for an alert payload")
    return data, name


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise AlertPayloadError(f"the payload has the key {key!r} twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise AlertPayloadError(f"the payload contains {name}, which is not valid JSON")


def decode_json(data: bytes, name: str = "the payload") -> Any:
    """Parse ``data`` as strict JSON (UTF-8, no duplicate keys, no NaN/Infinity, bounded depth)."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise AlertPayloadError(f"{name} is larger than the {_mib(MAX_PAYLOAD_BYTES)} limit for an alert payload")
    if not data.strip():
        raise AlertPayloadError(f"{name} is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AlertPayloadError(f"{name} is not UTF-8 text (invalid byte at offset {exc.start})") from None
    if "\x00" in text:
        raise AlertPayloadError(f"{name} contains NUL bytes; it is binary, not JSON")
    try:
        value = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except AlertPayloadError as exc:
        raise AlertPayloadError(f"{name}: {exc}") from None
    except RecursionError:
        raise AlertPayloadError(f"{name} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as exc:
        raise AlertPayloadError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    _check_depth(value, name)
    return value


def _check_depth(value: Any, name: str) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise AlertPayloadError(f"{name} is nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def kind_of(value: Any) -> str:
    """How a JSON value's type is said in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def where(path: str, key: str | int) -> str:
    """``alerts[2]`` / ``alerts[2].labels`` path building."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise AlertPayloadError(f"{path or 'the payload'} must be an object, got {kind_of(value)}")
    return value


def field(parent: Mapping[str, Any], key: str, path: str, expected: type | tuple[type, ...], *, required: bool) -> Any:
    """``parent[key]`` checked against ``expected`` (``None`` when absent and optional)."""
    name = where(path, key)
    if key not in parent or parent[key] is None:
        if required:
            raise AlertPayloadError(f"{name} is missing")
        return None
    value = parent[key]
    ok = isinstance(value, expected) and not (isinstance(value, bool) and expected in (int, float, (int, float)))
    if not ok:
        raise AlertPayloadError(f"{name} must be {_expected(expected)}, got {kind_of(value)}")
    return value


def _expected(expected: type | tuple[type, ...]) -> str:
    names = {str: "text", dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}
    if isinstance(expected, tuple):
        return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in expected))
    return names.get(expected, expected.__name__)


def text(parent: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str:
    value = field(parent, key, path, str, required=required)
    if required and not value.strip():
        raise AlertPayloadError(f"{where(path, key)} is empty")
    return value or ""


def text_map(parent: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> dict[str, str]:
    """An object whose values must all be text (labels, annotations)."""
    value = field(parent, key, path, dict, required=required) or {}
    for name, item in value.items():
        if not isinstance(item, str):
            raise AlertPayloadError(f"{where(where(path, key), name)} must be text, got {kind_of(item)}")
    return dict(value)


def flat_map(value: Mapping[str, Any]) -> dict[str, str]:
    """An object flattened to text values (non-text values as compact JSON)."""
    return {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), sort_keys=True) for k, v in value.items()}


def timestamp(parent: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; Alertmanager's year-1 zero means absent."""
    raw = text(parent, key, path, required=required)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise AlertPayloadError(f"{where(path, key)} is not a timestamp: {raw[:40]!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise AlertPayloadError(f"{where(path, key)} has no timezone: {raw[:40]!r}")
    if value == _UNSET_TIME:  # compared as instants: only the UTC zero value means "not set"
        return None
    # Compared as aware instants, before any conversion: converting year 1 at +05:00 (or
    # 9999-12-31 at -05:00) to UTC would leave the datetime range.
    if not EARLIEST_TIME <= value < LATEST_TIME:
        raise AlertPayloadError(
            f"{where(path, key)} is out of range: {raw[:40]!r} (an alert's time must lie between "
            f"{EARLIEST_TIME:%Y-%m-%d} and {LATEST_TIME:%Y-%m-%d} UTC)"
        )
    return value.astimezone(timezone.utc)
