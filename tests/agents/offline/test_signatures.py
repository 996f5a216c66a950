"""Each recognised signature family, on lines as real systems print them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from warroom.agents.offline.findings import LogLine
from warroom.agents.offline.signatures import SignatureScanner, suggest_command, workload

AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def scan(*messages: str, level: str = "ERROR") -> dict[str, str]:
    scanner = SignatureScanner()
    for n, message in enumerate(messages, 1):
        scanner.feed(LogLine(source="x.log", line_no=n, timestamp=AT, level=level, message=message))
    return {s.family: s.detail for s in scanner.signatures()}


@pytest.mark.parametrize(("line", "family", "detail"), [
    ("Warning  BackOff  3m (x26 over 7m)  kubelet  Back-off restarting failed container c in pod web-7d9f8b6c5d-x2k4p_default(1)",
     "crash_loop", "web"),
    ('exec: "wge": executable file not found in $PATH: unknown', "command_not_found", "wge"),
    ("/bin/sh: 1: pyhton: not found", "command_not_found", "pyhton"),
    ("Environment variable DEPLOY_ENV is undefined", "missing_env", "DEPLOY_ENV"),
    ("KeyError: 'DATABASE_URL'", "missing_env", "DATABASE_URL"),
    ("x509: certificate has expired or is not yet valid", "cert_expiry", ""),
    ("ExpiredCertException: Certificate expired on 2024-08-03 17:00:08", "cert_expiry", "expired on 2024-08-03 17:00:08"),
    ("Last State: Terminated  Reason: OOMKilled", "oom_kill", ""),
    ("java.lang.OutOfMemoryError: Java heap space", "oom_kill", ""),
    ("dial tcp: lookup orders-db.internal on 10.0.0.10:53: no such host", "dns_failure", "orders-db.internal"),
    ("HikariPool-1 - Connection is not available, request timed out after 30000ms.", "pool_exhaustion", "HikariPool-1"),
    ("sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached", "pool_exhaustion", ""),
    ("FATAL: remaining connection slots are reserved for non-replication superuser connections", "pool_exhaustion", ""),
    ("write /var/log/app.log: no space left on device", "disk_full", ""),
    ("Failed to pull image \"shop/api:v9\": ErrImagePull", "image_pull", ""),
    ("Failed to execute query fetch_user_logs: Syntax error", "query_error", "fetch_user_logs"),
    ("Database error: The database at my.postgresql.com has become unavailable", "dependency_unavailable", "my.postgresql.com"),
    ("upstream timed out (110: Connection timed out) while reading response header from upstream", "dependency_unavailable", ""),
])
def test_family_and_detail(line: str, family: str, detail: str) -> None:
    found = scan(line)
    assert family in found, found
    assert found[family] == detail


def test_auth_failures_count_only_as_a_burst() -> None:
    assert "auth_failure" not in scan("password authentication failed for user \"app\"")
    assert "auth_failure" in scan(*["password authentication failed for user \"app\""] * 3)


def test_memory_pressure_ignores_recovery_and_info_lines() -> None:
    assert scan("Memory pressure resolved. Usage 496MB", level="WARN") == {}
    assert scan("High CPU usage. Average CPU usage over 5 minutes is 325%", level="INFO") == {}
    assert "memory_pressure" in scan("The application is suffering from memory pressure.", level="WARN")


def test_ordinary_lines_match_nothing() -> None:
    assert scan("GET /api/v1/cart completed status=200 in 41ms", "order o-1 created", level="INFO") == {}


def test_typo_suggestion_and_workload_names() -> None:
    assert suggest_command("wge") == "wget"
    assert suggest_command("wget") == ""
    assert suggest_command("frobnicate") == ""
    assert workload("db-certs-authenticator-757f89d977-795x7") == "db-certs-authenticator"
    assert workload("logging-agent") == "logging-agent"
