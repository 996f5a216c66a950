"""A whole itil run written by the real offline investigator on the demo evidence, exported.

Every step's real markdown and structured answer goes through the export; the
set must be complete and free of defects, and the 5 Whys and the actions must
land where a reader looks for them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.data.export.conftest import ID, T0
from warroom.agents.backend import StepRequest, Task
from warroom.agents.offline.backend import OfflineInvestigator
from warroom.agents.offline.demo.builder import build
from warroom.data import events as ev
from warroom.data.export import find_defects, render_incident
from warroom.data.fold import replay
from warroom.data.models import Audience, Horizon, Level, MitigationStrategy, Role, Severity

# (step id, task, role, artifact, output schema): the itil playbook's steps (warroom/agents/playbooks/itil.toml).
ITIL_STEPS = [
    ("incident_record", Task.INCIDENT_RECORD, "incident-responder", "incident-record.md", None),
    ("initial_alert", Task.INITIAL_ALERT, "incident-responder", "communications/initial-alert.md", None),
    ("impact_assessment", Task.IMPACT_ASSESSMENT, "incident-responder", "triage-assessment.md", None),
    ("urgency_assessment", Task.URGENCY_ASSESSMENT, "reliability-engineer", "triage-assessment.md", None),
    ("priority", Task.SEVERITY_PROPOSAL, "incident-responder", "triage-assessment.md", "SeverityProposal"),
    ("tier1_response", Task.TIER1_DATA, "reliability-engineer", "diagnostics/tier1-data.md", None),
    ("tier2_response", Task.TIER2_HYPOTHESIS, "component-owner", "diagnostics/tier2-analysis.md", None),
    ("tier3_response", Task.TIER3_ASSESSMENT, "architecture-designer", "diagnostics/tier3-architecture-assessment.md", None),
    ("management_notification", Task.MANAGEMENT_NOTIFICATION, "project-manager", "communications/management-notification.md", None),
    ("executive_notification", Task.EXECUTIVE_NOTIFICATION, "project-manager", "communications/executive-notification.md", None),
    ("status_page_update", Task.STATUS_PAGE_UPDATE, "incident-responder", "communications/status-page-update.md", None),
    ("five_whys", Task.FIVE_WHYS, "incident-responder", "root-cause-analysis.md", "FiveWhys"),
    ("contributing_factors", Task.CONTRIBUTING_FACTORS, "reliability-engineer", "root-cause-analysis.md", None),
    ("mitigation_recommendation", Task.MITIGATION_RECOMMENDATION, "incident-responder", "mitigation-report.md",
     "MitigationRecommendation"),
    ("mitigation_execution", Task.MITIGATION_EXECUTION, "devops-engineer", "mitigation-report.md", None),
    ("validation", Task.VALIDATION, "reliability-engineer", "mitigation-report.md", None),
    ("resolution_communication", Task.RESOLUTION_COMMUNICATION, "incident-responder",
     "communications/resolution-notification.md", None),
    ("pir_invite", Task.PIR_INVITE, "project-manager", "pir-meeting-invite.md", None),
    ("post_incident_review", Task.POST_INCIDENT_REVIEW, "incident-responder", "post-incident-review.md", None),
    ("preventive_actions", Task.PREVENTIVE_ACTIONS, "project-manager", "preventive-actions.md", "ActionItems"),
    ("runbook_update", Task.RUNBOOK_UPDATE, "reliability-engineer", "runbook-update-recommendation.md", None),
    ("knowledge_base_article", Task.KNOWLEDGE_BASE_ARTICLE, "reliability-engineer", "knowledge-base-article.md", None),
]  # fmt: skip


async def offline_itil_run(root: Path) -> list[ev.BaseEvent]:
    bundle = build(root / "evidence", T0)
    detected = bundle.detected_at or T0
    events: list[ev.BaseEvent] = []
    clock = [detected]

    def add(cls: type[ev.BaseEvent], step: float = 30, **fields: object) -> None:
        clock[0] += timedelta(seconds=step)
        events.append(cls(incident_id=ID, at=clock[0], actor="alice", seq=len(events) + 1, **fields))

    add(ev.IncidentDeclared, title="Checkout API 5xx", severity=Severity.P1, detected_at=detected,
        service="checkout-api", playbook="itil", summary="Checkout requests fail.")  # fmt: skip
    for n, (rel, kind) in enumerate(bundle.files, 1):
        add(ev.EvidenceAttached, 1, evidence_id=f"EV-{n}", evidence_kind=kind, path=rel, name=rel)
    add(ev.Acknowledged)
    backend = OfflineInvestigator()
    outputs: dict[str, str] = {}
    for index, (step_id, task, role, artifact, schema) in enumerate(ITIL_STEPS):
        if step_id == "tier1_response":
            add(ev.SeveritySet, severity=Severity.P0, impact=Level.HIGH, urgency=Level.HIGH, reason="checkout down")
            add(ev.RoleAssigned, role=Role.INCIDENT_COMMANDER, person="alice")
        if step_id == "tier2_response":
            add(ev.TierEscalated, tier=2, reason="pool exhaustion")
        if step_id == "tier3_response":
            add(ev.TierEscalated, tier=3, reason="architecture")
        if step_id == "mitigation_execution":
            add(ev.DecisionTaken, decision_id="d1", gate="mitigation", choice="rollback",
                options=["rollback", "hotfix"], recommended="rollback", auto=True)  # fmt: skip
            add(ev.MitigationExecuted, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded",
                validation={"error_rate": "0.3%"})  # fmt: skip
        if step_id == "resolution_communication":
            add(ev.IncidentResolved, resolution="rolled back")
        state = replay(events)
        assert state is not None
        request = StepRequest(run_id=f"r{index}", step_id=step_id, task=task, role=role, title=step_id, prompt="",
                              incident=state, inputs=dict(outputs), evidence=state.evidence,
                              evidence_root=str(bundle.root), output_schema=schema)  # fmt: skip
        chunks: list[str] = []

        async def emit(text: str, sink: list[str] = chunks) -> None:
            sink.append(text)

        result = await backend.run_step(request, emit)
        outputs[step_id] = result.output
        add(ev.AgentStepStarted, run_id=f"r{index}", step_id=step_id, role=role, backend="offline", model=result.model)
        add(ev.AgentStepOutput, 5, run_id=f"r{index}", text="".join(chunks)[:500] or "-")
        add(ev.AgentStepFinished, 5, run_id=f"r{index}", output=result.output, artifact=artifact,
            structured=result.structured)  # fmt: skip
        if step_id in ("status_page_update", "resolution_communication"):
            add(ev.StatusUpdatePublished, audience=Audience.STATUS_PAGE, text=result.output[:2000])
        if step_id == "management_notification":
            add(ev.ManagementNotified, message=result.output)
    add(ev.ActionItemAdded, item_id="A1", title="Alert on pool saturation", owner="bob", due=detected + timedelta(days=5),
        horizon=Horizon.IMMEDIATE)  # fmt: skip
    add(ev.ReviewUpdated, section="went_well", text="Rollback was quick")
    add(ev.ReviewCompleted)
    add(ev.IncidentClosed)
    return events


@pytest.fixture(scope="module")
def offline_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import asyncio

    events = asyncio.run(offline_itil_run(tmp_path_factory.mktemp("demo")))
    return render_incident(events)


def test_offline_itil_run_exports_every_document_without_defects(offline_files: dict[str, str]) -> None:
    assert find_defects(offline_files) == []
    for path in ("diagnostics/tier1-data.md", "diagnostics/tier2-analysis.md", "diagnostics/tier3-architecture-assessment.md",
                 "communications/initial-alert.md", "communications/management-notification.md",
                 "communications/executive-notification.md", "communications/status-page-update.md",
                 "communications/resolution-notification.md", "pir-meeting-invite.md", "runbook-update-recommendation.md",
                 "knowledge-base-article.md", "quality-gates.md", "preventive-actions.csv"):  # fmt: skip
        assert path in offline_files, path


def test_offline_structured_answers_land_in_their_sections(offline_files: dict[str, str]) -> None:
    rca = offline_files["root-cause-analysis.md"]
    five_whys = rca.split("## 5 Whys", 1)[1].split("## Contributing Factors", 1)[0]
    assert "**Problem Statement**" in five_whys and "1. **" in five_whys
    assert "unknown" not in rca.split("## Primary Root Cause", 1)[1].split("\n## ", 1)[0]
    assert "**Root Cause**" not in rca  # stated once, under Primary Root Cause
    assert "**Agent Recommendation**" in offline_files["mitigation-report.md"]
    assert "**Agent Proposal**" in offline_files["triage-assessment.md"]
    gates = offline_files["quality-gates.md"]
    assert "- [x] Root cause identified using 5 Whys and fishbone" in gates


def test_offline_review_states_detection_and_recovery_times(offline_files: dict[str, str]) -> None:
    """The figures a real postmortem's Stats section carries are computed for the demo run."""
    import re

    pir = offline_files["post-incident-review.md"]
    assert re.search(r"^- Time to detect: (\d+[smh] ?)+\(onset to detection\)$", pir, flags=re.M)
    assert re.search(r"^- Time to mitigate: (\d+[smh] ?)+$", pir, flags=re.M)
    timeline = pir.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"\| Change: commit `[0-9a-f]{10}` .checkout: reduce DB pool", timeline)
    assert re.search(r"\| Onset: ", timeline)
    assert timeline.index("Change:") < timeline.index("Onset:") < timeline.index("Incident declared")
