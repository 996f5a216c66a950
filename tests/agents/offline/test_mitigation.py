"""The mitigation recommendation follows the evidence: config revert, scaling, workaround, rollback ranking."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.agents.offline.conftest import evidence_for, make_incident, runner
from warroom.agents.backend import Task

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def log_lines(path: Path, quiet: int, failing: int, message: str) -> None:
    lines = [f"{T0 + timedelta(minutes=m):%Y-%m-%dT%H:%M:%SZ} INFO [api] GET /health status=200\n" for m in range(quiet)]
    for m in range(quiet, quiet + failing):
        lines += [f"{T0 + timedelta(minutes=m, seconds=s):%Y-%m-%dT%H:%M:%SZ} ERROR [api] {message}\n" for s in range(0, 60, 6)]
    path.write_text("".join(lines))


async def recommendation(root: Path, files: list[tuple[str, str]], guidance: str = "") -> dict:  # type: ignore[type-arg]
    incident = make_incident(evidence_for(root, files), service="api", incident_id="INC-2026-0100")
    incident.guidance = guidance
    result = await runner(incident, root)(Task.MITIGATION_RECOMMENDATION)
    assert result.structured is not None
    return result.structured


async def test_a_config_change_outside_git_gets_a_configuration_revert(tmp_path: Path) -> None:
    log_lines(tmp_path / "api.log", 30, 15, "HikariPool-1 - Connection is not available, request timed out after 30000ms.")
    (tmp_path / "changes.txt").write_text(f"{T0 + timedelta(minutes=27):%Y-%m-%dT%H:%M:%SZ} config api DB_POOL_MAX_SIZE 50 -> 10\n")
    rec = await recommendation(tmp_path, [("api.log", "log"), ("changes.txt", "changes")])
    assert rec["recommended"] == "configuration_change"
    assert "DB_POOL_MAX_SIZE 50 -> 10" in rec["rationale"] and "precedes the onset by 3 min" in rec["rationale"]
    assert rec["rollback_plan"].startswith("Set DB_POOL_MAX_SIZE to 50 again on api")


async def test_an_external_dependency_gets_a_workaround(tmp_path: Path) -> None:
    log_lines(tmp_path / "api.log", 30, 15, "dial tcp: lookup payments.partner.example on 10.0.0.10:53: no such host")
    rec = await recommendation(tmp_path, [("api.log", "log")])
    assert rec["recommended"] == "workaround"
    assert "payments.partner.example" in rec["rationale"]


async def test_saturation_without_a_change_gets_scaling(tmp_path: Path) -> None:
    log_lines(tmp_path / "api.log", 30, 15, "java.lang.OutOfMemoryError: Java heap space")
    values = [0.5 + 0.01 * (m % 3) for m in range(30)] + [0.95] * 15
    doc = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {"__name__": "container_memory_ratio"},
           "values": [[int((T0 + timedelta(minutes=m)).timestamp()), str(v)] for m, v in enumerate(values)]}]}}
    (tmp_path / "memory.json").write_text(json.dumps(doc))
    rec = await recommendation(tmp_path, [("api.log", "log"), ("memory.json", "metrics")])
    assert rec["recommended"] == "scaling"
    assert "container_memory_ratio" in rec["rationale"]


async def test_rollback_guidance_puts_rollback_first_in_the_ranking(tmp_path: Path) -> None:
    log_lines(tmp_path / "api.log", 30, 15, "dial tcp: lookup payments.partner.example on 10.0.0.10:53: no such host")
    rec = await recommendation(tmp_path, [("api.log", "log")], guidance="tight SLA, prefer rollback")
    assert rec["ranking"][0] == "rollback" and rec["recommended"] == "workaround"


async def test_a_change_before_an_unexplained_onset_is_a_lead_not_a_cause(tmp_path: Path) -> None:
    log_lines(tmp_path / "api.log", 30, 15, "request failed: unexpected state in order pipeline")
    (tmp_path / "changes.txt").write_text(f"{T0 + timedelta(minutes=28):%Y-%m-%dT%H:%M:%SZ} deploy api v2.4.1\n")
    incident = make_incident(evidence_for(tmp_path, [("api.log", "log"), ("changes.txt", "changes")]), service="api",
                             incident_id="INC-2026-0101")
    run = runner(incident, tmp_path)
    text = (await run(Task.TIER2_HYPOTHESIS)).output
    assert "does not establish a cause" in text
    assert "a lead only" in text and "v2.4.1" in text
    whys = (await run(Task.FIVE_WHYS)).structured
    assert whys is not None and whys["root_cause"] == ""
