"""The rendered artifact set: golden files, completeness, determinism and what a postmortem needs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.data.export.conftest import ID, itil_timeline, sre_timeline
from warroom.data import events as ev
from warroom.data.export import find_defects, render_incident
from warroom.data.export.record import ExportInputError
from warroom.data.export.sections import REVIEW_SECTIONS, SECTION_KEYS
from warroom.data.fold import InvalidEvent
from warroom.data.models import Severity

GOLDEN = Path(__file__).with_name("golden") / "itil"
REGENERATE = os.environ.get("WARROOM_REGENERATE_GOLDEN") == "1"

ITIL_FILES = {
    "incident-record.md", "timeline.md", "triage-assessment.md", "diagnostics/tier1-data.md",
    "diagnostics/tier2-analysis.md", "root-cause-analysis.md", "mitigation-report.md",
    "communications/initial-alert.md", "communications/management-notification.md",
    "communications/status-page-update.md", "communications/resolution-notification.md",
    "post-incident-review.md", "preventive-actions.md", "preventive-actions.csv", "pir-meeting-invite.md",
    "runbook-update-recommendation.md", "knowledge-base-article.md", "quality-gates.md",
}  # fmt: skip
#: The steps of the seeded itil run (``conftest.itil_timeline``): one appendix file each.
ITIL_STEPS = ("incident-record", "severity", "tier1", "tier2", "five-whys", "contributing-factors",
              "mitigation-recommendation", "preventive-actions")  # fmt: skip
SRE_ONLY = {"security-assessment.md", "performance-analysis.md", "customer-impact.md", "monitoring-enhancements.md",
            "system-hardening.md"}  # fmt: skip


@pytest.mark.parametrize("name, timeline", [("itil", itil_timeline), ("sre", sre_timeline)])
def test_golden_files_match(name: str, timeline) -> None:  # type: ignore[no-untyped-def]
    files = render_incident(timeline().events)
    golden_dir = GOLDEN.parent / name
    if REGENERATE:
        for path, text in files.items():
            target = golden_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    golden = {p.relative_to(golden_dir).as_posix(): p.read_text(encoding="utf-8")
              for p in golden_dir.rglob("*") if p.is_file()}  # fmt: skip
    assert sorted(files) == sorted(golden), "the set of files changed (regenerate with WARROOM_REGENERATE_GOLDEN=1)"
    for path, text in files.items():
        assert text == golden[path], f"{path} differs from its golden file"


def test_rendering_is_byte_identical_and_order_independent_of_python_state(itil_events: list[ev.BaseEvent]) -> None:
    first = render_incident(itil_events)
    second = render_incident(list(itil_events))
    assert first == second
    assert list(first) == sorted(first)


def test_complete_itil_run_has_every_file_and_no_defects(itil_events: list[ev.BaseEvent]) -> None:
    files = render_incident(itil_events)
    assert {p for p in files if not p.startswith("appendix/")} == ITIL_FILES
    assert {p for p in files if p.startswith("appendix/")} == {f"appendix/{step}.md" for step in ITIL_STEPS}
    assert find_defects(files) == []
    assert not SRE_ONLY & set(files)
    assert "diagnostics/tier3-architecture-assessment.md" not in files  # Tier 3 was never engaged
    agent_steps = files["timeline.md"].split("## Agent Steps", 1)[1]
    assert "| tier1 | reliability-engineer | anthropic | 2026-11-23 09:09:00 UTC | 2026-11-23 09:09:00 UTC | failed |" in agent_steps
    assert "529 overloaded after 4 retries" in agent_steps
    assert files["diagnostics/tier1-data.md"].count("(../appendix/tier1") == 1  # the re-run's output only
    assert "Escalating: the pool exhaustion needs the component owner." in files["appendix/tier1.md"]


def test_complete_sre_run_has_its_documents_and_no_defects(sre_events: list[ev.BaseEvent]) -> None:
    files = render_incident(sre_events)
    assert SRE_ONLY <= set(files)
    assert {"incident-record.md", "timeline.md", "root-cause-analysis.md", "mitigation-report.md",
            "post-incident-review.md", "preventive-actions.md", "quality-gates.md"} <= set(files)  # fmt: skip
    assert "diagnostics/observability.md" in files  # an artifact outside the fixed set is kept as its own file
    assert not any(p.startswith("diagnostics/tier") for p in files)  # the sre run never used tiers
    assert find_defects(files) == []
    assert "Bulkhead the fraud call" in files["system-hardening.md"]
    assert "Bulkhead the fraud call" not in files["preventive-actions.md"]
    assert "WAF logs clean" in files["security-assessment.md"]
    assert "Canary healthy" in files["appendix/deployment-validation.md"]
    assert "Raise the cache TTL" in files["appendix/fix-design.md"]
    assert "(appendix/fix-design.md)" in files["mitigation-report.md"]
    assert not any(p.startswith("appendix/") and p.removeprefix("appendix/") in ("security-assessment.md",
                   "system-hardening.md") for p in files)  # fmt: skip  # an sre document is its step's one home


def test_minimal_open_incident_renders_unknowns_with_reasons() -> None:
    events = [ev.IncidentDeclared(incident_id=ID, at=itil_timeline().events[0].at, title="Disk full on db-1", seq=1)]
    files = render_incident(events)
    assert find_defects(files) == []
    for absent in ("communications/initial-alert.md", "communications/status-page-update.md", "diagnostics/tier2-analysis.md"):
        assert absent not in files
    pir = files["post-incident-review.md"]
    assert "**Duration**" not in pir  # not resolved: said once, in the Stats block
    assert pir.count("not resolved") == 2  # time to resolve, and the SLA breach it decides
    assert "- Time to resolve: unknown (not resolved)" in pir
    assert "- Time to detect: unknown (the evidence dates no onset)" in pir
    assert pir.count("impact_users") == 1 and "| Measure | Value |" not in pir
    assert "- [ ] Mitigation deployed and validated: no successful mitigation recorded" in files["quality-gates.md"]


def test_postmortem_sections_and_figures_are_expressed(itil_events: list[ev.BaseEvent], shared_data: Path) -> None:
    """Everything the real postmortems in ../shared/data/postmortems/ express is in the exported review."""
    template = (shared_data / "postmortems" / "PMyyyy-nnn - Postmortem template.md").read_text()
    sections = re.findall(r"^## (.+)$", template, flags=re.M)
    assert sections == ["Summary", "Timeline", "Contributing Factors", "Action Items", "Lessons Learned", "Attendees", "Stats"]
    pir = render_incident(itil_events)["post-incident-review.md"]
    expected_heading = {"Summary": "## Summary", "Timeline": "## Timeline",
                        "Contributing Factors": "### Contributing factors", "Action Items": "## Action Items",
                        "Lessons Learned": "### Technical lessons", "Attendees": "## Attendees", "Stats": "## Stats"}  # fmt: skip
    for section in sections:
        assert expected_heading[section] in pir, section
    order = ["## Summary", "## Impact", "## Trigger and Root Cause", "## Detection", "## Response and Recovery",
             "## Timeline", "## What Went Well, What Went Wrong, Where We Got Lucky", "## Action Items", "## Stats"]  # fmt: skip
    assert [pir.index(h) for h in order] == sorted(pir.index(h) for h in order)
    assert "Key events, UTC." in pir
    assert "| 2026-11-23 09:30:00 | Mitigation Rollback succeeded: checkout-api rolled back to v2.13.2 |" in pir
    assert "Evidence attached" not in pir and "Incident Commander:" not in pir  # not key events
    assert "- Load tests skip the retry path\n- Pool saturation had no alert" in pir
    assert "| AI-2 | Add the retry path to load tests | — | — | dave | 2026-12-18 | medium | — | open |" in pir
    assert "- Retries must share the pool" in pir and "- Post the first status page update sooner" in pir
    assert "- AL, BO, CA" in pir
    assert "- Category: availability" in pir
    assert "- Time to acknowledge: 3m, SLA 1m: MISSED by 2m" in pir
    assert "- Time to mitigate: 30m" in pir
    assert "- Time to resolve: 45m, SLA 2h: MET (1h 15m to spare)" in pir
    assert "| Failed requests | 3,180 failed checkouts |" in pir
    assert "| SLA breached | NO |" in pir
    assert "| Error budget consumed | 69% of the 30-day budget" in pir
    assert "Agent draft" not in pir  # the agents' raw outputs are linked, not inlined


def test_human_review_takes_precedence_over_agent_draft(make_itil) -> None:  # type: ignore[no-untyped-def]
    events = make_itil()
    last = events[-1]
    extra = [
        ev.AgentStepStarted(incident_id=ID, at=last.at, run_id="pir", step_id="post_incident_review", seq=last.seq + 1),
        ev.AgentStepFinished(incident_id=ID, at=last.at, run_id="pir", artifact="post-incident-review.md",
                             output="## What Went Well\n- the agent thinks paging was fast", seq=last.seq + 2),
    ]  # fmt: skip
    # An agent cannot run after close; insert the draft before the close event.
    events = events[:-1] + [e.model_copy(update={"seq": e.seq - 1}) for e in extra] + [last.model_copy(update={"seq": last.seq + 2})]
    pir = render_incident(events)["post-incident-review.md"]
    went_well = pir.split("### What went well", 1)[1].split("###", 1)[0]
    assert "- Rollback took 6 minutes" in went_well and "agent thinks" not in pir


def test_unknown_review_sections_are_kept() -> None:
    t = itil_timeline()
    t.events.insert(-1, ev.ReviewUpdated(incident_id=ID, at=t.events[-2].at, section="vendor_follow_up",
                                         text="Ask the DB vendor about pool metrics", seq=t.events[-2].seq))  # fmt: skip
    pir = render_incident(t.events)["post-incident-review.md"]
    assert "### Vendor follow up\n\nAsk the DB vendor about pool metrics" in pir


def test_review_vocabulary_is_documented_once() -> None:
    assert len(SECTION_KEYS) == len(set(SECTION_KEYS))
    for key in ("summary", "went_well", "could_improve", "lessons_technical", "lessons_process",
                "lessons_communication", "impact_users", "impact_failed_transactions"):  # fmt: skip
        assert key in SECTION_KEYS
    assert all(s.title and s.hint for s in REVIEW_SECTIONS)


def test_no_events_and_invalid_events_are_refused() -> None:
    with pytest.raises(ExportInputError, match="no events"):
        render_incident([])
    t = itil_timeline()
    bad = ev.IncidentResolved(incident_id=ID, at=t.events[-1].at, seq=t.events[-1].seq + 1)
    with pytest.raises(InvalidEvent, match="closed"):
        render_incident([*t.events, bad])


def test_p2_gates_do_not_require_a_commander() -> None:
    events = [ev.IncidentDeclared(incident_id=ID, at=itil_timeline().events[0].at, title="Slow search", severity=Severity.P2, seq=1)]
    gates = render_incident(events)["quality-gates.md"]
    assert "- [x] Incident Commander assigned (P0/P1): not required for P2" in gates


def _sre_run_on(playbook: str) -> list[ev.BaseEvent]:
    """The sre timeline (it never escalated a tier) as if its incident had recorded ``playbook``."""
    events = list(sre_timeline().events)
    events[0] = events[0].model_copy(update={"playbook": playbook})
    return events


def test_tier_gate_is_not_applicable_to_a_playbook_without_tiers() -> None:
    gates = render_incident(_sre_run_on("sre"))["quality-gates.md"]
    assert ("- [x] Functional escalation executed per timers (Tier 1 → 2 → 3): "
            "not applicable (the sre playbook has no functional tiers)") in gates  # fmt: skip
    assert "never reached" not in gates


@pytest.mark.parametrize("playbook", ["itil", "custom-oncall", ""])
def test_tier_gate_judges_itil_and_unknown_playbooks_by_the_tier_timers(playbook: str) -> None:
    gates = render_incident(_sre_run_on(playbook))["quality-gates.md"]
    assert "- [ ] Functional escalation executed per timers (Tier 1 → 2 → 3): Tier 2 due 09:30 UTC never reached" in gates


def test_output_does_not_depend_on_hash_seed() -> None:
    """Set and dict iteration never leaks into the files: two interpreters with different seeds agree."""
    import subprocess
    import sys

    script = (
        "import hashlib\n"
        "from tests.data.export.conftest import itil_timeline, sre_timeline\n"
        "from warroom.data.export import render_incident\n"
        "h = hashlib.sha256()\n"
        "for events in (itil_timeline().events, sre_timeline().events):\n"
        "    for path, text in render_incident(events).items():\n"
        "        h.update(path.encode() + b'\\0' + text.encode())\n"
        "print(h.hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[3]
    digests = {
        subprocess.run([sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, timeout=60, check=True).stdout.strip()  # fmt: skip
        for seed in ("1", "2")
    }
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def test_agent_draft_fills_a_review_section_until_a_human_writes_it(sre_events: list[ev.BaseEvent]) -> None:
    from warroom.data.export.sections import draft_sections

    assert draft_sections("# PIR\n## What Went Well\n- a\n### detail\nb\n## Process lessons\n\n## Summary\nS\n```\n# x\n```") == {
        "went_well": "- a\n### detail\nb", "summary": "S\n```\n# x\n```"}  # fmt: skip
    pir = render_incident(sre_events)["post-incident-review.md"]
    went_well = pir.split("### What went well", 1)[1].split("###", 1)[0]
    assert "*Agent draft, not yet confirmed by the reviewers (review section `went_well`):*" in went_well
    assert "- fast canary" in went_well


@pytest.mark.parametrize("days, expected", [(1, "short"), (14, "short"), (15, "medium"), (92, "medium"), (93, "long")])
def test_action_horizon_follows_the_due_date(days: int, expected: str) -> None:
    from datetime import timedelta

    from warroom.data.export.pir import horizon
    from warroom.data.models import ActionItem

    made = itil_timeline().events[0].at
    item = ActionItem(item_id="x", title="t", due=made + timedelta(days=days), created_at=made, updated_at=made)
    assert horizon(item) == expected
    assert horizon(item.model_copy(update={"due": None})) == "unknown"


def test_action_ids_are_stable_when_more_items_are_added(make_itil) -> None:  # type: ignore[no-untyped-def]
    events = make_itil()
    first = render_incident(events)["preventive-actions.csv"]
    last = events[-1]
    later = ev.ActionItemAdded(incident_id=ID, at=last.at, seq=last.seq + 1, item_id="Z-9", title="Added after close",
                               action_type="detect", priority="HIGH", finding="pool saturation paged late")  # fmt: skip
    again = render_incident([*events, later])["preventive-actions.csv"]
    assert again.startswith(first)  # earlier rows unchanged, the new one appended as AI-4
    assert again.splitlines()[-1].startswith(f"{ID},AI-4,Added after close,,,unknown,detect,HIGH,pool saturation paged late,open,Z-9,")
