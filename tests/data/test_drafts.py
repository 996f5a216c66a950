"""Each audience's first draft is written for that audience: the status page never carries internal text
and promises the cadence the policy sets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from warroom.data import events as ev
from warroom.data.drafts import draft_update
from warroom.data.fold import replay
from warroom.data.models import Audience, Level, Severity
from warroom.data.policy import DEFAULT_POLICY

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _incident(severity: Severity, *decisions: str) -> object:
    events: list[ev.BaseEvent] = [ev.IncidentDeclared(
        incident_id="INC-2026-0001", at=T0, actor="alice", title="Checkout 502s: HikariPool exhausted", severity=severity,
        impact=Level.HIGH, urgency=Level.HIGH, service="checkout-api", summary="Internal: pool at 10, db team paged",
    )]  # fmt: skip
    for n, choice in enumerate(decisions):
        events.append(ev.DecisionTaken(incident_id="INC-2026-0001", at=T0 + timedelta(minutes=n + 1), actor="alice",
                                       decision_id=f"itil:g{n}", gate="tier 2 escalation", choice=choice,
                                       options=["approve", "decline"], rationale="Internal: tier 1 stuck"))  # fmt: skip
    return replay(events)


def test_status_page_draft_has_no_internal_text_and_promises_the_policy_cadence() -> None:
    p0 = _incident(Severity.P0, "approve", "decline")
    text = draft_update(p0, Audience.STATUS_PAGE, T0, DEFAULT_POLICY)  # type: ignore[arg-type]
    assert "within 15 minutes" in text and "hour" not in text
    for internal in ("approve", "decline", "Internal", "Hikari", "Tier", "alice", "INC-2026-0001"):
        assert internal not in text, internal
    p1 = draft_update(_incident(Severity.P1), Audience.STATUS_PAGE, T0, DEFAULT_POLICY)  # type: ignore[arg-type]
    assert "within 30 minutes" in p1


def test_internal_drafts_keep_the_facts_and_the_cadence() -> None:
    text = draft_update(_incident(Severity.P0, "approve"), Audience.MANAGEMENT, T0, DEFAULT_POLICY)  # type: ignore[arg-type]
    assert text.startswith("INC-2026-0001 P0") and "Next update within 15 minutes." in text
    assert "approve" not in text  # a gate answer is not news for anyone
