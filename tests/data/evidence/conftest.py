"""Fixtures for evidence ingestion: the shared Loghub samples and the recorded investigations."""

from __future__ import annotations

import csv
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.data.evidence import classify
from warroom.data.models import Evidence

ATTACHED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
HARNESS_FILES = {"test_case.yaml", "toolsets.yaml"}  # the recorded cases' answers and test settings, not evidence


def structured(folder: Path, name: str) -> list[dict[str, str]]:
    """The rows of a Loghub ``*_structured.csv`` ground truth."""
    with (folder / f"{name}_2k.log_structured.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evidence_for(folder: Path) -> list[Evidence]:
    """Every evidence file of a recorded case, as attached items relative to ``folder``."""
    items = []
    for number, path in enumerate(sorted(p for p in folder.iterdir() if p.name not in HARNESS_FILES), start=1):
        items.append(Evidence(evidence_id=f"EV-{number:04d}", kind=classify(path), path=path.name, name=path.name,
                              attached_at=ATTACHED_AT))
    return items


def git(repo: Path, *args: str, when: str = "2026-11-23T08:00:00+00:00") -> str:
    """Run git in ``repo`` with a fixed identity and date."""
    env = {"GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com", "GIT_COMMITTER_NAME": "Alice",
           "GIT_COMMITTER_EMAIL": "alice@example.com", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A small repository: two commits (one shrinking a pool) and an annotated release tag."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print('hi')\n")
    git(repo, "add", "app.py")
    git(repo, "commit", "-q", "-m", "Add checkout handler")
    (repo / "config").mkdir()
    (repo / "config" / "db.yaml").write_text("pool_size: 10\n")
    git(repo, "add", "config/db.yaml", when="2026-11-23T08:55:00+00:00")
    git(repo, "commit", "-q", "-m", "Shrink DB pool\n\npool_size 50 -> 10", when="2026-11-23T08:55:00+00:00")
    git(repo, "tag", "-a", "v1.4.0", "-m", "release 1.4.0", when="2026-11-23T08:56:00+00:00")
    return repo
