"""The response commands through the real CLI in a subprocess, on a real database and config file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.agents.branches.conftest import ROSTER_TOML, at
from warroom.data import events as ev
from warroom.data.models import MitigationStrategy, Role, Severity
from warroom.data.store import EventStore

ROOT = Path(__file__).resolve().parents[3]


def warroom(db: Path, config: Path, actor: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WARROOM_ACTOR": actor, "PYTHONIOENCODING": "utf-8", "WARROOM_CONFIG": str(config)}
    result = subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), *args], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=60)  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


async def test_hold_freeze_unavailable_evidence_regulator(tmp_path: Path) -> None:
    db, config = tmp_path / "w.db", tmp_path / "warroom.toml"
    config.write_text(ROSTER_TOML)
    async with await EventStore.open(db) as store:
        first = await store.declare(at(0), title="Checkout 5xx", severity=Severity.P1, service="checkout", security=True)
        second = await store.declare(at(0), title="Search slow", severity=Severity.P3, service="search")
        inc = first.incident_id
        await store.append_many([
            ev.RoleAssigned(incident_id=inc, at=at(1), role=Role.INCIDENT_COMMANDER, person="carol"),
            ev.EvidencePreserved(incident_id=inc, at=at(2), details="images"),
            ev.MitigationExecuted(incident_id=inc, at=at(3), strategy=MitigationStrategy.ROLLBACK, outcome="failed"),
        ])  # fmt: skip
    out = warroom(db, config, "dana", "branches", inc)
    assert out.returncode == 0, out.stderr
    assert "HOLD: STOP" in out.stdout and "Severity set to P0" in out.stdout and "Security incident" in out.stdout
    assert "no branch calls for anything new" in warroom(db, config, "dana", "branches", inc).stdout

    refused = warroom(db, config, "dana", "hold-lift", inc, "--reason", "looks fine")
    assert refused.returncode == 2 and "only the incident commander (carol) lifts the hold, not dana" in refused.stderr
    empty = warroom(db, config, "carol", "hold-lift", inc, "--reason", "  ")
    assert empty.returncode == 2
    lifted = warroom(db, config, "carol", "hold-lift", inc, "--reason", "assessment complete")
    assert lifted.returncode == 0 and "Hold lifted by carol: assessment complete" in lifted.stdout

    frozen = warroom(db, config, "gina", "freeze", "--id", "FRZ-1", "--reason", "halt all deployments")
    assert frozen.returncode == 0 and frozen.stdout.count("Change freeze FRZ-1 declared") == 2  # both open incidents
    assert warroom(db, config, "gina", "freeze", "--id", "FRZ-1", "--reason", "again").returncode == 2
    thawed = warroom(db, config, "gina", "freeze", "--lift", "FRZ-1", "--reason", "mitigated")
    assert thawed.returncode == 0 and thawed.stdout.count("lifted") == 2
    assert warroom(db, config, "gina", "freeze", "--lift", "FRZ-1", "--reason", "x").returncode == 2

    away = warroom(db, config, "dana", "unavailable", inc, "carol", "--reason", "on a flight")
    assert "carol unavailable (incident commander): on a flight; backup proposed: alice" in away.stdout
    assert warroom(db, config, "dana", "regulator-notified", inc, "GDPR", "--reference", "ICO-1").returncode == 0
    assert warroom(db, config, "dana", "regulator-notified", inc, "GDPR").returncode == 2
    bad = warroom(db, config, "dana", "unavailable", "INC-nope", "carol", "--reason", "x")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    async with await EventStore.open(db) as store:
        state = await store.load(inc)
        assert state.hold is None and not state.frozen and "GDPR" in state.regulators_notified
        assert (await store.load(second.incident_id)).freezes_seen == ["FRZ-1"]


async def test_unavailable_without_a_roster_takes_anyone_on_the_incident_and_refuses_a_stranger(tmp_path: Path) -> None:
    db, config = tmp_path / "w.db", tmp_path / "warroom.toml"
    config.write_text("")  # no roster
    async with await EventStore.open(db) as store:
        inc = (await store.declare(at(0), title="Checkout 5xx", severity=Severity.P1, service="checkout")).incident_id
        await store.append_many([
            ev.RoleAssigned(incident_id=inc, at=at(1), role=Role.COMMUNICATIONS_LEAD, person="Priya Shah"),
            ev.NoteAdded(incident_id=inc, at=at(2), actor="olaf", text="looking at the pool"),
        ])  # fmt: skip
    holder = warroom(db, config, "dana", "unavailable", inc, "Priya Shah", "--reason", "school run")
    assert holder.returncode == 0, holder.stderr
    assert "Priya Shah unavailable (communications lead): school run" in holder.stdout
    helper = warroom(db, config, "dana", "unavailable", inc, "olaf", "--reason", "off shift")
    assert helper.returncode == 0 and "olaf unavailable" in helper.stdout
    stranger = warroom(db, config, "dana", "unavailable", inc, "Prya Shah", "--reason", "typo")
    assert stranger.returncode == 2
    assert stranger.stderr == f"warroom: Prya Shah is not on the roster and has no part in {inc}\n"
    async with await EventStore.open(db) as store:
        assert (await store.load(inc)).unavailable == {"Priya Shah": "school run", "olaf": "off shift"}


async def test_unavailable_takes_a_rostered_person_with_no_part_yet(tmp_path: Path) -> None:
    db, config = tmp_path / "w.db", tmp_path / "warroom.toml"
    config.write_text(ROSTER_TOML)
    async with await EventStore.open(db) as store:
        inc = (await store.declare(at(0), title="Checkout 5xx", severity=Severity.P1, service="checkout")).incident_id
    away = warroom(db, config, "dana", "unavailable", inc, "frank", "--reason", "on leave")
    assert away.returncode == 0 and "frank unavailable" in away.stdout and "on leave" in away.stdout
