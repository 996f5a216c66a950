"""``warroom demo`` end to end: a real database, real evidence files, a real git repository."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from warroom.agents.offline.demo import scenario as sc
from warroom.agents.offline.demo.builder import build
from warroom.app.cli import main
from warroom.data.models import RunState
from warroom.data.store import EventStore


async def load(db: Path, incident_id: str):  # type: ignore[no-untyped-def]
    store = await EventStore.open(db)
    try:
        return await store.load(incident_id)
    finally:
        await store.close()


def test_demo_creates_the_incident_and_recommends_the_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "✓ declared INC-" in out and "Running the itil playbook" in out
    assert "Decision at mitigation strategy: rollback (auto-decided)" in out
    # The evidence ends before the rollback: the incident stays open and the next step is said.
    assert f"next: warroom open {incident_id_in(out)} --db {db}" in out.splitlines()[-1]
    incident_id = out.split("✓ declared ")[1].split(":")[0]
    incident = asyncio.run(load(db, incident_id))
    assert incident.service == "checkout-api" and len(incident.alerts) == 2
    kinds = {e.kind for e in incident.evidence}
    assert kinds == {"log", "metrics", "alerts", "git"}
    runs = {r.step_id: r for r in incident.runs.values()}
    assert all(r.state is RunState.FINISHED and r.backend == "offline" for r in runs.values())
    # the same base time rebuilds the same repository: its pool commit is the one the investigation must name
    base = incident.detected_at - timedelta(minutes=sc.ERRORS_FROM_MIN + 5, seconds=31)
    sha = build(tmp_path / "again", base).guilty_sha
    assert sha[:10] in runs["tier2_response"].output
    assert "checkout-api.log:" in runs["tier2_response"].output
    assert runs["mitigation_recommendation"].structured["recommended"] == "rollback"  # type: ignore[index]
    assert "DB_POOL_MAX_SIZE 50 -> 10" in runs["five_whys"].structured["root_cause"]  # type: ignore[index]


def test_demo_twice_in_one_database_gives_two_incidents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.db"
    assert main(["demo", "--db", str(db), "--no-run"]) == 0
    assert main(["demo", "--db", str(db), "--no-run"]) == 0
    out = capsys.readouterr().out
    assert "INC-" in out and out.count("✓ declared") == 2
    ids = [line.split("✓ declared ")[1].split(":")[0] for line in out.splitlines() if "✓ declared" in line]
    assert len(set(ids)) == 2


def test_demo_without_the_attachments_module_places_the_evidence_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "warroom.data.attachments", None)  # import fails: the in-place path is used
    db = tmp_path / "w.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Decision at mitigation strategy: rollback" in out
    incident_id = out.split("✓ declared ")[1].split(":")[0]
    incident = asyncio.run(load(db, incident_id))
    repo = next(e for e in incident.evidence if e.kind == "git")
    assert (tmp_path / "evidence" / incident_id / repo.path / ".git").is_dir()
    runs = {r.step_id: r for r in incident.runs.values()}
    assert "DB_POOL_MAX_SIZE 50 -> 10" in runs["five_whys"].structured["root_cause"]  # type: ignore[index]


def test_demo_with_a_directory_for_a_database_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--db", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("warroom: ") and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-created


def test_demo_without_git_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert main(["demo", "--db", str(tmp_path / "w.db")]) == 2
    assert "needs git on PATH" in capsys.readouterr().err


def incident_id_in(out: str) -> str:
    return out.split("✓ declared ", 1)[1].split(":", 1)[0]
