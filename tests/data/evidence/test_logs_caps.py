"""A log is read up to a size limit (decompressed bytes, lines): a gzip bomb ends early, saying what was left out."""

from __future__ import annotations

import gzip
from pathlib import Path

from warroom.data.evidence.logs import ReadStats, read_log

LINE = b"2026-11-23T09:00:00Z ERROR api connection pool exhausted (active=50 idle=0)\n"


def test_a_small_gzip_that_expands_a_lot_stops_at_the_byte_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "api.log.gz"
    bomb.write_bytes(gzip.compress(LINE * 200_000, 9))  # ~16 MB of lines in ~50 KB
    assert bomb.stat().st_size < 100_000
    stats = ReadStats()
    records = sum(1 for _ in read_log(bomb, stats, max_bytes=1 << 20))
    assert stats.compressed and 0 < records <= (1 << 20) // len(LINE) < 200_000
    assert "the rest was left out" in stats.capped and "1,048,576 bytes" in stats.capped and "decompressed" in stats.capped


def test_the_line_cap_and_a_file_exactly_at_it(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    log.write_bytes(LINE * 1000)
    stats = ReadStats()
    assert sum(1 for _ in read_log(log, stats, max_lines=999)) == 999 and "999 lines" in stats.capped
    exact = ReadStats()
    assert sum(1 for _ in read_log(log, exact, max_lines=1000)) == 1000 and exact.capped == ""
    assert exact.lines == 1000


def test_an_overlong_line_counts_all_its_bytes(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    log.write_bytes(b"x" * 3_000_000 + b"\n" + LINE * 10)
    stats = ReadStats()
    records = list(read_log(log, stats, max_bytes=2_000_000))
    assert len(records) == 1 and stats.truncated_lines == 1  # the cut line; none of the ten after it
    assert "2,000,000 bytes" in stats.capped
