"""Fixtures for the offline investigator: evidence bundles, incidents and a step runner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.agents.backend import StepRequest, StepResult, Task
from warroom.agents.offline.backend import OfflineInvestigator
from warroom.agents.offline.demo.builder import DemoBundle, build
from warroom.data.alerts.alertmanager import parse_alertmanager
from warroom.data.models import Evidence, Incident, Level, NormalisedAlert, Severity

DEMO_BASE = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
SCHEMA = {Task.SEVERITY_PROPOSAL: "SeverityProposal", Task.FIVE_WHYS: "FiveWhys",
          Task.MITIGATION_RECOMMENDATION: "MitigationRecommendation", Task.PREVENTIVE_ACTIONS: "ActionItems"}


def evidence_for(root: Path, files: list[tuple[str, str]], at: datetime = DEMO_BASE) -> list[Evidence]:
    """Evidence records for files under ``root`` (paths relative to it)."""
    return [Evidence(evidence_id=f"EV-{n}", kind=kind, path=rel, name=rel, attached_at=at)
            for n, (rel, kind) in enumerate(files, 1)]


def make_incident(evidence: list[Evidence], *, service: str = "", alerts: list[NormalisedAlert] | None = None,
                  at: datetime = DEMO_BASE, incident_id: str = "INC-2026-0001") -> Incident:
    return Incident(incident_id=incident_id, title="Investigation", severity=Severity.P2, impact=Level.MEDIUM,
                    urgency=Level.MEDIUM, detected_at=at, declared_at=at, updated_at=at, service=service,
                    alerts=alerts or [], evidence=evidence)


StepRunner = Callable[[Task], Awaitable[StepResult]]


def runner(incident: Incident, root: Path) -> StepRunner:
    backend = OfflineInvestigator()

    async def run(task: Task) -> StepResult:
        chunks: list[str] = []

        async def emit(text: str) -> None:
            chunks.append(text)

        request = StepRequest(run_id=f"run-{task.value}", step_id=task.value, task=task, role="investigator",
                              title=task.value, prompt="", incident=incident, evidence=incident.evidence,
                              evidence_root=str(root), output_schema=SCHEMA.get(task))
        result = await backend.run_step(request, emit)
        assert "".join(chunks).strip() == result.output.strip()
        return result

    return run


@pytest.fixture(scope="session")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> DemoBundle:
    return build(tmp_path_factory.mktemp("demo") / "evidence", DEMO_BASE)


@pytest.fixture
def demo_run(demo_bundle: DemoBundle) -> StepRunner:
    evidence = evidence_for(demo_bundle.root, demo_bundle.files)
    alerts = parse_alertmanager(json.loads((demo_bundle.root / demo_bundle.alert_payload).read_text()))
    incident = make_incident(evidence, service="checkout-api", alerts=alerts, at=demo_bundle.detected_at or DEMO_BASE)
    return runner(incident, demo_bundle.root)


@pytest.fixture
def case_run(shared_data: Path, tmp_path: Path) -> Callable[[str], StepRunner]:
    """A runner over one recorded case's files as evidence (the expected answer file is left out)."""

    def for_case(name: str) -> StepRunner:
        source = shared_data / "cases" / name
        root = tmp_path / name
        root.mkdir()
        files = []
        for item in sorted(source.iterdir()):
            if item.name == "test_case.yaml":
                continue
            shutil.copy(item, root / item.name)
            files.append((item.name, "other"))
        return runner(make_incident(evidence_for(root, files), incident_id="INC-2025-0001"), root)

    return for_case
