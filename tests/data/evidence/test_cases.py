"""The four recorded investigations load as evidence bundles with their key lines present."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.evidence.conftest import evidence_for
from warroom.data.evidence import classify, load_bundle


def all_text(bundle) -> str:
    parts = [example[2] for series in bundle.logs for example in series.examples]
    parts += [series.template for series in bundle.logs]
    parts += [document.text for document in bundle.documents]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("02_crashloop_backoff", ['exec: "wge": executable file not found', "CrashLoopBackOff"]),
        ("05_crashpod", ["SSL certificate expired", "certificate has expired", "db-certs-authenticator"]),
        ("11_KubePodCrashLooping", ["Environment variable DEPLOY_ENV is undefined", "KubePodCrashLooping"]),
        ("48_logs_since_thursday", ["The database at my.postgresql.com has become unavailable",
                                    "memory pressure", "High CPU usage", "fetch_user_logs: Syntax error",
                                    "SSL certificate expired"]),
    ],
)
def test_case_loads_without_problems(shared_data: Path, case: str, needles: list[str]) -> None:
    folder = shared_data / "cases" / case
    bundle = load_bundle(evidence_for(folder), folder)
    assert bundle.problems == []
    text = all_text(bundle)
    for needle in needles:
        assert needle.lower() in text.lower(), needle
    for document in bundle.documents:
        assert not document.text.startswith('{"toolset_name"')  # the tool header is not part of the output


def test_tool_mocks_are_routed_by_tool(shared_data: Path) -> None:
    folder = shared_data / "cases" / "05_crashpod"
    assert classify(folder / "kubectl_logs.txt") == "log"
    assert classify(folder / "kubectl_describe.txt") == "document"
    assert classify(folder / "issue_data.json") == "alerts"
    bundle = load_bundle(evidence_for(folder), folder)
    (describe,) = [d for d in bundle.documents if d.kind == "tool:kubectl_describe"]
    assert describe.source == "kubectl_describe.txt" and "db-certs-authenticator" in describe.name
    expired = next(s for s in bundle.logs if s.template == "SSL certificate expired")
    assert expired.levels == {"error": 4} and expired.first_seen is not None
    assert all("(kubectl" in example[0] or "(fetch" in example[0] for example in expired.examples)
    assert sum(stats.records for stats in bundle.log_stats.values()) > 100


def test_dated_problems_keep_their_days(shared_data: Path) -> None:
    folder = shared_data / "cases" / "48_logs_since_thursday"
    bundle = load_bundle(evidence_for(folder), folder)
    days = {s.template.split(":")[0]: s.first_seen.date().isoformat() for s in bundle.logs if s.first_seen}
    assert days["Database error"] == "2025-06-12"
    assert days["Failed to execute query fetch_user_logs"] == "2025-06-15"
    assert any(d.kind == "tool:get_current_time" for d in bundle.documents)


def test_alerts_from_recorded_cases(shared_data: Path) -> None:
    folder = shared_data / "cases" / "11_KubePodCrashLooping"
    bundle = load_bundle(evidence_for(folder), folder)
    from_issue = next(a for a in bundle.alerts if a.source == "alertmanager")
    assert from_issue.labels["pod"] == "payment-processing-worker-747ccfb9db-pd6wz"
    assert from_issue.labels["reason"] == "CrashLoopBackOff"
    assert from_issue.started_at is not None and from_issue.started_at.isoformat().startswith("2024-11-29T08:40:57")
    request = next(a for a in bundle.alerts if a.source == "prometheus")
    assert request.title == "KubePodCrashLooping"
    assert request.labels["subject_name"] == "payment-processing-worker-747ccfb9db-pd6wz"
