"""The offline backend: every task writes real text; bad evidence is reported, never crashes a step."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.agents.offline.conftest import evidence_for, make_incident, runner
from warroom.agents.backend import Task
from warroom.agents.offline import analysis as analysis_module
from warroom.data.answers import SCHEMAS

PLACEHOLDER = re.compile(r"\{[a-z_]+\}|TODO|TBD|lorem", re.I)


@pytest.mark.parametrize("task", list(Task))
async def test_every_task_writes_specific_text(demo_run, demo_bundle, task: Task) -> None:  # type: ignore[no-untyped-def]
    result = await demo_run(task)
    assert len(result.output) > 150, result.output
    assert not PLACEHOLDER.search(result.output), PLACEHOLDER.search(result.output)
    assert "checkout-api" in result.output or demo_bundle.guilty_sha[:10] in result.output or task in (
        Task.PIR_INVITE, Task.SECURITY_ASSESSMENT)
    assert result.model == "offline-investigator-1"


@pytest.mark.parametrize(("task", "schema"), [(Task.SEVERITY_PROPOSAL, "SeverityProposal"), (Task.FIVE_WHYS, "FiveWhys"),
                                              (Task.MITIGATION_RECOMMENDATION, "MitigationRecommendation"),
                                              (Task.PREVENTIVE_ACTIONS, "ActionItems")])
async def test_structured_answers_validate(demo_run, task: Task, schema: str) -> None:  # type: ignore[no-untyped-def]
    result = await demo_run(task)
    assert result.structured is not None
    SCHEMAS[schema].model_validate(result.structured)


async def test_preventive_actions_are_tied_to_findings(demo_run) -> None:  # type: ignore[no-untyped-def]
    actions = (await demo_run(Task.PREVENTIVE_ACTIONS)).structured["actions"]  # type: ignore[index]
    titles = " | ".join(a["title"] for a in actions)
    assert "hikaricp_connections_active" in titles  # alert on the signal that came first
    assert "load test" in titles and "Canary" in titles
    assert {a["horizon"] for a in actions} == {"immediate", "short_term", "long_term"}


async def test_analysis_is_cached_across_steps(demo_run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    await demo_run(Task.TIER1_DATA)
    calls = []
    original = analysis_module._Investigation.run
    monkeypatch.setattr(analysis_module._Investigation, "run", lambda self, *a: calls.append(1) or original(self, *a))
    await demo_run(Task.TIER2_HYPOTHESIS)
    await demo_run(Task.FIVE_WHYS)
    assert calls == []


async def test_no_evidence_says_so_and_invents_nothing(tmp_path: Path) -> None:
    run = runner(make_incident([]), tmp_path)
    text = (await run(Task.TIER2_HYPOTHESIS)).output
    assert "does not establish a cause" in text
    whys = (await run(Task.FIVE_WHYS)).structured
    assert whys is not None and whys["root_cause"] == "" and whys["confidence"] <= 0.2
    rec = (await run(Task.MITIGATION_RECOMMENDATION)).structured
    assert rec is not None and rec["recommended"] == "workaround" and rec["confidence"] <= 0.2


async def test_hostile_evidence_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "binary.log").write_bytes(b"\x00\x01\x02" * 1000)
    (tmp_path / "huge-line.log").write_text("2026-11-23T09:00:00Z ERROR " + "A" * 1_000_000 + "\n")
    (tmp_path / "latin1.log").write_bytes("2026-11-23T09:00:00Z ERROR caf\xe9 \x1b[31mred\x1b[0m\n".encode("latin-1"))
    (tmp_path / "broken.json").write_text('{"data": {"result": [')
    (tmp_path / "cut.log.gz").write_bytes(gzip.compress(b"2026-11-23T09:00:00Z ERROR x\n" * 100)[:60])
    (tmp_path / "not-git").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.log"
    outside.write_text("secret\n")
    files = [("binary.log", "log"), ("huge-line.log", "log"), ("latin1.log", "log"), ("broken.json", "metrics"),
             ("cut.log.gz", "log"), ("not-git", "git"), ("missing.log", "log"), (f"../{outside.name}", "log")]
    run = runner(make_incident(evidence_for(tmp_path, files)), tmp_path)
    text = (await run(Task.TIER1_DATA)).output
    assert "binary.log: binary file skipped" in text
    assert "huge-line.log: 1 overlong lines truncated" in text
    assert "broken.json: not valid JSON" in text
    assert "missing.log: file is missing" in text
    assert "escapes the evidence root" in text
    assert "\x1b" not in text and "secret" not in text


async def test_parallel_steps_share_one_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    (tmp_path / "app.log").write_text("".join(f"2026-11-23T09:{m:02d}:00Z ERROR boom {m}\n" for m in range(30)))
    run = runner(make_incident(evidence_for(tmp_path, [("app.log", "log")]), incident_id="INC-2026-0077"), tmp_path)
    calls = []
    original = analysis_module._Investigation.run
    monkeypatch.setattr(analysis_module._Investigation, "run", lambda self, *a: calls.append(1) or original(self, *a))
    await asyncio.gather(run(Task.IMPACT_ASSESSMENT), run(Task.URGENCY_ASSESSMENT), run(Task.INCIDENT_RECORD))
    assert calls == [1]


async def test_csv_metrics_and_gzip_logs_are_read(tmp_path: Path) -> None:
    lines = "".join(f"2026-11-23T09:{m:02d}:{s:02d}Z {'ERROR upstream timed out' if m >= 20 and s % 10 == 0 else 'INFO ok'}\n"
                    for m in range(30) for s in range(0, 60, 5))
    (tmp_path / "edge.log.gz").write_bytes(gzip.compress(lines.encode()))
    rows = ["timestamp,value"] + [f"2026-11-23T09:{m:02d}:00Z,{0.2 if m < 20 else 4.0}" for m in range(30)]
    (tmp_path / "latency_p95.csv").write_text("\n".join(rows) + "\n")
    run = runner(make_incident(evidence_for(tmp_path, [("edge.log.gz", "log"), ("latency_p95.csv", "metrics")]),
                               incident_id="INC-2026-0078"), tmp_path)
    text = (await run(Task.TIER1_DATA)).output
    assert "Read 360 log lines" in text
    assert "**Onset:** 2026-11-23 09:20:00Z" in text
    assert "`latency_p95` (latency): baseline 0.2, now 4" in text


async def test_the_review_uses_the_root_cause_recorded_on_the_timeline(demo_bundle) -> None:  # type: ignore[no-untyped-def]
    from tests.agents.offline.conftest import SCHEMA
    from warroom.agents.backend import StepRequest
    from warroom.agents.offline.backend import OfflineInvestigator

    incident = make_incident(evidence_for(demo_bundle.root, demo_bundle.files), service="checkout-api")
    recorded = {"problem": "p", "root_cause": "Root cause as the review meeting agreed it.", "evidence_ends": "here"}
    request = StepRequest(run_id="r", step_id="post_incident_review", task=Task.POST_INCIDENT_REVIEW, role="x", title="PIR",
                          prompt="", incident=incident, evidence=incident.evidence, evidence_root=str(demo_bundle.root),
                          structured_inputs={"five_whys": recorded}, output_schema=SCHEMA.get(Task.POST_INCIDENT_REVIEW))

    async def emit(text: str) -> None:
        return None

    result = await OfflineInvestigator().run_step(request, emit)
    assert "Root cause as the review meeting agreed it." in result.output
