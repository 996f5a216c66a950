"""Stored rows of ``events`` back into events, and the rows that do not decode said as one sentence.

A file written by another tool (or damaged) may hold a BLOB, text that is not JSON, or JSON
that is no warroom event in a row: :func:`row_to_event` raises
:class:`~warroom.data.dbfile.DamagedRow` naming the row, before anything reads on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from warroom.data import events as ev
from warroom.data.dbfile import DamagedRow

__all__ = ["row_to_event"]


def row_to_event(row: Sequence[Any]) -> ev.BaseEvent:
    """Rebuild a stored event; a row that does not decode raises :class:`DamagedRow` (which names it)."""
    seq, incident_id, _, _, kind, data = row
    if type(data) is not str or type(seq) is not int:  # a BLOB (or a number) written by another tool
        raise DamagedRow(seq, incident_id, "is not JSON")
    if kind not in ev.EVENT_KINDS:
        raise DamagedRow(seq, incident_id, f"has the unknown kind {str(kind)[:40]!r}")
    if not data.startswith("{"):
        try:
            json.loads(data)
        except ValueError:
            raise DamagedRow(seq, incident_id, "is not JSON") from None
        raise DamagedRow(seq, incident_id, "is JSON but not an object")
    try:
        return _decode_row(row)
    except ValidationError as exc:
        kinds = {error.get("type") for error in exc.errors()}
        raise DamagedRow(seq, incident_id, "is not JSON" if "json_invalid" in kinds else "is not a valid warroom event") from None
    except TypeError:  # an envelope column of the wrong type (a BLOB id or actor)
        raise DamagedRow(seq, incident_id, "is not a valid warroom event") from None


def _decode_row(row: Sequence[Any]) -> ev.BaseEvent:
    """Rebuild a stored event in one pydantic JSON parse (the replay hot path).

    The envelope columns are spliced into the payload JSON so the event is
    validated straight from text (``model_validate_json``), which is much
    faster than ``json.loads`` followed by ``model_validate``.
    """
    seq, incident_id, at, actor, kind, data = row
    cls = ev.EVENT_KINDS[kind]
    # The time and kind are validated on write and need no JSON escaping; the id and the
    # actor (free text) are JSON-quoted once per distinct value.
    text = f'{{"seq":{int(seq)},"incident_id":{_quoted(incident_id)},"at":"{at}","actor":{_quoted(actor)},"kind":"{kind}"'
    body = data[1:].lstrip()
    return cls.model_validate_json(text + ("}" if body.startswith("}") else "," + body))


_QUOTED: dict[str, str] = {}


def _quoted(value: str) -> str:
    """``json.dumps(value)``, remembered: a replay sees the same few ids and actors again and again."""
    quoted = _QUOTED.get(value)
    if quoted is None:
        quoted = json.dumps(value)
        if len(_QUOTED) < 4096 and len(value) <= 256:
            _QUOTED[value] = quoted
    return quoted
