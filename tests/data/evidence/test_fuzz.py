"""Arbitrary bytes never crash the log reader, the miner, the changes reader or classify."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.data.evidence import ReadStats, TemplateMiner, classify, read_changes_file, read_log

REF = datetime(2026, 11, 23, tzinfo=timezone.utc)
LINES = st.lists(
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"2026-11-23T09:00:00Z ERROR x", b'{"ts": 1e400, "level": [1], "msg": {"a": null}}',
                         b"[" * 5000, b'{"a":' * 3000, b"Feb 30 25:61:61 host x:", b"99999999999999 INFO",
                         b"\xff\xfe\x00", b"\r\r\n", b"[Sun Dec 99 04:47:44 2005] [error] x"]),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, max_line=st.integers(min_value=1, max_value=300))
def test_reader_survives_anything(lines: list[bytes], max_line: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.log"
        path.write_bytes(b"\n".join(lines))
        stats = ReadStats()
        records = list(read_log(path, stats, max_line=max_line, reference=REF))
        assert stats.records == len(records) <= stats.lines
        assert all(r.timestamp is None or r.timestamp.tzinfo is not None for r in records)
        assert all(len(r.raw.encode("utf-8", "surrogatepass")) <= max_line + 3 * max_line for r in records)
        miner = TemplateMiner()
        for record in records:
            miner.add(record.message)
        assert sum(t.count for t in miner.templates()) == len(records)
        classify(path)
        read_changes_file(path, "x")


def test_deeply_nested_json_line_is_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "deep.log"
    path.write_text('{"a":' * 10_000 + "1" + "}" * 10_000 + "\n")
    (record,) = list(read_log(path, reference=REF))
    assert record.message.startswith('{"a":')
