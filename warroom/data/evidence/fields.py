"""Fields of a structured log line: JSON lines and logfmt.

Field names commonly used by loggers and shippers (zap, logrus, bunyan,
fluentd/fluent-bit with their ``kubernetes`` block, ECS, docker's ``log``):
time ``@timestamp|timestamp|ts|time|...``, level ``level|severity|lvl|...``
(words or syslog numbers), message ``msg|message|log|...``, service
``service|app|kubernetes.labels.app|kubernetes.container_name|...``, pod,
host. A line with no message field keeps the whole line as its message.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from warroom.data.evidence.timestamps import StampReader, normalise_level, parse_time_text

# (when, level, service, pod, host, message): the order of LogRecord's fields
Fields = tuple[datetime | None, str | None, str | None, str | None, str | None, str]

TIME_FIELDS = ("@timestamp", "timestamp", "ts", "time", "datetime", "date", "t")
LEVEL_FIELDS = ("level", "severity", "lvl", "loglevel", "log.level", "levelname", "severity_text", "priority")
MESSAGE_FIELDS = ("msg", "message", "log", "event", "text", "body")
SERVICE_PATHS: tuple[tuple[str, ...], ...] = (
    ("service",), ("service.name",), ("service", "name"), ("app",), ("application",), ("kubernetes.labels.app",),
    ("kubernetes", "labels", "app"), ("kubernetes", "labels", "app.kubernetes.io/name"),
    ("kubernetes", "labels", "app_kubernetes_io/name"), ("kubernetes.container_name",),
    ("kubernetes", "container_name"), ("kubernetes", "container", "name"), ("container",), ("component",),
)
POD_PATHS: tuple[tuple[str, ...], ...] = (
    ("pod",), ("pod_name",), ("kubernetes.pod_name",), ("kubernetes.pod.name",), ("kubernetes", "pod_name"),
    ("kubernetes", "pod", "name"),
)
HOST_PATHS: tuple[tuple[str, ...], ...] = (
    ("host",), ("hostname",), ("host.name",), ("host", "name"), ("kubernetes.host",), ("kubernetes", "host"),
    ("kubernetes.node_name",), ("kubernetes", "node_name"), ("node",), ("node_name",),
)

#: Each level field with its nested path when it is dotted (``log.level`` is also ``{"log": {"level": ...}}``).
_LEVEL_PATHS = tuple((key, tuple(key.split(".")) if "." in key else None) for key in LEVEL_FIELDS)

# logfmt: a line that starts with one of these keys is read as key=value pairs.
LOGFMT_START = re.compile(r"(?:ts|time|timestamp|t|level|lvl|caller|msg)=")
_PAIR = re.compile(r'([\w.@/-]+)=("(?:[^"\\]|\\.)*"|\S*)')


def json_fields(text: str, stamps: StampReader) -> Fields | None:
    """The fields of a JSON-object line; ``None`` when the line is not a JSON object."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return _fields(obj, text, stamps)


def logfmt_fields(text: str, stamps: StampReader) -> Fields | None:
    """The fields of a logfmt line (``ts=... level=warn msg="slow query" service=db``); ``None`` if it is not one."""
    fields: dict[str, Any] = {}
    for key, value in _PAIR.findall(text):
        if value[:1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                value = value.strip('"')
        fields.setdefault(key, value)
    if not any(k in fields for k in ("msg", "message", "level", "lvl")):
        return None
    return _fields(fields, text, stamps)


def _fields(obj: dict[str, Any], text: str, stamps: StampReader) -> Fields:
    when = None
    for key in TIME_FIELDS:
        value = obj.get(key)
        if isinstance(value, str):
            when = parse_time_text(value, stamps)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            when = parse_time_text(repr(value))
        if when is not None:
            break
    level = None
    for key, path in _LEVEL_PATHS:
        value = obj.get(key)
        if value is None and path is not None:
            value = _lookup(obj, path)
        if value is not None and (level := normalise_level(value)):
            break
    message: Any = None
    for key in MESSAGE_FIELDS:
        message = obj.get(key)
        if message not in (None, ""):
            break
    if message in (None, ""):
        message = text
    elif not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False, sort_keys=True)
    elif error := _error_of(obj):
        message = message if error in message else f"{message.rstrip()}: {error}"
    return (when, level, _first(obj, SERVICE_PATHS), _first(obj, POD_PATHS), _first(obj, HOST_PATHS),
            message.rstrip("\r\n").strip() or text)


_ERROR_KEYS = ("error", "err", "exception", "exc_info", "error_message", "errorMessage")
_STACK_KEYS = ("stack", "stack_trace", "stacktrace", "stackTrace", "exc_text")


def _error_of(obj: dict[str, Any]) -> str:
    """A structured line's error beside its message ("error": "java.lang.NullPointerException: ...", ECS's
    ``error.message``/``error.type``/``error.stack_trace``), with the first lines of its stack on one line: the
    message alone ("checkout failed") does not say what failed or where."""
    parts: list[str] = []
    for key in _ERROR_KEYS:
        value = obj.get(key)
        if isinstance(value, dict):
            kind, said = value.get("type") or value.get("kind") or "", value.get("message") or value.get("msg") or ""
            parts.append(f"{kind}: {said}" if kind and said else str(kind or said))
            value = value.get("stack_trace") or value.get("stack") or ""
            if isinstance(value, str) and value:
                parts.append(value)
            break
        if isinstance(value, str) and value.strip():
            parts.append(value)
            break
    for key in _STACK_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            parts.append(value)
            break
    text = " ".join(part.strip() for part in parts if part and part.strip())
    return " | ".join(line.strip() for line in text.splitlines()[:4] if line.strip())[:2000]


def _lookup(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _first(obj: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> str | None:
    if obj.keys().isdisjoint(_HEADS[paths]):  # most lines carry none of these fields: one set test
        return None
    for path in paths:
        value = obj.get(path[0])
        for key in path[1:]:
            if not isinstance(value, dict):
                value = None
                break
            value = value.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:200]
    return None


#: The first key of every path of a group (a line whose keys miss them all has none of the group's fields).
_HEADS = {paths: frozenset(p[0] for p in paths) for paths in (SERVICE_PATHS, POD_PATHS, HOST_PATHS)}
