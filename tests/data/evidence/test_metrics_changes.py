"""Metric series (Prometheus JSON, CSV) and changes (changes files, git) with malformed input."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.data.evidence.conftest import git
from warroom.data.evidence import (ChangesError, MetricFormatError, config_keys, read_changes_file, read_csv_metrics,
                                   read_git, read_prometheus)

UTC = timezone.utc
T = 1763888400  # 2025-11-23T09:00:00Z


def test_prometheus_matrix(tmp_path: Path) -> None:
    body = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "http_requests_total", "code": "500", "service": "checkout"},
         "values": [[T + 60, "7"], [T, "3.5"], [T + 120, "NaN"], [T + 180, "+Inf"], [T + 240, "x"], ["bad", "1"]]},
        {"metric": {}, "values": [[T, "1"]]},
    ]}}
    path = tmp_path / "rate.json"
    path.write_text(json.dumps(body))
    read = read_prometheus(path, "rate.json")
    first, second = read.series
    assert first.name == "http_requests_total" and first.labels == {"code": "500", "service": "checkout"}
    assert first.points == [(datetime.fromtimestamp(T, UTC), 3.5), (datetime.fromtimestamp(T + 60, UTC), 7.0)]
    assert second.name == "rate" and read.skipped == 4
    assert "4 metric points skipped" in read.note("rate.json")


def test_prometheus_vector_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "up"}, "value": [T, "1"]}]}}))
    (series,) = read_prometheus(path, "v.json").series
    assert series.points == [(datetime.fromtimestamp(T, UTC), 1.0)]
    for body, reason in [({"status": "error", "data": {}}, "did not succeed"),
                         ({"status": "success", "data": {"resultType": "scalar", "result": []}}, "not matrix"),
                         ({"data": {"resultType": "matrix"}}, "no data.result")]:
        path.write_text(json.dumps(body))
        with pytest.raises(MetricFormatError, match=reason):
            read_prometheus(path, "v.json")
    path.write_text("{not json")
    with pytest.raises(MetricFormatError, match="not JSON"):
        read_prometheus(path, "v.json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T09:00:00Z,1\n2026-11-23T09:01:00Z,2\n", {"pool": [1.0, 2.0]}),
        ("timestamp,value\n1763888400,5\n1763888460000,6\n", {"pool": [5.0, 6.0]}),
        ("ts,series,value\n1763888400,a,1\n1763888400,b,2\n1763888460,a,3\n", {"a": [1.0, 3.0], "b": [2.0]}),
        ("1763888400,a,1\n1763888460,a,nan\n1763888520,a,inf\n1763888580,a,zz\nnot a time,a,1\n,,\n", {"a": [1.0]}),
    ],
)
def test_csv_metrics(tmp_path: Path, text: str, expected: dict[str, list[float]]) -> None:
    path = tmp_path / "pool.csv"
    path.write_text(text)
    read = read_csv_metrics(path, "pool.csv")
    assert {s.name: [v for _, v in s.points] for s in read.series} == expected
    if "nan" in text:
        assert read.skipped == 4


def test_csv_metrics_labels_and_bad_shapes(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("time,metric,pod,value\n2026-11-23T09:00:00Z,cpu,api-1,0.5\n")
    (series,) = read_csv_metrics(path, "m.csv").series
    assert series.name == "cpu" and series.labels == {"pod": "api-1"}
    path.write_text("a,b,c,d\n1,2,3,4\n")
    with pytest.raises(MetricFormatError, match="no time column"):
        read_csv_metrics(path, "m.csv")
    path.write_bytes(b"1763888400,1,2,3\n")
    with pytest.raises(MetricFormatError, match="4 columns"):
        read_csv_metrics(path, "m.csv")


@pytest.mark.parametrize(
    ("message", "keys"),
    [
        ("Shrink DB pool: pool_size 50 -> 10", ["pool_size"]),
        ("set DB_POOL_SIZE=10 and TIMEOUT_MS=200", ["DB_POOL_SIZE", "TIMEOUT_MS"]),
        ("max_connections: 10 in values.yaml", ["max_connections"]),
        ("retries from 3 to 1", ["retries"]),
        ("fix: typo in README", []),
        ("Deploy checkout-api v2.4.0 to prod", []),
    ],
)
def test_config_keys(message: str, keys: list[str]) -> None:
    assert config_keys(message) == keys


def test_changes_file_all_forms_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "deploys.changes"
    path.write_text(
        "# deploys and config changes not in git\n\n"
        "2026-11-23T08:50:00Z deploy alice checkout-api v2.4.0 rolled out\n"
        '{"at": "2026-11-23T08:55:00Z", "kind": "config", "author": "bob", "message": "DB_POOL_SIZE 50 -> 10",'
        ' "service": "checkout-api", "files": ["helm/values.yaml"], "id": "cfg-1"}\n'
        "yesterday deploy carol something\n"
        '{"at": "2026-11-23T09:00:00Z", "kind": "rumour", "message": "x"}\n'
        "[1, 2]\n"
        "2026-11-23T09:10:00Z release dave 2.4.0\n")
    changes, problems = read_changes_file(path, "deploys.changes")
    assert [(c.kind, c.author) for c in changes] == [("deploy", "alice"), ("config", "bob"), ("release", "dave")]
    config = changes[1]
    assert (config.change_id, config.keys, config.service, config.files) == (
        "cfg-1", ["DB_POOL_SIZE"], "checkout-api", ["helm/values.yaml"])
    assert changes[0].at == datetime(2026, 11, 23, 8, 50, tzinfo=UTC) and changes[0].change_id.startswith("deploy-")
    assert len(problems) == 3 and problems[0].startswith("deploys.changes:5:")
    assert "rumour" in problems[1]


def test_changes_csv(tmp_path: Path) -> None:
    path = tmp_path / "changes.csv"
    path.write_text("at,kind,author,message,files\n2026-11-23T08:55:00Z,config,bob,pool_size 50 -> 10,a.yaml;b.yaml\n"
                    ",deploy,x,no time\n")
    changes, problems = read_changes_file(path, "changes.csv")
    assert changes[0].files == ["a.yaml", "b.yaml"] and changes[0].keys == ["pool_size"]
    assert problems == ["changes.csv:3: no readable 'at' time"]


def test_read_git(git_repo: Path) -> None:
    changes = read_git(git_repo, "repo")
    assert [c.kind for c in changes] == ["commit", "commit", "release"]
    assert len(changes[0].change_id) == 40 and changes[0].files == ["app.py"]
    assert changes[2].files == [f"commit:{changes[1].change_id}"]


def test_read_git_refuses_a_plain_folder_and_handles_an_empty_repo(tmp_path: Path) -> None:
    with pytest.raises(ChangesError, match="failed"):
        read_git(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert read_git(empty) == []


def test_git_hostile_repository_config_is_not_run(tmp_path: Path, git_repo: Path) -> None:
    """A repository's own config cannot make reading its history run a program."""
    marker = tmp_path / "ran"
    git(git_repo, "config", "core.fsmonitor", f"touch {marker}")
    git(git_repo, "config", "core.pager", f"touch {marker}")
    read_git(git_repo)
    assert not marker.exists()
