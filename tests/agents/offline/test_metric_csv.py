"""Wide metric CSVs (a time column and one column per metric) are metric series, never log lines."""

from __future__ import annotations

import gzip
from pathlib import Path

from warroom.agents.offline.metrics import read_csv
from warroom.agents.offline.reader import sniff

WIDE = (
    "Time,TimeStamp,PodName,CpuUsage(m),MemoryUsage(Mi),SuccessRate(%),Empty\n"
    "2026-03-01 10:00:10.12 +0000 UTC m=+1.5,1772359210,cart-6f7d8c9b5-abcde,12.5,300,0,NaN\n"
    "2026-03-01 10:01:10.40 +0000 UTC m=+61.5,1772359270,cart-6f7d8c9b5-abcde,NaN,310,0,NaN\n"
    "2026-03-01 10:02:10.33 +0000 UTC m=+121.5,1772359330,cart-6f7d8c9b5-abcde,80.1,640,0,NaN\n"
)


def test_wide_csv_gives_one_series_per_changing_column_and_reports_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "cart_metric.csv.gz"
    path.write_bytes(gzip.compress(WIDE.encode()))
    assert sniff(path) == "metrics"
    problems: list[str] = []
    series = read_csv(path, "cart_metric.csv.gz", problems)
    names = [name for name, _, _ in series]
    assert names == ['CpuUsage(m){pod="cart-6f7d8c9b5-abcde"}', 'MemoryUsage(Mi){pod="cart-6f7d8c9b5-abcde"}']
    cpu = series[0][1]
    assert [v for _, v in cpu] == [12.5, 80.1]  # the NaN cell is a gap, not a zero
    assert cpu[0][0].isoformat().startswith("2026-03-01T10:00:10")
    assert len(problems) == 1 and "SuccessRate(%) (constant 0)" in problems[0] and "Empty (no numbers)" in problems[0]


def test_two_column_csv_still_reads_as_one_series(tmp_path: Path) -> None:
    path = tmp_path / "p99_latency.csv"
    path.write_text("timestamp,value\n2026-03-01T10:00:00Z,0.2\n2026-03-01T10:01:00Z,0.9\n")
    series = read_csv(path, "p99_latency.csv", [])
    assert [(n, len(p)) for n, p, _ in series] == [("p99_latency", 2)]


def test_garbage_csv_reports_instead_of_raising(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\xff\x00,\x01\n\xfe,\xfd\n")
    problems: list[str] = []
    assert read_csv(path, "junk.csv", problems) == [] and problems
