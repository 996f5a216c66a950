"""Validation against baseline on synthetic metric series: recovered, still failing, and no data after the fix."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.agents.offline.conftest import evidence_for, make_incident, runner
from warroom.agents.backend import Task
from warroom.data.models import Decision

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
FIX_AT = T0 + timedelta(minutes=40)


def write_series(root: Path, name: str, values: list[float]) -> str:
    doc = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": name, "service": "checkout-api"},
         "values": [[int((T0 + timedelta(minutes=i)).timestamp()), str(v)] for i, v in enumerate(values)]}]}}
    path = root / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path.name


def incident_with(root: Path, errors: list[float], latency: list[float]):  # type: ignore[no-untyped-def]
    files = [(write_series(root, "http_requests_5xx_rate", errors), "metrics"),
             (write_series(root, "http_request_duration_seconds_p95", latency), "metrics"),
             (write_series(root, "http_requests_rate", [40.0] * len(errors)), "metrics")]
    incident = make_incident(evidence_for(root, files), service="checkout-api", incident_id="INC-2026-0042")
    incident.decisions.append(Decision(decision_id="D-1", gate="itil:mitigation_recommendation", choice="rollback",
                                       decided_at=FIX_AT))
    return runner(incident, root)


@pytest.mark.parametrize(("after_fix", "passed"), [(0.01, True), (2.0, False)])
async def test_verdict_from_the_series_after_the_mitigation(tmp_path: Path, after_fix: float, passed: bool) -> None:
    errors = [0.01] * 20 + [2.0] * 20 + [after_fix] * 20
    latency = [0.2] * 20 + [30.0] * 20 + [0.2 if passed else 30.0] * 20
    result = await incident_with(tmp_path, errors, latency)(Task.VALIDATION)
    assert result.structured is not None
    assert result.structured["passed"] is passed
    assert result.structured["evidence_after_mitigation"] is True
    assert ("**Passed:**" if passed else "**Failed:**") in result.output


async def test_onset_is_the_rise_not_the_recovery(tmp_path: Path) -> None:
    errors = [0.01] * 20 + [2.0] * 20 + [0.01] * 20
    result = await incident_with(tmp_path, errors, [0.2] * 60)(Task.TIER1_DATA)
    assert f"**Onset:** {T0 + timedelta(minutes=20):%Y-%m-%d %H:%M:%S}Z" in result.output


async def test_no_evidence_after_the_mitigation_is_no_verdict(tmp_path: Path) -> None:
    errors = [0.01] * 20 + [2.0] * 22  # ends two minutes after the fix
    result = await incident_with(tmp_path, errors, [0.2] * 42)(Task.VALIDATION)
    assert result.structured is not None and result.structured["passed"] is None
    assert "Not verified from data" in result.output
