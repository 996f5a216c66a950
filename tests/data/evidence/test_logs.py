"""Reading logs: formats, timestamps, levels, and hostile input (binary, huge lines, bad UTF-8, gzip)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data.evidence import LogReadError, ReadStats, read_log

UTC = timezone.utc
REF = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def records(path: Path, **kwargs):
    stats = ReadStats()
    return list(read_log(path, stats, reference=REF, **kwargs)), stats


@pytest.mark.parametrize(
    ("line", "when", "level", "message"),
    [
        ("2026-11-23T09:01:02.123Z ERROR pool exhausted", datetime(2026, 11, 23, 9, 1, 2, 123000, UTC), "error",
         "pool exhausted"),
        ("2026-11-23T10:01:02+01:00 [warn] slow query", datetime(2026, 11, 23, 9, 1, 2, tzinfo=UTC), "warning",
         "slow query"),
        ("2026-11-23 09:01:02,123 - INFO - started", datetime(2026, 11, 23, 9, 1, 2, 123000, UTC), "info", "started"),
        ("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok", datetime(2005, 12, 4, 4, 47, 44, tzinfo=UTC),
         "notice", "workerEnv.init() ok"),
        ("081109 203615 148 INFO dfs.DataNode: done", datetime(2008, 11, 9, 20, 36, 15, tzinfo=UTC), "info",
         "dfs.DataNode: done"),
        ("1763888462 FATAL out of memory", datetime.fromtimestamp(1763888462, UTC), "critical", "out of memory"),
        ("1763888462123 level=error msg", datetime.fromtimestamp(1763888462.123, UTC), "error", "msg"),
        ("E1123 09:01:02.500000       1 reflector.go:138] failed to list pods",
         datetime(2026, 11, 23, 9, 1, 2, 500000, UTC), "error", "failed to list pods"),
        ('10.0.0.1 - - [23/Nov/2026:09:01:02 +0000] "GET / HTTP/1.1" 502 12',
         datetime(2026, 11, 23, 9, 1, 2, tzinfo=UTC), None, '"GET / HTTP/1.1" 502 12'),
    ],
)
def test_text_formats(tmp_path: Path, line: str, when: datetime, level: str | None, message: str) -> None:
    path = tmp_path / "app.log"
    path.write_text(line + "\n")
    (record,), stats = records(path)
    assert record.timestamp == when
    assert record.level == level
    assert record.message == message
    assert record.raw == line and record.line_no == 1
    assert stats.records == 1 and stats.no_timestamp == 0


def test_zone_less_timestamps_are_counted_as_assumed_utc(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text("2026-11-23 09:00:00 INFO a\n2026-11-23T09:00:00Z INFO b\n")
    _, stats = records(path)
    assert stats.assumed_utc == 1


def test_syslog_year_is_inferred_from_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("Nov 23 09:01:02 web-1 nginx[311]: upstream timed out\nDec 31 23:59:59 web-1 cron[1]: x\n")
    (first, second), stats = records(path)
    assert first.timestamp == datetime(2026, 11, 23, 9, 1, 2, tzinfo=UTC)
    assert (first.host, first.service, first.message) == ("web-1", "nginx", "upstream timed out")
    assert second.timestamp.year == 2025  # December would be in the future: last year's
    assert stats.inferred_year == 2


def test_json_lines_fields(tmp_path: Path) -> None:
    lines = [
        {"ts": "2026-11-23T09:00:00Z", "level": "WARN", "msg": "retrying", "service": "checkout", "pod": "c-1",
         "host": "n1"},
        {"@timestamp": 1763888462000, "severity": "ERROR", "message": "boom",
         "kubernetes": {"pod_name": "api-7d9f", "host": "node-2", "labels": {"app": "api"}}},
        {"time": "2026-11-23T09:00:01Z", "lvl": 3, "log": "docker line\n", "service": {"name": "svc"}},
        {"timestamp": "garbage", "other": 1},
    ]
    path = tmp_path / "app.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n[1, 2]\n")
    recs, stats = records(path)
    assert (recs[0].level, recs[0].message, recs[0].service, recs[0].pod, recs[0].host) == (
        "warning", "retrying", "checkout", "c-1", "n1")
    assert recs[1].timestamp == datetime.fromtimestamp(1763888462, UTC)
    assert (recs[1].level, recs[1].service, recs[1].pod, recs[1].host) == ("error", "api", "api-7d9f", "node-2")
    assert (recs[2].level, recs[2].message, recs[2].service) == ("error", "docker line", "svc")
    assert recs[3].timestamp is None and recs[3].message == recs[3].raw
    assert recs[4].raw == "[1, 2]"
    assert stats.records == 5 and stats.no_timestamp == 2


def test_gzip_is_detected_by_magic_not_name(tmp_path: Path) -> None:
    path = tmp_path / "rotated.1"
    path.write_bytes(gzip.compress(b"2026-11-23T09:00:00Z ERROR a\r\n2026-11-23T09:00:01Z INFO b\r\n"))
    recs, stats = records(path)
    assert [r.message for r in recs] == ["a", "b"] and stats.compressed


def test_corrupt_gzip_stops_with_an_error_not_an_exception(tmp_path: Path) -> None:
    data = gzip.compress(b"2026-11-23T09:00:00Z ERROR a\n" * 50_000)
    path = tmp_path / "broken.gz"
    path.write_bytes(data[: len(data) // 2] + b"\x00garbage" * 10)
    recs, stats = records(path)
    assert stats.error and 0 < len(recs) < 50_000


def test_crlf_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    path.write_bytes(b"2026-11-23T09:00:00Z INFO caf\xe9\r\n2026-11-23T09:00:01Z INFO ok\r\n")
    (bad, good), stats = records(path)
    assert bad.message == "caf\ufffd" and good.message == "ok" and not good.raw.endswith("\r")
    assert stats.invalid_encoding == 1


def test_huge_line_is_cut_and_the_rest_skipped(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as handle:
        handle.write(b"2026-11-23T09:00:00Z ERROR " + b"x" * 5_000_000 + b"\n2026-11-23T09:00:01Z INFO after\n")
    recs, stats = records(path, max_line=1024)
    assert len(recs) == 2 and len(recs[0].raw) == 1024 and recs[1].message == "after"
    assert stats.truncated_lines == 1 and stats.lines == 2


def test_cut_inside_a_multibyte_character_is_not_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "euro.log"
    path.write_bytes(("€" * 100 + "\n").encode())
    (rec,), stats = records(path, max_line=10)
    assert rec.raw == "€€€" and stats.invalid_encoding == 0 and stats.truncated_lines == 1


def test_nul_lines_inside_text_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"2026-11-23T09:00:00Z INFO a\n" * 400 + b"\x00\x00\x01junk\n" + b"2026-11-23T09:00:01Z INFO b\n")
    recs, stats = records(path)
    assert len(recs) == 401 and stats.skipped_binary == 1 and not stats.binary_file


def test_200mb_of_nuls_is_detected_from_the_head(tmp_path: Path) -> None:
    path = tmp_path / "core.dump"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    recs, stats = records(path)
    assert recs == [] and stats.binary_file and stats.lines == 0


def test_random_binary_is_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(1, 32)) * 300)
    recs, stats = records(path)
    assert recs == [] and stats.binary_file


def test_traceback_lines_take_the_time_of_the_error_above(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2026-11-23 09:00:00,000 ERROR boom\nTraceback (most recent call last):\n"
                    "  File \"a.py\", line 1, in f\nValueError: bad\nplain line\n")
    recs, stats = records(path)
    assert [r.timestamp is not None for r in recs] == [True, True, True, True, False]
    assert recs[3].level == "error" and stats.continuations == 3 and stats.no_timestamp == 1


def test_level_words_in_a_message_are_not_levels(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2026-11-23T09:00:00Z an error occurred while connecting\n")
    (rec,), _ = records(path)
    assert rec.level is None and rec.message == "an error occurred while connecting"


def test_empty_file_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert records(path)[0] == []
    path.write_bytes(b"\n\r\n   \n")
    recs, stats = records(path)
    assert recs == [] and stats.lines == 3


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(LogReadError, match="not a regular file"):
        list(read_log(fifo, reference=REF))


def test_reading_streams(tmp_path: Path) -> None:
    """A generator: the first record arrives before the file is read to the end."""
    path = tmp_path / "big.log"
    path.write_bytes(b"2026-11-23T09:00:00Z INFO line\n" * 200_000)
    stream = read_log(path, reference=REF)
    first = next(stream)
    assert first.line_no == 1
    stream.close()


def test_mixed_formats_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    path.write_text("081109 203615 148 INFO dfs.DataNode: a\n[Sun Dec 04 04:47:44 2005] [error] b\n"
                    "2026-11-23T09:00:00Z WARN c\nNov 23 09:01:02 web-1 nginx: d\nno stamp at all\n"
                    "081109 203616 149 INFO dfs.DataNode: e\nE1123 09:01:02.5 1 x.go:1] f\n")
    recs, stats = records(path)
    assert [r.message for r in recs] == ["dfs.DataNode: a", "b", "c", "d", "no stamp at all", "dfs.DataNode: e", "f"]
    assert [r.level for r in recs] == ["info", "error", "warning", None, None, "info", "error"]
    assert [r.host for r in recs] == [None, None, None, "web-1", None, None, None]
    assert stats.no_timestamp == 1


def test_same_second_with_different_zones_and_fractions(tmp_path: Path) -> None:
    """Stamps sharing their first seconds of text still get their own fraction and zone."""
    path = tmp_path / "zones.log"
    path.write_text("2026-11-23T10:01:02+01:00 a\n2026-11-23T10:01:02Z b\n2026-11-23T10:01:02.250 c\n"
                    "[2026-11-23T10:01:02Z] d\n081109 203615 e\n081109 203615 f\n")
    recs, stats = records(path)
    assert [r.timestamp for r in recs[:4]] == [datetime(2026, 11, 23, 9, 1, 2, tzinfo=UTC),
                                               datetime(2026, 11, 23, 10, 1, 2, tzinfo=UTC),
                                               datetime(2026, 11, 23, 10, 1, 2, 250000, tzinfo=UTC),
                                               datetime(2026, 11, 23, 10, 1, 2, tzinfo=UTC)]
    assert [r.message for r in recs] == ["a", "b", "c", "d", "e", "f"]
    assert recs[4].timestamp == recs[5].timestamp == datetime(2008, 11, 9, 20, 36, 15, tzinfo=UTC)
    assert stats.assumed_utc == 3


def test_logfmt_lines(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text('ts=2026-11-23T09:00:00Z level=warn msg="slow query \\"orders\\"" service=db pod=db-0 dur=2s\n'
                    "level=error msg=boom\n"
                    "time=yesterday other=1\n")
    first, second, third = records(path)[0]
    assert first.timestamp == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert (first.level, first.message, first.service, first.pod) == ("warning", 'slow query "orders"', "db", "db-0")
    assert (second.level, second.message, second.timestamp) == ("error", "boom", None)
    assert third.message == "time=yesterday other=1" and third.level is None
