"""An exception no other family names is the cause the logs give: its class, its message, where it is thrown."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agents.offline.conftest import evidence_for
from warroom.agents.offline.analysis import analyse
from warroom.agents.offline.writers.common import headline


def conclude(tmp_path: Path, name: str, text: str, kind: str = "log") -> str:
    (tmp_path / name).write_text(text)
    evidence = evidence_for(tmp_path, [(name, kind)])
    return headline(analyse(evidence, str(tmp_path), alerts=[], title="errors", key=str(tmp_path)))[0]


def test_a_java_exception_names_its_class_message_and_application_frame(tmp_path: Path) -> None:
    block = ("2026-12-02 10:00:0{i}.411 ERROR 1 --- [exec-{i}] o.a.c.c.C.[dispatcherServlet] : Servlet.service() threw exception\n"
             "java.lang.IllegalArgumentException: unknown currency 'XTS'\n"
             "\tat java.base/java.util.Currency.getInstance(Currency.java:305)\n"
             "\tat com.shop.fx.RateTable.convert(RateTable.java:61)\n")
    text = conclude(tmp_path, "fx.log", "".join(block.format(i=i) for i in range(3)))
    assert "`java.lang.IllegalArgumentException` is thrown at `com.shop.fx.RateTable.convert(RateTable.java:61)`" in text
    assert "unknown currency 'XTS'" in text and "fx" in text


def test_a_python_traceback_names_the_last_line_and_the_application_frame(tmp_path: Path) -> None:
    tb = ("2026-12-02T09:10:0{i}Z ERROR job failed\nTraceback (most recent call last):\n"
          '  File "/srv/billing/export.py", line 214, in write_rows\n    writer.writerow(row)\n'
          '  File "/usr/local/lib/python3.12/csv.py", line 164, in writerow\n    return self.writer.writerow(...)\n'
          "_csv.Error: iterable expected, not NoneType\n")
    text = conclude(tmp_path, "billing.log", "".join(tb.format(i=i) for i in range(3)))
    assert "`_csv.Error` is thrown at `/srv/billing/export.py:214 in write_rows` (iterable expected, not NoneType)" in text


def test_a_structured_lines_error_and_stack_fields_are_read_with_its_message(tmp_path: Path) -> None:
    lines = [json.dumps({"time": f"2026-12-02T10:00:0{i}Z", "level": "error", "service": "orders", "msg": "request failed",
                         "error": {"type": "System.InvalidOperationException", "message": "Sequence contains no elements",
                                   "stack_trace": "   at Orders.Api.Basket.Total() in /src/Basket.cs:line 40\n   at Orders.Api.Checkout.Post()"}})
             for i in range(3)]
    text = conclude(tmp_path, "orders.jsonl", "\n".join(lines) + "\n")
    assert "`System.InvalidOperationException` is thrown" in text and "Sequence contains no elements" in text
    assert "service `orders`" in text and "at `Orders.Api.Basket.Total() in /src/Basket.cs:40`" in text


def test_a_go_panic_is_named(tmp_path: Path) -> None:
    log = "".join(f"2026-12-02T10:00:0{i}Z ERROR panic: runtime error: index out of range [3] with length 3\n"
                  "goroutine 1 [running]:\nmain.pick(...)\n\t/src/app/router.go:88 +0x1d\n" for i in range(2))
    text = conclude(tmp_path, "router.log", log)
    assert "a Go panic" in text and "index out of range [3] with length 3" in text and "/src/app/router.go:88" in text


def test_a_log_platform_csv_export_is_a_log_and_a_full_postgres_is_said_as_such(tmp_path: Path) -> None:
    rows = "".join(f'2026-12-02T11:30:0{i}.000Z,ip-10-0-1-7,inventory,"2026-12-02 11:30:0{i}.000 ERROR [pool-3] StockSync - '
                   'sync failed: org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved for '
                   'non-replication superuser connections"\n' for i in range(3))
    (tmp_path / "export.csv").write_text("timestamp,host,service,message\n" + rows)
    from warroom.data.evidence.bundle import classify

    assert classify(tmp_path / "export.csv") == "log"
    text = conclude(tmp_path, "export.csv", "timestamp,host,service,message\n" + rows, kind="log")
    assert "service `inventory`" in text and "PostgreSQL server refuses new connections" in text
