"""The token-by-token masker and the line cache's modes give exactly what the whole-line regex gives.

Masking is cached per token kind (digit runs by length class) and lines are cached by shape only while
shapes repeat; these tests hold both shortcuts to the reference: ``MASK`` applied to the whole line, then
a run of one masked token kept once (the regex the miner used before the shortcuts).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.data.evidence.templates import MASK, WILDCARD, Masker, TemplateMiner

_RUN = re.compile(r"(?<!\S)((?=\S*<\*>)(?=\S*[^\s<>*])\S+|<\*>(?=\s+<\*>\s+<\*>))(?:\s+\1)+(?!\S)")
_NUMBER = re.compile(r"\d+")


def reference(message: str) -> str:
    masked = MASK.sub(WILDCARD, message)
    if masked.count(WILDCARD) > 2:
        masked = _RUN.sub(r"\1", masked)
    return " ".join(masked.split())


def renumbered(lines: list[str], seed: int) -> list[str]:
    """Every number redrawn with 1 to 9 digits, as numbers are in real logs."""
    rng = random.Random(seed)

    def draw(_: re.Match[str]) -> str:
        digits = rng.randint(1, 9)
        return str(rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10**digits))

    return [_NUMBER.sub(draw, line) for line in lines]


TOKENS = st.sampled_from([
    "blk_-", "blk_", "/", ".", ":", "-", "0x", "x", "ms", "KiB", "%", "k", "jk", "_init()", "a", "f", "deadbeef",
    "µs", "[", "]", ",", "=", "<*>", "size", "Error", "\u0663", "é", "..", "/var/log/", "-cafe-",
])
PIECES = st.lists(st.one_of(TOKENS, st.integers(0, 10**12).map(str), st.just(" "), st.just("  ")), max_size=24)


@settings(max_examples=400, deadline=None)
@given(PIECES)
def test_token_masking_equals_the_whole_line_regex(pieces: list[str]) -> None:
    message = "".join(pieces)
    masker = Masker()
    assert masker.mask(message) == reference(message)
    assert masker.mask(message) == reference(message)  # from the caches, the same


@settings(max_examples=300, deadline=None)
@given(PIECES, st.integers(0, 2**32))
def test_shape_keys_mask_alike_whatever_the_lengths(pieces: list[str], seed: int) -> None:
    """One masker and one line cache over a line and its renumberings (keys shared across lengths)."""
    message = "".join(pieces)
    variants = [message, *renumbered([message] * 4, seed)]
    masker = Masker()
    for variant in variants:
        assert masker.mask(variant) == reference(variant), variant
    cached, plain = TemplateMiner(), TemplateMiner()
    assert [cached.add(v).template_id for v in variants] == [plain._add_masked(v).template_id for v in variants]
    assert [t.text for t in cached.templates()] == [t.text for t in plain.templates()]


def test_equal_on_real_lines_with_numbers_of_every_length(shared_data: Path) -> None:
    lines = []
    for name in ("HDFS", "Apache"):
        lines += (shared_data / "logs" / name / f"{name}_2k.log").read_text(encoding="utf-8").splitlines()
    masker = Masker()
    for line in [*lines, *renumbered(lines, 1), *renumbered(lines, 2)]:
        assert masker.mask(line) == reference(line), line


def test_uuid_and_hex_ids_keep_exact_lengths() -> None:
    masker = Masker()
    assert masker.mask("id 12345678-1234-1234-1234-123456789012 x") == "id <*> x"
    assert masker.mask("id 1234567-1234-1234-1234-123456789012 x") == reference("id 1234567-1234-1234-1234-123456789012 x")
    assert masker.mask("sha 1a2b3c4 ok") == "sha <*> ok"
    assert masker.mask("sha 1a2b3c ok") == "sha 1a2b3c ok"  # six hex characters: not an id
    assert masker.mask("at 10.0.0.1:8080 and 1000.0.0.1:8080") == "at <*> and <*>:<*>"
    assert masker.mask("jk2_init() and jk12345_init()") == "jk2_init() and jk12345_init()"


def test_varying_lengths_keep_the_line_cache_and_grouping_stays_the_same(shared_data: Path) -> None:
    lines = (shared_data / "logs" / "HDFS" / "HDFS_2k.log").read_text(encoding="utf-8").splitlines()
    varied = renumbered(lines * 5, 3)
    cached, plain = TemplateMiner(), TemplateMiner()
    ids = [cached.add(line).template_id for line in varied]
    assert cached._mode == 0  # numbers of any length share shape keys: the line cache stays on
    assert len(cached._shapes) < len(set(varied)) / 5  # IPv4 octets count by length class, other runs not
    assert ids == [plain._add_masked(line).template_id for line in varied]


def test_lines_whose_shapes_never_repeat_switch_the_line_cache_off() -> None:
    rng = random.Random(5)
    miner, plain = TemplateMiner(), TemplateMiner()
    lines = [f"request {rng.getrandbits(128):032x} served by pod-{rng.getrandbits(40):010x}" for _ in range(6000)]
    ids = [miner.add(line).template_id for line in lines]
    assert miner._mode != 0  # hex ids: almost every line a new shape
    assert ids == [plain._add_masked(line).template_id for line in lines]
    assert [t.text for t in miner.templates()] == ["request <*> served by pod-<*>"]
