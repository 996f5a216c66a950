"""Incident identifiers: validation and allocation.

An incident id is used as a directory name by the export and as a key in the
database, so it is validated strictly: ``INC-YYYY-NNNN`` (four or more digits).
Anything else -- path separators, ``..``, NUL, control characters, whitespace --
is refused with a clear reason.
"""

from __future__ import annotations

import re

ID_PATTERN = re.compile(r"^INC-(\d{4})-(\d{4,8})$")
MAX_ID_LENGTH = 20


class InvalidIncidentId(ValueError):
    """Raised for a string that is not a valid incident id."""


def validate_incident_id(value: object) -> str:
    """Return ``value`` if it is a valid incident id, else raise :class:`InvalidIncidentId`."""
    if not isinstance(value, str):
        raise InvalidIncidentId(f"incident id must be text, not {type(value).__name__}")
    shown = value[:40].encode("unicode_escape").decode("ascii")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIncidentId(f"incident id {shown!r}... is too long (at most {MAX_ID_LENGTH} characters)")
    if not value:
        raise InvalidIncidentId("incident id is empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidIncidentId(f"incident id {shown!r} contains control characters")
    if "/" in value or "\\" in value or ".." in value:
        raise InvalidIncidentId(f"incident id {shown!r} contains a path separator or '..'")
    if not ID_PATTERN.match(value):
        raise InvalidIncidentId(f"incident id {shown!r} is not of the form INC-YYYY-NNNN (e.g. INC-2026-0042)")
    return value


def format_incident_id(year: int, number: int) -> str:
    """The id of the ``number``-th incident of ``year``."""
    return f"INC-{year:04d}-{number:04d}"


def next_incident_id(year: int, existing: list[str]) -> str:
    """The next free id in ``year`` given the ids that already exist."""
    highest = 0
    for incident_id in existing:
        match = ID_PATTERN.match(incident_id)
        if match and int(match.group(1)) == year:
            highest = max(highest, int(match.group(2)))
    return format_incident_id(year, highest + 1)
