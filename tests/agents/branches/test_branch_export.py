"""Each branch reflected in the export: PIR and mitigation report sections, call-outs, drafted notifications."""

from __future__ import annotations

from tests.agents.branches.conftest import at
from warroom.agents.branches import declare_freeze, evaluate_branches, lift_freeze, lift_hold
from warroom.data import events as ev
from warroom.data.export.render import render_incident
from warroom.data.fold import replay
from warroom.data.models import MitigationStrategy, Role, Severity

ID = "INC-2026-0001"


def _events(roster, *, security: bool = False) -> list[ev.BaseEvent]:
    log: list[ev.BaseEvent] = [ev.IncidentDeclared(incident_id=ID, at=at(0), title="Checkout 5xx", severity=Severity.P1,
                                                   service="checkout", security=security)]  # fmt: skip

    def add(*events: ev.BaseEvent) -> None:
        for event in events:
            log.append(event.with_seq(len(log) + 1))

    log[0] = log[0].with_seq(1)
    add(ev.Acknowledged(incident_id=ID, at=at(1), actor="bob"),
        ev.RoleAssigned(incident_id=ID, at=at(2), role=Role.INCIDENT_COMMANDER, person="carol"))
    if security:
        state = replay(log)
        add(*evaluate_branches(state, at(3), roster=roster, open_incidents=[]))
        add(ev.EvidencePreserved(incident_id=ID, at=at(20), actor="gina", details="disk images | logs to the vault"))
    add(ev.MitigationExecuted(incident_id=ID, at=at(30), actor="bob", strategy=MitigationStrategy.ROLLBACK,
                              outcome="failed", details="error rate still 40% | after rollback"))
    state = replay(log)
    add(*evaluate_branches(state, at(31), roster=roster, open_incidents=[]))
    state = replay(log)
    add(*declare_freeze([state], "FRZ-1", "halt all deployments", at(32), actor="gina"))
    state = replay(log)
    add(lift_hold(state, "assessment complete: hotfix is safe", at(50), actor="carol"))
    add(ev.MitigationExecuted(incident_id=ID, at=at(60), actor="bob", strategy=MitigationStrategy.HOTFIX, outcome="succeeded"))
    state = replay(log)
    add(*lift_freeze([state], "FRZ-1", "incident mitigated", at(70), actor="gina"))
    add(ev.IncidentResolved(incident_id=ID, at=at(80), resolution="hotfix"))
    return log


def test_failed_rollback_hold_and_freeze_in_the_reports(roster) -> None:
    files = render_incident(_events(roster))
    pir = files["mitigation-report.md"]  # the branches' one home; the review links to it
    assert "(mitigation-report.md#when-the-response-went-wrong)" in files["post-incident-review.md"]
    assert "## When the Response Went Wrong" in pir
    assert "**Rollback failed**: error rate still 40% | after rollback" in pir
    assert "| STOP hold | rollback failed: error rate still 40% \\| after rollback | 2026-11-23 09:31:00 UTC | warroom | 2026-11-23 09:50:00 UTC | carol | assessment complete: hotfix is safe |" in pir
    assert "| Change freeze FRZ-1 | halt all deployments |" in pir and "incident mitigated" in pir
    assert "rollback to an earlier version, emergency hotfix, maintenance mode, manual repair. Not decided." in pir
    assert "## Security Incident" not in pir
    report = files["mitigation-report.md"]
    assert "### Holds and Change Freezes" in report
    assert "Emergency war room" in files["communications/call-outs.md"]
    assert "Drafted by warroom: Emergency war room: INC-2026-0001 rollback failed" in files["communications/call-outs.md"]
    assert "Extended outage" in files["communications/status-page-update.md"]
    timeline = files["timeline.md"]
    assert "HOLD: STOP, no further changes until assessment" in timeline and "Hold lifted by carol" in timeline
    assert "Severity set to P0" in timeline
    assert render_incident(_events(roster)) == files  # same events, same bytes


def test_security_branch_in_the_reports(roster) -> None:
    files = render_incident(_events(roster, security=True))
    pir = files["mitigation-report.md"]
    assert "(mitigation-report.md#security-incident)" in files["post-incident-review.md"]
    assert "## Security Incident" in pir
    assert "preserved 2026-11-23 09:20:00 UTC by gina: disk images | logs to the vault" in pir
    assert "| GDPR | 2026-11-26 09:03:00 UTC | not yet | breached |" not in pir  # the clock state is at the last event
    assert "| GDPR | 2026-11-26 09:03:00 UTC | not yet | ok |" in pir
    assert "Isolation of affected systems**: not decided" in pir
    assert "Complete the forensic analysis before restoring affected systems" in files["post-incident-review.md"]
    legal = files["communications/legal-updates.md"]
    assert legal.count("Drafted by warroom") == 3  # legal, compliance, the GDPR authority
    assert "Hal Stone (hal)" in legal


def test_no_branch_no_extra_sections(roster) -> None:
    log = [ev.IncidentDeclared(incident_id=ID, at=at(0), title="Checkout 5xx", seq=1),
           ev.IncidentResolved(incident_id=ID, at=at(10), seq=2)]
    files = render_incident(log)
    assert "When the Response Went Wrong" not in files["post-incident-review.md"]
    assert "communications/call-outs.md" not in files
