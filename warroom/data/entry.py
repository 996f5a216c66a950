"""What an event may hold when it is stored: no secrets, no terminal control characters.

Every event passes :func:`clean_event` on its way into the store (both append
paths of :mod:`warroom.data.store` call it), so no caller can forget it: notes,
titles, summaries, status updates, agent output, alert labels, annotations and
raw payloads are all stored redacted (:func:`warroom.data.redact.redact`, each
secret replaced by its kind and a fingerprint) and without escape sequences or
control characters (:func:`warroom.data.text.strip_control`).

A one-line field (a title, a name, an id: declared with a ``max_length`` of at
most :data:`ONE_LINE_MAX`) keeps no line break either, so a title cannot fake a
row of ``warroom list``; a multi-line field (notes, outputs, reasons, payloads)
keeps its newlines and tabs, with ``\\r\\n`` and lone ``\\r`` read as newlines. A
required text that is empty once cleaned is refused with
:class:`~warroom.data.fold.InvalidEvent`, as is an event that no longer
validates (a value the markers made longer than its field allows).

Identifiers that name things on disk (``path``, ``sha256``) are stored as they
are: they must keep matching the files they name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from functools import cache, lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from warroom.data import events as ev
from warroom.data.fold import InvalidEvent
from warroom.data.redact import may_redact, redact, redact_obj, secret_under
from warroom.data.text import may_strip, strip_control

__all__ = ["ONE_LINE_MAX", "clean_event", "clean_events", "clean_line", "clean_text"]

#: A text field that may hold at most this many characters is one line.
ONE_LINE_MAX = 2_000
#: Fields that are one line whatever their declared length (an alert's title, a service name).
_ONE_LINE_NAMES = frozenset({"title", "name", "service", "subject", "fingerprint", "actor"})
_KEPT_AS_IS = frozenset({"path", "sha256", "seq", "at", "kind", "incident_id"})
_LINE_BREAKS = str.maketrans({"\n": " ", "\t": " ", "\v": " ", "\f": " "})


def clean_text(text: str) -> str:
    """Multi-line text as stored: redacted, no control characters but newline and tab."""
    text = strip_control(text.replace("\r\n", "\n").replace("\r", "\n"))
    return redact(text)


def clean_line(text: str) -> str:
    """One-line text as stored: as :func:`clean_text`, with every line break made a space."""
    return redact(strip_control(text.replace("\r\n", " ").replace("\r", " ").translate(_LINE_BREAKS)))


@cache
def _fields(cls: type[BaseModel]) -> tuple[tuple[str, bool, bool], ...]:
    """``(name, one_line, required)`` for each field of ``cls`` that may hold text."""
    plan = []
    for name, info in cls.model_fields.items():
        if name in _KEPT_AS_IS:
            continue
        limits = [getattr(m, "max_length", None) for m in info.metadata]
        longest = min((n for n in limits if n is not None), default=None)
        required = any((getattr(m, "min_length", None) or 0) > 0 for m in info.metadata)
        one_line = name in _ONE_LINE_NAMES or (longest is not None and longest <= ONE_LINE_MAX)
        plan.append((name, one_line, required))
    return tuple(plan)


def _clean_value(value: Any, one_line: bool) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return clean_line(value) if one_line else clean_text(value)
    if isinstance(value, BaseModel):
        return _clean_model(value)
    if isinstance(value, Mapping):
        return _clean_mapping(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean_value(v, one_line) for v in value)
    return value


def _stripped(value: Any) -> Any:
    """A JSON-like value with control characters removed from every string (keys are one line)."""
    if isinstance(value, str):
        return strip_control(value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, Mapping):
        return {
            (strip_control(k.translate(_LINE_BREAKS).replace("\r", " ")) if isinstance(k, str) else k): _stripped(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_stripped(v) for v in value)
    return value


def _clean_mapping(value: Mapping[Any, Any]) -> Any:
    """A payload (labels, annotations, a raw alert, structured output): stripped, then redacted key-aware."""
    return redact_obj(_stripped(value))


def _clean_model(model: BaseModel) -> BaseModel:
    changes: dict[str, Any] = {}
    for name, one_line, _required in _fields(type(model)):
        value = getattr(model, name)
        cleaned = _clean_value(value, one_line)
        if cleaned != value:
            changes[name] = cleaned
    if not changes:
        return model
    return type(model).model_validate({**dict(model), **changes})


def _kept(value: Any, one_line: bool, unseen: list[str]) -> bool:
    """Whether cleaning leaves ``value`` exactly as it is (each string as cleaning would treat it);
    short strings not met before are put in ``unseen``, to be checked together afterwards."""
    kind = type(value)
    if kind is str:
        if one_line and ("\n" in value or "\t" in value):
            return False
        return _short_kept(value, unseen) if len(value) <= _SHORT else _long_kept(value)
    if kind is dict or isinstance(value, Mapping):
        for key, item in value.items():  # strings inline: most of a payload's values are short strings
            if type(item) is str:
                if type(key) is str and not _key_kept(key, bool(item)):
                    return False
                if not (_short_kept(item, unseen) if len(item) <= _SHORT else _long_kept(item)):
                    return False
                continue
            if type(key) is str and not _key_kept(key, False):
                return False
            if not _kept(item, False, unseen):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if not _kept(item, one_line, unseen):
                return False
        return True
    if isinstance(value, Enum) or value is None or kind is int or kind is float or kind is bool:
        return True
    if isinstance(value, BaseModel):
        for name, flag, _required in _fields(type(value)):
            if not _kept(getattr(value, name), flag, unseen):
                return False
        return True
    if isinstance(value, str):  # a str subclass that is no Enum
        return _kept(str(value), one_line, unseen)
    return True


_SHORT = 256  # strings up to this long repeat (label values, states, URLs): each is checked once
_SEEN: dict[str, bool] = {}  # short string -> whether cleaning keeps it
_SEEN_MAX = 65_536


def _short_kept(text: str, unseen: list[str]) -> bool:
    known = _SEEN.get(text)
    if known is None:
        unseen.append(text)
        return True  # for now: decided with the other unseen strings of the event
    return known


def _settle(unseen: list[str]) -> bool:
    """Whether every string of ``unseen`` is kept: one search over them all joined (exact: a secret one of
    them holds is in the joined text), and one by one only when that search finds something."""
    if len(_SEEN) > _SEEN_MAX:
        _SEEN.clear()
    joined = " ".join(unseen)
    if not may_strip(joined) and not may_redact(joined):
        _SEEN.update(dict.fromkeys(unseen, True))
        return True
    for text in unseen:
        if not _text_kept(text):
            return False
    return True


def _text_kept(text: str) -> bool:
    """Whether neither control stripping nor redaction changes the short ``text`` (redacted to know: a
    trigger word alone, ``groupKey``'s "key", is common in short values and names)."""
    known = _SEEN.get(text)
    if known is None:
        known = _SEEN[text] = not may_strip(text) and (not may_redact(text) or redact(text) == text)
    return known


def _long_kept(text: str) -> bool:
    """Whether cleaning keeps a long text (a note, an agent's output): searched, never redacted twice."""
    return not may_strip(text) and not may_redact(text)


@lru_cache(maxsize=4_096)
def _key_kept(key: str, holds_text: bool) -> bool:
    """Whether a mapping key comes through cleaning unchanged, and does not mark the text under it secret."""
    if "\n" in key or "\t" in key or not _text_kept(key):
        return False
    return not (holds_text and secret_under(key))


def _kept_fields(event: ev.BaseEvent, unseen: list[str]) -> bool:
    """Whether cleaning leaves every field of ``event`` as it is, but for the short strings put in ``unseen``."""
    for name, one_line, required in _fields(type(event)):
        value = getattr(event, name)
        kind = type(value)
        if kind is str:  # most fields of most events: inline, as in a mapping
            if required and not value.strip() or one_line and ("\n" in value or "\t" in value):
                return False
            if not (_short_kept(value, unseen) if len(value) <= _SHORT else _long_kept(value)):
                return False
        elif value is None or kind is int or kind is bool or kind is float:
            continue
        elif required and isinstance(value, str) and not value.strip():
            return False
        elif not _kept(value, one_line, unseen):
            return False
    return True


def _already_clean(event: ev.BaseEvent) -> bool:
    """Whether cleaning would leave ``event`` exactly as it is, found without rebuilding anything: an
    alert storm stores tens of thousands of clean alerts whose label values mostly repeat, and the few
    strings each alert has of its own are searched together."""
    unseen: list[str] = []
    return _kept_fields(event, unseen) and (not unseen or _settle(unseen))


def clean_event(event: ev.BaseEvent) -> ev.BaseEvent:
    """``event`` as it may be stored (itself when nothing needed cleaning); refuses what cleaning empties."""
    return event if _already_clean(event) else _cleaned(event)


def clean_events(events: Sequence[ev.BaseEvent]) -> list[ev.BaseEvent]:
    """:func:`clean_event` of each of ``events``, the short strings none of them showed before searched
    once for the whole batch (a storm's alerts each bring a few of their own: a pod, a fingerprint), and
    event by event only when that search finds something."""
    cleaned: list[ev.BaseEvent] = []
    pending: list[tuple[int, list[str]]] = []  # events kept but for their unseen strings
    for event in events:
        unseen: list[str] = []
        if _kept_fields(event, unseen):
            if unseen:
                pending.append((len(cleaned), unseen))
            cleaned.append(event)
        else:
            cleaned.append(_cleaned(event))
    if pending and not _settle([text for _, unseen in pending for text in unseen]):
        for index, unseen in pending:
            if not _settle(unseen):
                cleaned[index] = _cleaned(cleaned[index])
    return cleaned


def _cleaned(event: ev.BaseEvent) -> ev.BaseEvent:
    """:func:`clean_event` field by field: each text cleaned for what it is, the event rebuilt if any changed."""
    changes: dict[str, Any] = {}
    for name, one_line, required in _fields(type(event)):
        value = getattr(event, name)
        cleaned = _clean_value(value, one_line)
        if required and isinstance(cleaned, str) and not cleaned.strip():
            what = name.replace("_", " ")
            raise InvalidEvent(event, f"the {what} is empty once control characters and blanks are removed")
        if cleaned != value:
            changes[name] = cleaned
    if not changes:
        return event
    try:
        return type(event).model_validate({**dict(event), **changes})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "a field"
        raise InvalidEvent(event, f"{where} is not valid once secrets are redacted: {problem.get('msg')}") from exc
