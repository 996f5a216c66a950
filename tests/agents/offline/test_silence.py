"""A handler whose expected log line goes missing, found from traces and logs that carry span ids."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.agents.offline.conftest import evidence_for
from warroom.agents.offline.analysis import analyse
from warroom.agents.offline.writers.common import headline

START = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
PODS = {"orders": "orders-5d8f9c7b6d-a1b2c", "stock": "stock-7c9d8e6f5a-d3e4f", "users": "users-6b7c8d9e0f-g5h6i",
        "billing": "billing-8a9b0c1d2e-j7k8l"}


def _write(tmp_path: Path, stop_at: int | None, silent: str = "stock", requests: int = 60,
           logs_everywhere: bool = True) -> list[str]:
    spans = io.StringIO()
    logs = io.StringIO()
    sw, lw = csv.writer(spans), csv.writer(logs)
    sw.writerow(["TraceID", "SpanID", "ParentID", "PodName", "OperationName", "StartTimeUnixNano", "Duration"])
    lw.writerow(["Timestamp", "PodName", "TraceID", "SpanID", "Log"])
    for n in range(requests):
        at = START + timedelta(seconds=5 * n)
        trace = f"t{n:04d}"
        sw.writerow([trace, f"{trace}-gw", "root", "gateway-1", "GET /checkout", int(at.timestamp() * 1e9), 900])
        for service, pod in PODS.items():
            span, inner = f"{trace}-{service}", f"{trace}-{service}-c"
            sw.writerow([trace, span, f"{trace}-gw", pod, f"/api/{service}", int(at.timestamp() * 1e9), 300])
            sw.writerow([trace, inner, span, pod, f"{service.title()}Controller.handle", int(at.timestamp() * 1e9), 200])
            ping = f"{trace}-{service}-ping"  # a second handler of the same pod, which keeps logging
            sw.writerow([trace, ping, f"{trace}-gw", pod, f"/api/{service}/ping", int(at.timestamp() * 1e9), 50])
            if logs_everywhere or service == silent:
                lw.writerow([f"{at:%Y-%m-%dT%H:%M:%S}Z", pod, trace, ping, f"{at:%H:%M:%S}.000 INFO  c.P#1 pong"])
            stopped = service == silent and stop_at is not None and n >= stop_at
            if (logs_everywhere or service == silent) and not stopped:
                lw.writerow([f"{at:%Y-%m-%dT%H:%M:%S}Z", pod, trace, inner,
                             f"{at + timedelta(hours=8):%H:%M:%S}.000 INFO  c.{service}.Controller#40 [{service}] handled"])
        if stop_at is not None and n >= stop_at:
            lw.writerow([f"{at:%Y-%m-%dT%H:%M:%S}Z", PODS["orders"], trace, f"{trace}-orders-c",
                         f"{at + timedelta(hours=8):%H:%M:%S}.000 ERROR c.orders.Client#77 stock check failed"])
    (tmp_path / "spans.csv").write_text(spans.getvalue())
    (tmp_path / "logs.csv").write_text(logs.getvalue())
    return ["logs.csv", "spans.csv"]


def _conclude(tmp_path: Path, files: list[str]):
    analysis = analyse(evidence_for(tmp_path, [(f, "log") for f in files]), str(tmp_path), key=str(tmp_path))
    return analysis, headline(analysis)[0]


def test_handler_that_stops_logging_is_named_not_its_erroring_caller(tmp_path: Path) -> None:
    analysis, text = _conclude(tmp_path, _write(tmp_path, stop_at=20))
    assert text.startswith("`stock` (pod `stock-7c9d8e6f5a-d3e4f`) fails silently in its `StockController.handle`")
    assert "40 of the 60" in text and f"since {START + timedelta(seconds=100):%Y-%m-%d %H:%M:%S}Z" in text
    assert "missing" in text and "orders" not in text.split("fails silently")[0]


def test_handler_silent_throughout_the_window_is_still_named(tmp_path: Path) -> None:
    _, text = _conclude(tmp_path, _write(tmp_path, stop_at=0))
    assert "`stock`" in text and "throughout the attached window" in text


def test_a_system_that_does_not_log_per_request_expects_nothing(tmp_path: Path) -> None:
    analysis, _ = _conclude(tmp_path, _write(tmp_path, stop_at=None, logs_everywhere=False))
    assert not any(h.family == "missing_log_line" for h in analysis.hypotheses)
