"""Reading changes: a real git repository, the attachments' JSON-line snapshot, a plain changes file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from warroom.agents.offline.changes import message_diff, read_changes_file, read_git


def test_message_diff_reads_arrows_and_from_to() -> None:
    assert message_diff("DB_POOL_MAX_SIZE 50 -> 10 in config") == ["-DB_POOL_MAX_SIZE: 50", "+DB_POOL_MAX_SIZE: 10"]
    assert message_diff("bump jackson-databind from 2.17.1 to 2.17.2") == ["-jackson-databind: 2.17.1",
                                                                           "+jackson-databind: 2.17.2"]
    assert message_diff("reduce DB pool to 10 to stay under the limit") == []


def test_git_history_has_files_keys_and_diff(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@x", "GIT_AUTHOR_DATE": "2026-11-23T09:00:00+0000",
           "GIT_COMMITTER_DATE": "2026-11-23T09:00:00+0000", "GIT_CONFIG_GLOBAL": os.devnull}
    git = lambda *a: subprocess.run(["git", "-c", "commit.gpgsign=false", *a], cwd=repo, env=env, check=True,  # noqa: E731
                                    capture_output=True)
    git("init", "-q")
    (repo / "app.yaml").write_text("pool:\n  max_size: 50\n")
    git("add", "app.yaml")
    git("commit", "-q", "-m", "initial")
    (repo / "app.yaml").write_text("pool:\n  max_size: 10\n")
    git("commit", "-q", "-am", "shrink the pool\n\nbody line")
    problems: list[str] = []
    changes = read_git(repo, "repo", problems)
    assert problems == []
    newest = changes[0]
    assert newest.subject == "shrink the pool" and "body line" in newest.message
    assert newest.files == ["app.yaml"] and newest.keys == ["max_size"]
    assert "+  max_size: 10" in newest.diff_lines
    assert read_git(tmp_path, "not-a-repo", problems) == [] and "not a git repository" in problems[0]


def test_snapshot_and_plain_changes_files(tmp_path: Path) -> None:
    snapshot = tmp_path / "svc.git-changes.jsonl"
    snapshot.write_text("# changes snapshot of /src/svc\n" + json.dumps(
        {"id": "a" * 40, "at": "2026-11-23T08:50:00+00:00", "kind": "commit", "author": "M <m@x>",
         "message": "checkout: smaller pool\n\nDB_POOL_MAX_SIZE 50 -> 10", "files": ["config/checkout.yaml"],
         "keys": ["DB_POOL_MAX_SIZE"], "service": ""}) + "\n{not json\n")
    problems: list[str] = []
    (change,) = read_changes_file(snapshot, "svc", problems)
    assert change.change_id == "a" * 40 and change.short == "a" * 10 and change.kind == "commit"
    assert change.diff_lines == ["-DB_POOL_MAX_SIZE: 50", "+DB_POOL_MAX_SIZE: 10"]
    assert problems == ["svc:3: change without a timestamp skipped"]
    plain = tmp_path / "changes.txt"
    plain.write_text("2026-11-23T08:40:00Z config FEATURE_X enabled\n")
    (config,) = read_changes_file(plain, "changes.txt", problems)
    assert config.kind == "config" and config.keys == ["FEATURE_X"]


def test_a_hostile_repository_config_runs_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "evil"
    repo.mkdir()
    marker = tmp_path / "executed"
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@x", "GIT_CONFIG_GLOBAL": os.devnull}
    run = lambda *a: subprocess.run(["git", "-c", "commit.gpgsign=false", *a], cwd=repo, env=env, check=True,  # noqa: E731
                                    capture_output=True)
    run("init", "-q")
    (repo / ".gitattributes").write_text("* diff=evil\n")
    (repo / "a.txt").write_text("one\n")
    run("add", ".")
    run("commit", "-q", "-m", "first")
    (repo / "a.txt").write_text("two\n")
    run("commit", "-q", "-am", "second")
    run("config", "diff.evil.textconv", f"sh -c 'touch {marker}; cat'")
    run("config", "diff.external", f"sh -c 'touch {marker}'")
    run("config", "core.fsmonitor", f"sh -c 'touch {marker}'")
    problems: list[str] = []
    changes = read_git(repo, "evil", problems)
    assert [c.subject for c in changes] == ["second", "first"]
    assert not marker.exists()
