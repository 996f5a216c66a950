"""The demo incident: deterministic evidence, and an investigation that finds the pool-size commit."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.agents.offline.conftest import DEMO_BASE
from warroom.agents.backend import Task
from warroom.agents.offline.demo.builder import build


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout


def test_building_twice_gives_the_same_evidence(tmp_path: Path) -> None:
    one, two = build(tmp_path / "a", DEMO_BASE), build(tmp_path / "b", DEMO_BASE)
    assert digest(one.root) == digest(two.root)
    assert head(one.root / "checkout-service") == head(two.root / "checkout-service")
    assert one.guilty_sha == two.guilty_sha and one.line_count == two.line_count >= 5000


def test_only_the_base_time_shifts_the_evidence(tmp_path: Path) -> None:
    later = build(tmp_path / "later", DEMO_BASE + timedelta(days=3))
    text = (later.root / "logs/checkout-api.log").read_text()
    assert "2026-11-26T08:" in text and "2026-11-23T" not in text


def test_build_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build(tmp_path / "x", DEMO_BASE)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


async def test_hypothesis_names_the_pool_commit_and_cites_log_lines(demo_run, demo_bundle) -> None:  # type: ignore[no-untyped-def]
    text = (await demo_run(Task.TIER2_HYPOTHESIS)).output
    first = text.split("### ")[0]
    assert demo_bundle.guilty_sha[:10] in first
    assert "reduce DB pool to 10" in first
    assert "DB_POOL_MAX_SIZE 50 -> 10" in first
    assert re.search(r"`logs/checkout-api\.log:\d+` — `[^`]*Connection is not available", first)
    assert "not a cause" in text and "on-call rotation" in text  # the docs commit after the onset is not blamed
    assert "already present before the onset" in text  # the inventory feed timeouts are background noise


async def test_recommends_rollback_of_the_commit(demo_run, demo_bundle) -> None:  # type: ignore[no-untyped-def]
    result = await demo_run(Task.MITIGATION_RECOMMENDATION)
    rec = result.structured
    assert rec is not None and rec["recommended"] == "rollback"
    assert demo_bundle.guilty_sha[:10] in rec["rollback_plan"]
    assert "DB_POOL_MAX_SIZE to 50" in rec["rollback_plan"]
    assert any("checkout-api.log" in c["source"] for c in rec["citations"])


async def test_five_whys_reach_the_pool_size(demo_run, demo_bundle) -> None:  # type: ignore[no-untyped-def]
    whys = (await demo_run(Task.FIVE_WHYS)).structured
    assert whys is not None
    assert "DB_POOL_MAX_SIZE 50 -> 10" in whys["root_cause"]
    assert any("pinned at 10" in w["answer"] for w in whys["whys"])
    assert any("maximumPoolSize" in c["detail"] for w in whys["whys"] for c in w["evidence"])
    assert whys["evidence_ends"]


async def test_triage_proposes_high_priority_from_the_metrics(demo_run) -> None:  # type: ignore[no-untyped-def]
    proposal = (await demo_run(Task.SEVERITY_PROPOSAL)).structured
    assert proposal is not None
    assert proposal["impact"] == "HIGH" and proposal["severity"] in ("P0", "P1")
    assert any("customer-facing" in r for r in proposal["impact_reasons"])


async def test_validation_without_post_mitigation_data_is_not_a_pass(demo_run) -> None:  # type: ignore[no-untyped-def]
    result = await demo_run(Task.VALIDATION)
    assert result.structured is not None and result.structured["passed"] is None
    assert "Not verified from data" in result.output
