"""Template mining: masking, grouping, and grouping accuracy on the Loghub samples (one configuration)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.data.evidence.conftest import structured
from warroom.data.evidence import ReadStats, TemplateMiner, mask, read_log


def grouping_accuracy(truth: list[str], predicted: list[int]) -> float:
    """GA (Zhu et al., ICSE 2019): a line counts when its predicted group equals its true group exactly."""
    true_groups: dict[str, set[int]] = defaultdict(set)
    predicted_groups: dict[int, set[int]] = defaultdict(set)
    for index, (t, p) in enumerate(zip(truth, predicted, strict=True)):
        true_groups[t].add(index)
        predicted_groups[p].add(index)
    correct = sum(1 for i, (t, p) in enumerate(zip(truth, predicted)) if true_groups[t] == predicted_groups[p])
    return correct / len(truth)


def test_grouping_accuracy_measures_exact_groups() -> None:
    assert grouping_accuracy(["a", "a", "b"], [1, 1, 2]) == 1.0
    assert grouping_accuracy(["a", "a", "b"], [1, 1, 1]) == 0.0
    assert grouping_accuracy(["a", "a", "b", "b"], [1, 2, 3, 3]) == 0.5


@pytest.mark.parametrize(("name", "required"), [("HDFS", 0.998), ("Apache", 1.0)])
def test_grouping_accuracy_on_content_column(shared_data: Path, name: str, required: float) -> None:
    rows = structured(shared_data / "logs" / name, name)
    miner = TemplateMiner()
    predicted = [miner.add(row["Content"]).template_id for row in rows]
    assert grouping_accuracy([row["EventId"] for row in rows], predicted) >= required


@pytest.mark.parametrize(("name", "required"), [("HDFS", 0.998), ("Apache", 1.0)])
def test_grouping_accuracy_on_our_own_parsed_messages(shared_data: Path, name: str, required: float) -> None:
    """The raw log through read_log (timestamp and level stripped by our parser), same configuration."""
    rows = structured(shared_data / "logs" / name, name)
    stats = ReadStats()
    records = list(read_log(shared_data / "logs" / name / f"{name}_2k.log", stats))
    assert stats.records == 2000 and stats.no_timestamp == 0
    miner = TemplateMiner()
    predicted = [miner.add(record.message).template_id for record in records]
    assert grouping_accuracy([row["EventId"] for row in rows], predicted) >= required
    if name == "Apache":
        levels = defaultdict(int)
        for record in records:
            levels[record.level] += 1
        assert dict(levels) == {"notice": 1405, "error": 595}


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6",
         "Received block blk_<*> of size <*> from <*>"),
        ("conn 10.0.0.7:5432 took 250ms (1.5s budget) at 0x7ffee3b8", "conn <*> took <*> (<*> budget) at <*>"),
        ("request 3f2b6c1e-9a4d-4c1b-8e2f-0a1b2c3d4e5f done", "request <*> done"),
        ("wrote /var/data/part-00042.parquet 64MiB in 250ms", "wrote <*> <*> in <*>"),
        ("ids 1 2 3 4 and a a a", "ids <*> and a a a"),
        ("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed", "commit <*> deployed"),
        ("jk2_init() Found child 6725 in scoreboard slot 10", "jk2_init() Found child <*> in scoreboard slot <*>"),
        ("memory is 496MB. limit 512MB.", "memory is <*>. limit <*>."),
        ("ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3", "ask <*> to delete blk_<*>"),
    ],
)
def test_masking(message: str, masked: str) -> None:
    assert mask(message) == masked


def test_templates_generalise_and_keep_ids() -> None:
    miner = TemplateMiner()
    a = miner.add("login ok for user alice from web")
    b = miner.add("login ok for user bob from web")
    c = miner.add("disk full on /dev/sda")
    assert a.template_id == b.template_id != c.template_id
    assert a.text == "login ok for user <*> from web" and a.count == 2
    assert [t.template_id for t in miner.templates()] == [1, 2]
    assert miner.match("login ok for user carol from web") is a
    assert miner.match("something else entirely new") is None
    assert a.count == 2  # match does not count


def test_dissimilar_messages_of_same_length_stay_apart() -> None:
    miner = TemplateMiner()
    first = miner.add("connection refused by db")
    second = miner.add("certificate expired for api")
    assert first.template_id != second.template_id


def test_template_limit_bounds_memory() -> None:
    miner = TemplateMiner(max_templates=5)
    for index in range(50):
        miner.add(f"unique{chr(65 + index % 26)}{chr(65 + index // 26)} message kind")
    templates = miner.templates()
    assert len(templates) == 6 and templates[-1].template_id == 6 and templates[-1].count == 45


def test_empty_and_whitespace_messages() -> None:
    miner = TemplateMiner()
    assert miner.add("").template_id == miner.add("   ").template_id


@pytest.mark.parametrize("mode_lines", [40, 6000])  # the shape cache, and masking without it (many shapes)
def test_templates_and_examples_are_mined_after_redaction(mode_lines: int) -> None:
    from warroom.data.evidence.logs import LogRecord
    from warroom.data.evidence.series import LogDigest

    digest = LogDigest()
    secrets = []
    for i in range(mode_lines):
        tail = f"Tail{i}Secret{i * 7919 % 10007}"
        secrets.append(tail)
        token = f"xoxb-{100000000000 + i}-{'abcdefghijklmnopqrstuvwx'[i % 20:]}{i}-{tail}"
        pad = " x" * (i % 30)  # a varying length: thousands of shapes, so the miner drops its line cache
        digest.add(LogRecord(source="app.log", line_no=i + 1, timestamp=None, level="ERROR", service="api", pod=None, host=None, raw="",
                             message=f"slack notify failed token {token}{pad}"))
    mined = " ".join(t.text for t in digest.miner.templates())
    examples = " ".join(m for s in digest.series() for _, _, m in s.examples)
    assert "Secret" not in mined and "xoxb-" not in mined, mined[:400]
    assert "[redacted: slack-token" in examples and not any(s in examples for s in secrets)
