"""The read-only evidence tools on real files and a real git repository, including hostile input."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from warroom.agents.tools import TOOLS, ToolError, definitions, run_tool


def _git(repo: Path, *args: str, at: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": at, "GIT_COMMITTER_DATE": at, "GIT_AUTHOR_NAME": "Alice",
           "GIT_AUTHOR_EMAIL": "alice@example.com", "GIT_COMMITTER_NAME": "Alice",
           "GIT_COMMITTER_EMAIL": "alice@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "app.log").write_text(
        "2026-11-23T08:50:00Z INFO start\n"
        "2026-11-23T09:00:05Z ERROR upstream timeout\n"
        "  continuation line without a time\n"
        "2026-11-23T09:10:00Z ERROR upstream timeout again\n"
    )
    (root / "metrics.csv").write_text("time,p95_ms,rps\n" + "".join(
        f"2026-11-23T09:{m:02d}:00Z,{900 if m >= 10 else 100},{50}\n" for m in range(20)))
    (root / "prom.json").write_text(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "errors"}, "values": [[1700000000 + 60 * i, str(i)] for i in range(10)]}]}}))
    (root / "alerts.json").write_text(json.dumps({"alerts": [{"status": "firing", "labels": {
        "alertname": "CheckoutErrors", "severity": "critical"}, "annotations": {"summary": "5xx > 5%"},
        "startsAt": "2026-11-23T09:01:00Z"}]}))
    (root / "runbook.md").write_text("".join(f"step {i}\n" for i in range(1, 501)))
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", at="2026-11-23T08:00:00+00:00")
    (repo / "db.yaml").write_text("pool: 50\n")
    _git(repo, "add", ".", at="2026-11-23T08:00:00+00:00")
    _git(repo, "commit", "-q", "-m", "initial config", at="2026-11-23T08:00:00+00:00")
    (repo / "db.yaml").write_text("pool: 10\n")
    _git(repo, "commit", "-q", "-am", "lower pool size", at="2026-11-23T08:55:00+00:00")
    return root


def test_definitions_are_json_schemas_for_the_api():
    for definition in definitions():
        assert set(definition) == {"name", "description", "input_schema"}
        assert definition["input_schema"]["type"] == "object"
        json.dumps(definition)
    assert definitions()[0]["name"] == "list_evidence" and len(TOOLS) == 9


def test_list_evidence_shows_files_and_repositories_not_git_internals(root: Path):
    text = run_tool(root, "list_evidence", {})
    assert "repo/\tgit repository" in text and "logs/app.log\t" in text
    assert ".git/" not in text and "objects" not in text


def test_search_logs_literal_regex_and_time_window(root: Path):
    assert run_tool(root, "search_logs", {"pattern": "TIMEOUT", "file": "logs/app.log"}).count("\n") == 1
    windowed = run_tool(root, "search_logs", {"pattern": r"time\w+", "regex": True,
                                             "since": "2026-11-23T09:00:00Z", "until": "2026-11-23T09:05:00Z"})
    assert windowed == "logs/app.log:2: 2026-11-23T09:00:05Z ERROR upstream timeout"
    assert "continuation" in run_tool(root, "search_logs", {"pattern": "continuation", "since": "2026-11-23T09:00:00Z"})
    assert run_tool(root, "search_logs", {"pattern": "nothing-like-this"}) == "no line matches 'nothing-like-this'"
    with pytest.raises(ToolError, match="not an ISO-8601 time"):
        run_tool(root, "search_logs", {"pattern": "x", "since": "yesterday"})


def test_summarise_metric_finds_the_change_point(root: Path):
    text = run_tool(root, "summarise_metric", {"file": "metrics.csv", "series": "p95_ms"})
    assert text.startswith("p95_ms: n=20 min=100 max=900 mean=500 p95=900")
    assert "change point at 2026-11-23T09:10:00+00:00: mean 100 -> 900" in text
    both = run_tool(root, "summarise_metric", {"file": "metrics.csv"})
    assert "rps: n=20 min=50 max=50" in both and both.count("change point") == 1
    assert "n=10 min=0 max=9" in run_tool(root, "summarise_metric", {"file": "prom.json"})
    with pytest.raises(ToolError, match="no numeric series"):
        run_tool(root, "summarise_metric", {"file": "runbook.md"})


def test_list_alerts(root: Path):
    assert run_tool(root, "list_alerts", {}) == (
        "alerts.json: CheckoutErrors: 5xx > 5% severity=P1 (critical) status=firing started=2026-11-23T09:01:00+00:00"
    )


def test_changes_and_diffs_from_a_real_git_repository(root: Path):
    listed = run_tool(root, "list_changes", {}).splitlines()
    assert len(listed) == 2 and "Alice <alice@example.com>: lower pool size files=db.yaml" in listed[1]
    assert listed[1].startswith("2026-11-23T08:55:00+00:00 ")
    assert len(run_tool(root, "list_changes", {"since": "2026-11-23T08:30:00Z"}).splitlines()) == 1
    sha = listed[1].split()[1]
    diff = run_tool(root, "show_diff", {"change": sha})
    assert "-pool: 50" in diff and "+pool: 10" in diff
    with pytest.raises(ToolError, match="no change"):
        run_tool(root, "show_diff", {"change": "--output=/tmp/pwned"})
    assert not Path("/tmp/pwned").exists()


def test_a_changes_file_without_diffs_says_so(root: Path):
    (root / "changes.json").write_text(json.dumps([{"id": "deploy-42", "time": "2026-11-23T08:58:00Z",
                                                    "author": "bob", "message": "deploy checkout 1.4"}]))
    assert "deploy-42 bob: deploy checkout 1.4" in run_tool(root, "list_changes", {"file": "changes.json"})
    assert "holds no diff" in run_tool(root, "show_diff", {"change": "deploy-42"})


def test_read_document_is_bounded_and_says_where_to_continue(root: Path):
    text = run_tool(root, "read_document", {"file": "runbook.md"})
    assert text.startswith("step 1\n") and "[continue with start_line=201]" in text and "[truncated" in text
    assert run_tool(root, "read_document", {"file": "runbook.md", "start_line": 500}) == "step 500"


def test_hostile_files_are_read_safely(root: Path):
    (root / "logs" / "binary.log").write_bytes(bytes(range(256)) * 100 + b"\nERROR after binary\n")
    (root / "logs" / "nul.log").write_bytes(b"INFO fine\n" * 2_000 + b"ERROR\x00 binary line\nERROR after the nul line\n")
    (root / "logs" / "all-nul.log").write_bytes(b"\x00" * 100_000 + b"ERROR hidden in a binary file\n")
    (root / "logs" / "huge-line.log").write_bytes(b"ERROR " + b"x" * 5_000_000 + b"\n")
    (root / "logs" / "latin1.log").write_bytes("ERROR caf\xe9 \xff\xfe\n".encode("latin-1"))
    text = run_tool(root, "search_logs", {"pattern": "ERROR"})
    assert "ERROR after the nul line" in text and "binary line" not in text and "ERROR caf\ufffd" in text
    assert "hidden in a binary file" not in text  # binary files are skipped, not searched
    assert len(text.encode()) <= 25_000
    assert "\x00" not in text


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "logs/../../outside.txt", "link-out", "", "a\x00b"])
def test_paths_cannot_escape_the_evidence_root(root: Path, name: str):
    (root.parent / "outside.txt").write_text("outside")
    (root / "link-out").symlink_to(root.parent / "outside.txt")
    with pytest.raises(ToolError):
        run_tool(root, "read_document", {"file": name})


def test_symlinks_out_are_not_listed_or_searched(root: Path):
    (root.parent / "outside.log").write_text("ERROR outside secret\n")
    (root / "logs" / "escape.log").symlink_to(root.parent / "outside.log")
    assert "escape.log" not in run_tool(root, "list_evidence", {})
    assert "outside secret" not in run_tool(root, "search_logs", {"pattern": "ERROR"})


def test_no_evidence_folder_is_a_clear_tool_error(tmp_path: Path):
    with pytest.raises(ToolError, match="no evidence folder"):
        run_tool("", "list_evidence", {})
    with pytest.raises(ToolError, match="does not exist"):
        run_tool(tmp_path / "missing", "list_evidence", {})


def test_extra_or_mistyped_arguments_are_refused(root: Path):
    with pytest.raises(ToolError, match="Extra inputs are not permitted"):
        run_tool(root, "list_alerts", {"rm": "-rf"})
    with pytest.raises(ToolError, match="max_matches"):
        run_tool(root, "search_logs", {"pattern": "x", "max_matches": 10_000})
    with pytest.raises(ToolError, match="takes a JSON object"):
        run_tool(root, "search_logs", ["x"])


def test_a_search_stops_after_its_scan_budget(root: Path, monkeypatch: pytest.MonkeyPatch):
    import warroom.agents.tools as tools

    monkeypatch.setattr(tools, "MAX_SCAN_BYTES", 10_000)
    (root / "logs" / "big.log").write_text("INFO nothing to see here\n" * 2_000 + "ERROR at the end\n")
    text = run_tool(root, "search_logs", {"pattern": "ERROR", "file": "logs/big.log"})
    assert "ERROR at the end" not in text and "[stopped after scanning" in text


def test_deeply_nested_or_huge_json_does_not_break_the_readers(root: Path):
    (root / "alerts-nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "alerts-garbage.json").write_bytes(b"\xff\xfe{not json" * 1000)
    text = run_tool(root, "list_alerts", {})
    assert "CheckoutErrors" in text


def test_compressed_logs_and_other_timestamp_formats_are_searched(root: Path):
    import gzip

    (root / "logs" / "old.log.gz").write_bytes(gzip.compress(b"2026-11-23T07:00:00Z ERROR rotated away\n"))
    (root / "logs" / "access.log").write_text(
        '10.0.0.1 - - [23/Nov/2026:09:02:00 +0000] "GET /checkout HTTP/1.1" 502 12\n'
        '10.0.0.1 - - [23/Nov/2026:10:30:00 +0000] "GET /checkout HTTP/1.1" 502 12\n'
    )
    assert "logs/old.log.gz:1: 2026-11-23T07:00:00Z ERROR rotated away" in run_tool(root, "search_logs", {"pattern": "rotated"})
    windowed = run_tool(root, "search_logs", {"pattern": "502", "since": "2026-11-23T09:00:00Z",
                                             "until": "2026-11-23T10:00:00Z"})
    assert windowed.count("\n") == 0 and "09:02:00" in windowed


def test_log_windows_read_compressed_logs_and_cut_overlong_lines(root: Path):
    import gzip

    (root / "logs" / "old.log.gz").write_bytes(gzip.compress(b"first\nsecond\nthird\n"))
    assert run_tool(root, "read_log_window", {"file": "logs/old.log.gz", "line": 2, "before": 1, "after": 0}) == (
        "     1  first\n     2> second"
    )
    (root / "logs" / "long.log").write_bytes(b"a" * 3_000_000 + b"\nshort line\n")
    text = run_tool(root, "read_log_window", {"file": "logs/long.log", "line": 2, "before": 1, "after": 0})
    assert text.endswith("     2> short line") and len(text) < 2_100


def test_reading_a_binary_file_says_so(root: Path):
    (root / "core.dump").write_bytes(b"\x7fELF\x00\x00" + bytes(range(256)) * 10)
    with pytest.raises(ToolError, match="core.dump is a binary file"):
        run_tool(root, "read_document", {"file": "core.dump"})
