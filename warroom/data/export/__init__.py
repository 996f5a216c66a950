"""The markdown artifact set: an incident's events rendered as the record a postmortem reads.

``render_incident(events)`` is pure (same events, same bytes); ``export_incident``
writes the set under ``DIR/<incident-id>/`` atomically. ``render_json`` is the same
record as one JSON document, ``write_json`` writes it as ``DIR/<incident-id>.json``. ``find_defects`` checks a
rendered set for template leftovers, empty headings and leaked ``None``.
The review-section vocabulary lives in :mod:`warroom.data.export.sections`.
"""

from warroom.data.export.defects import find_defects
from warroom.data.export.record import ExportInputError
from warroom.data.export.record_json import render_json
from warroom.data.export.render import render_incident
from warroom.data.export.sections import REVIEW_SECTIONS, SECTION_KEYS, ReviewSection
from warroom.data.export.writer import ExportError, export_incident, write_json

__all__ = [
    "REVIEW_SECTIONS", "SECTION_KEYS", "ExportError", "ExportInputError", "ReviewSection",
    "export_incident", "find_defects", "render_incident", "render_json", "write_json",
]  # fmt: skip
