"""Shape keys for the masking caches: texts (lines or tokens) with one key mask alike.

No rule of :data:`~warroom.data.evidence.templates.MASK` tells one ASCII digit from another or starts
or ends inside a digit run, so a text is keyed first by its *outline*: its UTF-8 bytes with every digit
run written as one ``0`` (``took 12 ms`` and ``took 123456 ms`` share ``took 0 ms``). Only a run's
length can still matter, and only where the run touches something a length-reading rule looks at; the
outline says where (its bytes around each run are the text's own), so which runs count is worked out
once per outline (:func:`run_spec`):

- a run touching a hex letter, an ``x`` or a non-ASCII byte, or a ``-`` with a hex character across
  it, counts with its exact length (hex ids of 7 or more hex characters, ``0x`` numbers, UUID groups,
  a Unicode digit that joins the run);
- a run touching a ``.``, or after a ``:`` that follows such a run, counts by length class, 1-3 / 4-5 /
  6+ digits, all the IPv4 rule reads (octets of up to 3 digits, a port of up to 5);
- any other run (``blk_-42``, ``took 1234 ms``, ``id=7``, ``09:01:02``), and any run inside a path the
  path rule masks whole (``/10.250.19.102:50010``), does not count: no rule reads its length.

The key is the outline alone when no run counts, else the outline with the counted lengths.
"""

from __future__ import annotations

import re

ZEROS = bytes.maketrans(b"0123456789", b"0000000000")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_EXACT_NEIGHBOURS = frozenset(b"abcdefABCDEFxX") | frozenset(range(0x80, 0x100))
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_OR_SLASH = _WORD | frozenset(b"/")
_PATH = _WORD | frozenset(b".:/-")
_LENGTH_CLASS = (0, 1, 1, 1, 4, 4)  # by run length; 6 and more are class 6
_DIGIT_RUN = re.compile(r"[0-9]+")
_SPEC_LIMIT = 50_000


def outline(shape: bytes) -> bytes:
    """``shape`` (digits already turned into ``0``) with every run of ``0`` written once."""
    while b"00" in shape:
        shape = shape.replace(b"0000", b"0").replace(b"00", b"0")
    return shape


def run_spec(key: bytes) -> tuple[int, ...]:
    """Which digit runs of an outline count, by place: ``i`` by exact length, ``~i`` by length class."""
    spec: list[int] = []
    place = 0
    last = len(key) - 1
    paths = _path_spans(key)
    at = key.find(b"0")
    while at >= 0:
        before = key[at - 1] if at > 0 else 32
        after = key[at + 1] if at < last else 32
        if any(start <= at < end for start, end in paths):
            pass  # masked whole with its path, whatever it holds
        elif (before in _EXACT_NEIGHBOURS or after in _EXACT_NEIGHBOURS
                or (before == 45 and at > 1 and key[at - 2] in _HEX)
                or (after == 45 and at + 2 <= last and key[at + 2] in _HEX)):
            spec.append(place)
        elif before == 46 or after == 46 or (before == 58 and at > 2 and key[at - 2] == 48 and key[at - 3] == 46):
            spec.append(~place)  # an IPv4 octet, or the port after one
        place += 1
        at = key.find(b"0", at + 1)
    return tuple(spec)


def _path_spans(key: bytes) -> list[tuple[int, int]]:
    """Where the path rule masks a whole path: from a ``/`` after no word character or ``/``, over
    word characters and ``.:/-`` (ASCII only: a span that runs into a non-ASCII byte is left out, to stay exact)."""
    spans: list[tuple[int, int]] = []
    at = key.find(b"/")
    while at >= 0:
        if at == 0 or (key[at - 1] not in _WORD_OR_SLASH and key[at - 1] < 0x80):
            end = at + 1
            while end < len(key) and key[end] in _PATH:
                end += 1
            if end == len(key) or key[end] < 0x80:
                spans.append((at, end))
            at = key.find(b"/", end)
        else:
            at = key.find(b"/", at + 1)
    return spans


class ShapeKeys:
    """Keys texts by shape (see the module docstring), remembering each outline's counted runs."""

    def __init__(self) -> None:
        self._specs: dict[bytes, tuple[int, ...]] = {}

    def key(self, text: str) -> bytes | tuple[bytes, tuple[int, ...]]:
        """The key of ``text``."""
        return self.key_of(text, text.encode("utf-8", "surrogatepass").translate(ZEROS))

    def key_of(self, text: str, shape: bytes) -> bytes | tuple[bytes, tuple[int, ...]]:
        """The key of ``text`` whose digits-to-``0`` bytes are ``shape``."""
        key = outline(shape) if b"00" in shape else shape
        spec = self._specs.get(key)
        if spec is None:
            spec = run_spec(key)
            if len(self._specs) >= _SPEC_LIMIT:
                self._specs.clear()
            self._specs[key] = spec
        if not spec:
            return key
        runs = _DIGIT_RUN.findall(text)
        lengths = []
        for place in spec:
            if place >= 0:
                lengths.append(len(runs[place]))
            else:
                size = len(runs[~place])
                lengths.append(_LENGTH_CLASS[size] if size < 6 else 6)
        return key, tuple(lengths)
