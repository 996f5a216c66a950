"""Hypothesis fuzzing of the alert parsers and new properties of the event fold.

Alert parsers: arbitrary bytes, arbitrary JSON, and seed payloads with one value replaced
by arbitrary JSON either parse into alerts or raise ``AlertPayloadError`` (a ``ValueError``
with a message) - never another exception. Parsed alerts are plain data that survive a JSON
round trip (their text is kept as sent; what reaches a screen is stripped there, which the
corpus's show/list/war-room tests check).

Fold (beyond ``tests/data/test_fold_properties.py``): folding in two parts (the store's cache
then catching up) equals one replay; a JSON round trip of the accepted events (what the store
does) replays to the same state; describing any accepted event gives one inert line.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus.conftest import unsafe
from tests.data.test_fold_properties import FIRST, SEQUENCES, run
from warroom.data import events as ev
from warroom.data.alerts.alertmanager import parse_alertmanager
from warroom.data.alerts.intake import parse_alerts
from warroom.data.alerts.pagerduty import parse_pagerduty
from warroom.data.alerts.payload import AlertPayloadError
from warroom.data.describe import describe_event
from warroom.data.fold import apply, replay

SEEDS = [json.loads(p.read_bytes()) for p in sorted((Path(__file__).parents[1] / "data" / "payloads").glob("*.json"))]
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
HOSTILE_CHARS = st.text(alphabet=st.sampled_from(list("ab[]/{}%<>\x1b\x9b\u202e\x00\n\r\"\\") + ["é", "😀"]), max_size=30)
#: JSON values as a decoded payload can hold them (the decoder refuses NaN and Infinity).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | HOSTILE_CHARS | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12) | HOSTILE_CHARS, children,
                                                                      max_size=4),
    max_leaves=20,
)


def _parses_or_refuses(call) -> list:  # type: ignore[no-untyped-def]
    try:
        alerts = call()
    except AlertPayloadError as exc:
        assert str(exc).strip()
        return []
    for alert in alerts:
        # plain data that survives the store's JSON round trip (text is kept as sent: screens strip it)
        again = type(alert).model_validate_json(alert.model_dump_json())
        assert again == alert and isinstance(alert.title, str)
    return alerts


@FUZZ
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["alertmanager", "pagerduty", "auto"]))
def test_any_bytes_parse_or_are_refused(data: bytes, fmt: str) -> None:
    _parses_or_refuses(lambda: parse_alerts(data, fmt, "fuzz.json"))  # type: ignore[arg-type]


@FUZZ
@given(document=JSON)
def test_any_json_document_parses_or_is_refused(document: object) -> None:
    _parses_or_refuses(lambda: parse_alertmanager(document))
    _parses_or_refuses(lambda: parse_pagerduty(document))


def _paths(value, here=()):  # type: ignore[no-untyped-def]
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*here, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*here, i))


def _replace(document, path, value):  # type: ignore[no-untyped-def]
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@FUZZ
@given(seed=st.sampled_from(range(len(SEEDS))), pick=st.integers(min_value=0), value=JSON)
def test_seed_payloads_with_one_value_replaced(seed: int, pick: int, value: object) -> None:
    document = SEEDS[seed]
    paths = list(_paths(document))
    mutated = _replace(document, paths[pick % len(paths)], value)
    parser = parse_alertmanager if "alerts" in document else parse_pagerduty
    _parses_or_refuses(lambda: parser(mutated))


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(first=FIRST, steps=SEQUENCES, cut=st.integers(min_value=1, max_value=60))
def test_fold_in_two_parts_and_after_a_json_round_trip(first: ev.IncidentDeclared, steps: list, cut: int) -> None:
    state, accepted = run(first, steps)
    cut = min(cut, len(accepted))
    head = replay(accepted[:cut])
    for event in accepted[cut:]:
        head = apply(head, event)
    assert head is not None and head.model_dump() == state.model_dump()
    stored = [ev.parse_event(json.loads(e.model_dump_json())) for e in accepted]
    again = replay(stored)
    assert again is not None and again.model_dump() == state.model_dump()
    for event in accepted:
        line = describe_event(event)
        assert "\n" not in line and not unsafe(line), (event.kind, line)
