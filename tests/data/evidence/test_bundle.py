"""classify and load_bundle over a mixed evidence folder, including evidence that cannot be read."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

import warroom.data.evidence.bundle as bundle_module
from tests.data.evidence.conftest import ATTACHED_AT
from warroom.data.evidence import classify, load_bundle
from warroom.data.models import Evidence

SAMPLES = Path(bundle_module.__file__).resolve().parents[1] / "alerts" / "samples"
PROM = {"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"__name__": "db_pool_in_use"}, "values": [[1763888400, "10"], [1763888460, "10"]]}]}}


def item(path: str, kind: str = "other", number: int = 1) -> Evidence:
    return Evidence(evidence_id=f"EV-{number:04d}", kind=kind, path=path, name=Path(path).name,
                    attached_at=ATTACHED_AT)


@pytest.fixture
def folder(tmp_path: Path, git_repo: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "api.log").write_text("2026-11-23T09:00:00Z INFO GET /cart 200 12ms\n"
                                  "2026-11-23T09:00:30Z INFO GET /cart 200 15ms\n"
                                  "2026-11-23T09:01:10Z ERROR pool exhausted after 30000ms\n")
    (root / "worker.1").write_bytes(gzip.compress(b'{"ts":"2026-11-23T09:01:20Z","level":"error",'
                                                  b'"msg":"pool exhausted after 30001ms","service":"worker"}\n' * 3))
    (root / "rate.json").write_text(json.dumps(PROM))
    (root / "pool.csv").write_text("timestamp,value\n2026-11-23T09:00:00Z,50\n")
    (root / "deploys.changes").write_text("2026-11-23T08:55:00Z config bob DB_POOL_SIZE 50 -> 10\n")
    (root / "alert.json").write_text((SAMPLES / "alertmanager-checkout.json").read_text())
    (root / "runbook.md").write_text("# Checkout\nRoll back the pool change.\n")
    (root / "notes.yaml").write_text("owner: payments\n")
    shutil.copytree(git_repo, root / "repo", symlinks=True)
    (root / "outside-repo").symlink_to(git_repo, target_is_directory=True)
    return root


def test_classify(folder: Path) -> None:
    kinds = {p.name: classify(p) for p in sorted(folder.iterdir())}
    assert kinds == {"alert.json": "alerts", "api.log": "log", "deploys.changes": "changes", "notes.yaml": "document",
                     "outside-repo": "git", "pool.csv": "metrics", "rate.json": "metrics", "repo": "git",
                     "runbook.md": "runbook", "worker.1": "log"}


def test_load_mixed_bundle(folder: Path) -> None:
    names = sorted(p.name for p in folder.iterdir())
    bundle = load_bundle([item(n, number=i) for i, n in enumerate(names, 1)], folder)
    assert bundle.problems == ["outside-repo: its path leads outside the evidence folder; not read"]
    pool = next(s for s in bundle.logs if s.template.startswith("pool exhausted"))
    assert pool.count == 4 and pool.levels == {"error": 4} and pool.services == {"worker": 3}
    assert pool.template == "pool exhausted after <*>"
    assert pool.first_seen == datetime(2026, 11, 23, 9, 1, 10, tzinfo=timezone.utc)
    assert pool.per_minute == {datetime(2026, 11, 23, 9, 1, tzinfo=timezone.utc): 4}
    assert pool.examples[0] == ("api.log", 3, "pool exhausted after 30000ms")
    cart = next(s for s in bundle.logs if "cart" in s.template)
    assert cart.per_minute == {datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc): 2}
    assert set(bundle.log_stats) == {"api.log", "worker.1"} and bundle.log_stats["worker.1"].compressed
    assert sorted(s.name for s in bundle.metrics) == ["db_pool_in_use", "pool"]
    assert [c.kind for c in bundle.changes] == ["commit", "commit", "config", "release"]
    assert bundle.alerts and bundle.alerts[0].source == "alertmanager"
    assert sorted((d.name, d.kind) for d in bundle.documents) == [("notes.yaml", "document"), ("runbook.md", "runbook")]


def test_unreadable_evidence_is_listed_not_raised(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    root.mkdir()
    (tmp_path / "outside.log").write_text("secret\n")
    with (root / "core").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (root / "alert.json").write_text('{"version": "4", "alerts": []}')
    (root / "bad.csv").write_text("a,b,c,d\n")
    varied = "".join(f"2026-11-23T09:00:00Z INFO request {i * 7919 % 100003} done\n" for i in range(20000))
    (root / "broken.gz").write_bytes(gzip.compress(varied.encode())[:30000])
    (root / "loop").symlink_to(root / "loop")
    items = [item("../outside.log", "log", 1), item("missing.log", "log", 2), item("core", "log", 3),
             item("alert.json", "alerts", 4), item("bad.csv", "metrics", 5), item("broken.gz", "log", 6),
             item("loop", "log", 7), item("/etc/passwd", "document", 8)]
    bundle = load_bundle(items, root)
    text = "\n".join(bundle.problems)
    assert "../outside.log: its path leads outside the evidence folder" in text
    assert "/etc/passwd: its path leads outside" in text
    assert "missing.log: the file is missing" in text
    assert "core: a binary file" in text
    assert "alert.json: not a readable alert payload" in text and "kept as a document" in text
    assert "bad.csv: the header names no time column" in text
    assert "broken.gz: reading stopped after line" in text
    assert "loop:" in text
    assert not any("secret" in d.text for d in bundle.documents)
    assert len(bundle.problems) == 8


def test_long_document_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "MAX_DOCUMENT_CHARS", 1000)
    (tmp_path / "page.html").write_text("<p>" + "x" * 5000)
    bundle = load_bundle([item("page.html")], tmp_path)
    assert len(bundle.documents[0].text) == 1000 and "only the first" in bundle.problems[0]
