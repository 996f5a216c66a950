"""Seeded incidents for the export tests: complete itil and sre runs built from events with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from warroom.data import events as ev
from warroom.data.models import (
    ActionStatus,
    Audience,
    Horizon,
    Level,
    MitigationStrategy,
    NormalisedAlert,
    Role,
    Severity,
    Status,
)

ID = "INC-2026-0042"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

TIER1_TEXT = """# Tier 1 Response

## Initial Actions
- [x] Acknowledge incident
- [x] Check recent deployments: `checkout-api` v2.14.0 rolled out at 08:52 UTC

## Data Gathering
| Signal | Value |
|--------|-------|
| 5xx rate | 38% |
| p95 latency | 4.1 s |

```
kubectl rollout history deploy/checkout-api
```

## Escalation Decision
Escalating: the pool exhaustion needs the component owner.
"""

FIVE_WHYS = {
    "problem": "Checkout requests fail with HTTP 503",
    "whys": [
        {"question": "Why did checkout fail?", "answer": "the API returned 503 to 38% of requests",
         "evidence": [{"source": "logs/checkout.log", "detail": "lines 120-180"}]},
        {"question": "Why did the API return 503?", "answer": "its database connection pool was exhausted"},
        {"question": "Why was the pool exhausted?", "answer": "v2.14.0 opened a connection per retry"},
        {"question": "Why did v2.14.0 open a connection per retry?", "answer": "the retry wrapper bypassed the pool"},
        {"question": "Why was that not caught?", "answer": "load tests do not exercise the retry path"},
    ],
    "root_cause": "A retry wrapper in v2.14.0 bypassed the connection pool and exhausted database connections",
    "evidence_ends": "no heap dump was taken",
    "confidence": 0.8,
}

RECOMMENDATION = {
    "recommended": "rollback",
    "rationale": "v2.14.0 went out 8 minutes before the errors began; v2.13.2 was stable for 9 days",
    "ranking": ["rollback", "configuration_change", "scaling"],
    "rollback_plan": "Redeploy v2.14.0 behind a feature flag if the rollback fails health checks",
    "risk": "low",
    "confidence": 0.85,
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Timeline:
    """Builds events in order with increasing seq numbers and a fixed clock."""

    def __init__(self) -> None:
        self.events: list[ev.BaseEvent] = []

    def add(self, cls: type[ev.BaseEvent], minutes: float, actor: str = "alice", **fields: object) -> None:
        event = cls(incident_id=ID, at=at(minutes), actor=actor, seq=len(self.events) + 1, **fields)
        self.events.append(event)

    def agent(self, minutes: float, run_id: str, step_id: str, artifact: str, output: str,
              structured: dict | None = None, role: str = "incident-responder", phase: str = "") -> None:  # fmt: skip
        self.add(ev.AgentStepStarted, minutes, "warroom", run_id=run_id, step_id=step_id, role=role,
                 backend="offline", model="offline-investigator", phase=phase)  # fmt: skip
        self.add(ev.AgentStepOutput, minutes + 0.5, "warroom", run_id=run_id, text=output[:20])
        self.add(ev.AgentStepFinished, minutes + 1, "warroom", run_id=run_id, output=output, artifact=artifact,
                 structured=structured, input_tokens=1200, output_tokens=400)  # fmt: skip


def itil_timeline(note: str = "Customers report failed payments on the checkout page",
                  title: str = "Checkout API returning 503") -> Timeline:  # fmt: skip
    """A complete itil-style P0 run: declaration to close, with review and actions."""
    t = Timeline()
    t.add(ev.IncidentDeclared, 2, "pagerduty", title=title, summary="Checkout requests fail with 503 for a third of users.",
          category="availability", incident_type="service outage", severity=Severity.P1, reporter="alertmanager",
          detection_method="automated-alert", detected_at=T0, service="checkout-api", playbook="itil")  # fmt: skip
    alert = NormalisedAlert(source="alertmanager", fingerprint="abc123", title="CheckoutHigh5xx", severity=Severity.P1,
                            source_severity="critical", started_at=T0, service="checkout-api")  # fmt: skip
    t.add(ev.AlertReceived, 2.1, "alertmanager", alert=alert)
    t.add(ev.PhaseChanged, 2.2, "warroom", phase="detection", title="Detection and logging")
    t.add(ev.Acknowledged, 3, "alice")
    t.agent(3, "r1", "incident_record", "incident-record.md", "Checkout API is failing for about a third of requests.")
    t.add(ev.StatusUpdatePublished, 4, "alice", audience=Audience.INTERNAL,
          text="INC-2026-0042 DETECTED: checkout 503s, alice on call. Next update 09:20 UTC.")  # fmt: skip
    t.add(ev.PhaseChanged, 5, "warroom", phase="triage", title="Triage")
    t.agent(5, "r2", "severity", "triage-assessment.md", "Impact HIGH: 38% of checkouts fail.",
            {"impact": "HIGH", "urgency": "HIGH", "severity": "P0", "impact_reasons": ["38% of checkouts fail"],
             "urgency_reasons": ["error rate rising"], "confidence": 0.9})  # fmt: skip
    t.add(ev.SeveritySet, 7, "alice", severity=Severity.P0, impact=Level.HIGH, urgency=Level.HIGH,
          reason="checkout down for a third of users")  # fmt: skip
    t.add(ev.RoleAssigned, 8, "alice", role=Role.INCIDENT_COMMANDER, person="alice")
    t.add(ev.RoleAssigned, 8.5, "alice", role=Role.TECHNICAL_LEAD, person="bob")
    t.add(ev.RoleAssigned, 8.6, "alice", role=Role.COMMUNICATIONS_LEAD, person="carol")
    t.add(ev.StatusChanged, 9, "alice", status=Status.INVESTIGATING)
    t.add(ev.PhaseChanged, 9, "warroom", phase="escalation", title="Functional escalation")
    t.add(ev.AgentStepStarted, 9, "warroom", run_id="r3x", step_id="tier1", role="reliability-engineer", backend="anthropic")
    t.add(ev.AgentStepFailed, 9, "warroom", run_id="r3x", error="529 overloaded after 4 retries", interrupted=False)
    t.agent(9, "r3", "tier1", "diagnostics/tier1-data.md", TIER1_TEXT, role="reliability-engineer")
    t.add(ev.NoteAdded, 11, "bob", text=note)
    t.add(ev.TierEscalated, 14, "alice", tier=2, reason="connection pool exhaustion needs the component owner")
    t.agent(15, "r4", "tier2", "diagnostics/tier2-analysis.md",
            "## Hypothesis\nThe retry wrapper leaks connections.\n\n## Evidence\n1. pool at 100/100", role="component-owner")  # fmt: skip
    t.add(ev.StatusUpdatePublished, 16, "carol", audience=Audience.STATUS_PAGE,
          text="Investigating: some customers cannot complete checkout. Next update in 15 minutes.")  # fmt: skip
    t.add(ev.ManagementNotified, 18, "carol", reason="P0 within 30 minutes",
          message="[P0 INCIDENT] Checkout API returning 503 - INVESTIGATING")  # fmt: skip
    t.add(ev.PhaseChanged, 19, "warroom", phase="rca", title="Root cause analysis")
    t.agent(19, "r5", "five_whys", "root-cause-analysis.md", "5 Whys complete.", FIVE_WHYS)
    t.agent(19.5, "r6", "contributing_factors", "root-cause-analysis.md",
            "### People\n- on-call unfamiliar with the retry path\n### Technology\n- pool metrics not alerted",
            role="reliability-engineer")  # fmt: skip
    t.add(ev.PhaseChanged, 22, "warroom", phase="mitigation", title="Mitigation and resolution")
    t.agent(22, "r7", "mitigation_recommendation", "mitigation-report.md", "Recommend rollback.", RECOMMENDATION)
    t.add(ev.DecisionTaken, 24, "alice", decision_id="d1", gate="mitigation-strategy", choice="rollback",
          options=["rollback", "hotfix", "configuration_change", "scaling"], recommended="rollback",
          rationale="fastest path to a known-good state")  # fmt: skip
    t.add(ev.MitigationExecuted, 30, "bob", strategy=MitigationStrategy.ROLLBACK, outcome="succeeded",
          details="checkout-api rolled back to v2.13.2",
          validation={"error_rate": "0.2% (baseline 0.1%)", "latency_p95": "180ms", "throughput": "1450 req/s"})  # fmt: skip
    t.add(ev.StatusUpdatePublished, 31, "carol", audience=Audience.STATUS_PAGE,
          text="Monitoring: a fix has been applied and checkout is recovering.")  # fmt: skip
    t.add(ev.IncidentResolved, 45, "alice", resolution="Rolled back checkout-api to v2.13.2; error rate at baseline",
          validation={"smoke_tests": "passed"})  # fmt: skip
    t.add(ev.StatusUpdatePublished, 46, "carol", audience=Audience.STATUS_PAGE,
          text="Resolved: the issue affecting checkout has been resolved. A review will follow within 48 hours.")  # fmt: skip
    t.add(ev.PhaseChanged, 47, "warroom", phase="review", title="Post-incident review")
    t.agent(47, "r8", "preventive_actions", "preventive-actions.md", "Three actions proposed.",
            {"actions": [{"title": "Alert on connection pool saturation", "horizon": "immediate", "owner": "bob"},
                         {"title": "Chaos drill for database exhaustion", "horizon": "long_term"}]})  # fmt: skip
    t.add(ev.ActionItemAdded, 50, "alice", item_id="A1", title="Alert on connection pool saturation", owner="bob",
          due=at(60 * 24 * 5), horizon=Horizon.IMMEDIATE)  # fmt: skip
    t.add(ev.ActionItemAdded, 51, "alice", item_id="A2", title="Add the retry path to load tests", owner="dave",
          due=at(60 * 24 * 25), horizon=Horizon.SHORT_TERM)  # fmt: skip
    t.add(ev.ActionItemAdded, 52, "alice", item_id="A3", title="Route retries through the pool in the client library",
          owner="erin", due=at(60 * 24 * 80), horizon=Horizon.LONG_TERM)  # fmt: skip
    t.add(ev.ActionItemUpdated, 53, "bob", item_id="A1", status=ActionStatus.IN_PROGRESS)
    review = {
        "summary": "A release bypassed the database connection pool; checkout failed for a third of users until "
                   "it was rolled back.",
        "impact_users": "12,400 (8% of active users)",
        "impact_failed_transactions": "3,180 failed checkouts",
        "contributing_factors": "- Load tests skip the retry path\n- Pool saturation had no alert",
        "went_well": "Rollback took 6 minutes\nStatus page updated within 16 minutes",
        "could_improve": "Pool metrics were not on the dashboard",
        "lessons_technical": "Retries must share the pool",
        "lessons_process": "Release notes should flag retry changes",
        "lessons_communication": "Post the first status page update sooner",
        "attendees": "AL, BO, CA",
    }
    for index, (section, text) in enumerate(review.items()):
        t.add(ev.ReviewUpdated, 60 * 20 + index, "alice", section=section, text=text)
    t.add(ev.ReviewCompleted, 60 * 21, "alice")
    t.add(ev.IncidentClosed, 60 * 21 + 1, "alice", reason="review complete")
    return t


SRE_STEPS = (  # the steps and artifacts of warroom/agents/playbooks/sre.toml
    ("detection_classification", "triage-assessment.md", "Severity P1: payment latency."),
    ("observability_sweep", "diagnostics/observability.md", "## Traces\np99 of /pay is 9 s."),
    ("initial_mitigation", "mitigation-report.md", "Circuit breaker opened on the fraud service."),
    ("deep_debugging", "root-cause-analysis.md", "Five whys below."),
    ("security_assessment", "diagnostics/security-assessment.md", "No DDoS indicators; WAF logs clean."),
    ("performance_analysis", "diagnostics/performance-analysis.md", "Fraud-service CPU at 98%; cache hit rate 12%."),
    ("fix_design", "mitigation-report.md", "Raise the cache TTL; canary 5% then 50%."),
    ("deployment_validation", "mitigation-report.md", "Canary healthy for 15 minutes."),
    ("stakeholder_communication", "communications/status-page-update.md", "Payments are delayed; next update 30 min."),
    ("customer_impact", "communications/customer-impact.md", "EU customers, 2% of payments delayed."),
    ("postmortem", "post-incident-review.md", "## What went well\n- fast canary"),
    ("monitoring_enhancements", "monitoring-enhancements.md", "Alert on fraud-service p99 > 2 s."),
    ("system_hardening", "preventive-actions.md", "Bulkhead the fraud call; degrade to async review."),
)


def sre_timeline() -> Timeline:
    """A complete sre-style run: every playbook step produced its document."""
    t = Timeline()
    t.add(ev.IncidentDeclared, 1, "bob", title="Payment latency", severity=Severity.P1, impact=Level.HIGH,
          urgency=Level.MEDIUM, detected_at=T0, service="payments", playbook="sre")  # fmt: skip
    t.add(ev.Acknowledged, 2, "bob")
    minute = 3.0
    for index, (step, artifact, text) in enumerate(SRE_STEPS):
        structured = FIVE_WHYS if step == "deep_debugging" else None
        t.agent(minute, f"s{index}", step, artifact, text, structured, role=step)
        minute += 2
    t.add(ev.MitigationExecuted, minute, "bob", strategy=MitigationStrategy.CONFIGURATION_CHANGE, outcome="succeeded",
          details="cache TTL 30s -> 300s", validation={"latency_p95": "240ms"})  # fmt: skip
    t.add(ev.StatusUpdatePublished, minute + 1, "bob", audience=Audience.STATUS_PAGE, text="Payments are delayed.")
    t.add(ev.IncidentResolved, minute + 10, "bob", resolution="cache TTL raised")
    t.add(ev.IncidentClosed, minute + 11, "bob")
    return t


@pytest.fixture
def itil_events() -> list[ev.BaseEvent]:
    return itil_timeline().events


@pytest.fixture
def sre_events() -> list[ev.BaseEvent]:
    return sre_timeline().events


@pytest.fixture
def make_itil() -> Callable[..., list[ev.BaseEvent]]:
    return lambda **kw: itil_timeline(**kw).events
