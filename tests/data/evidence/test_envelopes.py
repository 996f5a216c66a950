"""Logs in CSV and Docker-JSON envelopes, and trace exports: read for what they are."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.agents.offline.reader import read_log, sniff
from warroom.data.evidence.envelopes import EnvelopeStats, read_csv_log, unwrap_docker
from warroom.data.evidence.traces import read_spans

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cases" / "nezha"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _docker(line: str, at: str) -> str:
    return json.dumps({"log": line + "\n", "stream": "stderr", "time": at})


EXPORT = [
    ["timestamp", "epoch_ms", "service", "pod", "message"],
    ["2026-02-03T04:05:06.123Z", "1770091506123", "cart", "cart-6f7d8c9b5-abcde",
     _docker("12:05:06.123 ERROR c.a.CartController#88 checkout failed: stock-api:8080 refused", "2026-02-03T04:05:06.123Z")],
    ["2026-02-03T04:05:07Z", "1770091507000", "cart", "cart-6f7d8c9b5-abcde", "WARN [pool] slow acquire 900ms"],
    ["2026-02-03T04:05:08Z", "1770000000000", "cart", "cart-6f7d8c9b5-abcde", "INFO a plain line"],  # epoch a day off
]


def test_csv_export_unwraps_docker_json_and_uses_the_zoned_clock() -> None:
    stats = EnvelopeStats()
    rows = list(read_csv_log(io.StringIO(_csv(EXPORT)), stats))
    first = rows[0]
    assert first.timestamp == datetime(2026, 2, 3, 4, 5, 6, 123000, tzinfo=timezone.utc)  # not the text's 12:05 (UTC+8)
    assert (first.level, first.logger, first.pod, first.stream) == ("error", "c.a.CartController#88", "cart-6f7d8c9b5-abcde", "stderr")
    assert first.message.startswith("ERROR c.a.CartController#88 checkout failed")
    assert (rows[1].level, rows[1].logger) == ("warning", "pool")
    assert stats.unwrapped_docker == 1 and stats.clock_disagreements == 1 and stats.clock_used == "timestamp"


def test_offline_reader_gives_lines_their_own_level_and_source(tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(_csv(EXPORT).encode()))
    assert sniff(path) == "log"
    problems: list[str] = []
    lines = list(read_log(path, "export.csv.gz", problems))
    assert [(line.level, line.service) for line in lines] == [("ERROR", "cart"), ("WARN", "cart"), ("INFO", "cart")]
    assert lines[0].line_no == 2 and lines[0].pod == "cart-6f7d8c9b5-abcde"
    assert any("disagree" in p and "timestamp" in p for p in problems)


@pytest.mark.parametrize("text", ["", "message\n", "a,message\n1\n", "a,message\n\x00\x01,\"unterminated\n",
                                  "a,message\n" + "x," + "y" * 200_000 + "\n"])
def test_malformed_exports_never_raise(text: str) -> None:
    stats = EnvelopeStats()
    for row in read_csv_log(io.StringIO(text), stats):
        assert isinstance(row.message, str)


def test_docker_line_unwrapped_and_non_docker_left_alone() -> None:
    assert unwrap_docker('{"log":"boom\\n","stream":"stdout","time":"2026-01-01T00:00:00.5Z"}')[0] == "boom"
    assert unwrap_docker('{"msg": "not docker"}') is None and unwrap_docker("plain") is None


def test_trace_export_is_spans_not_a_log(tmp_path: Path) -> None:
    rows = [["TraceID", "SpanID", "ParentID", "PodName", "OperationName", "StartTimeUnixNano", "Duration"],
            ["t1", "s1", "root", "api-1", "GET /orders", "1770091506123000000", "1200"],
            ["t1", "s2", "s1", "db-0", "SELECT orders", "1770091506124000000", "300"]]
    path = tmp_path / "spans.csv"
    path.write_text(_csv(rows))
    assert sniff(path) == "traces"
    spans = list(read_spans(io.StringIO(_csv(rows))))
    assert [(s.who, s.operation, s.parent) for s in spans] == [("api-1", "GET /orders", "root"), ("db-0", "SELECT orders", "s1")]
    assert spans[0].start == datetime(2026, 2, 3, 4, 5, 6, 123000, tzinfo=timezone.utc)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/cases/nezha is absent (a user's clone)")
def test_recorded_nezha_export_reads_with_utc_clock_and_pod_source() -> None:
    path = SHARED / "route_exception_1104" / "log" / "11_05_log.csv.gz"
    lines = list(read_log(path, "11_05_log.csv.gz", []))
    assert len(lines) > 1000 and all(line.timestamp and line.timestamp.hour == 11 for line in lines)  # text says 19:xx
    errors = [line for line in lines if line.level == "ERROR"]
    assert errors and all(line.service.startswith("ts-") and line.span for line in errors)
    assert sniff(SHARED / "route_exception_1104" / "trace" / "11_05_trace.csv.gz") == "traces"
    assert sniff(SHARED / "route_exception_1104" / "metric" / "front_service.csv.gz") == "metrics"
