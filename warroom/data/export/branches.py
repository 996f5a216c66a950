"""The branches as the export sees them: what went wrong with the response, from the events alone.

:func:`branch_report` gathers the ``branch.raised`` records, holds, change
freezes, the major incident, blocked escalations, offers and their answers,
and the security branch's evidence gate and regulatory clocks. The PIR, the
mitigation report and the communications render it; an incident where no
branch was raised renders nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warroom.data import events as ev
from warroom.data.clocks import regulatory_clocks
from warroom.data.describe import BRANCH_TITLES
from warroom.data.models import Decision, Offer

__all__ = ["BranchReport", "DRAFT_FILES", "branch_report"]

#: Where each drafted notification is filed among the communications.
DRAFT_FILES: dict[str, str] = {
    "war_room": "communications/call-outs.md", "backup": "communications/call-outs.md",
    "security": "communications/call-outs.md", "management": "communications/management-notification.md",
    "executive": "communications/executive-notification.md", "status_page": "communications/status-page-update.md",
    "legal": "communications/legal-updates.md", "compliance": "communications/legal-updates.md",
    "regulator": "communications/legal-updates.md",
}  # fmt: skip


@dataclass(frozen=True)
class Span:
    """Something put on and (maybe) taken off: a hold or a change freeze."""

    what: str
    reason: str
    start: datetime
    by: str
    end: datetime | None = None
    end_by: str = ""
    end_reason: str = ""


@dataclass(frozen=True)
class RegulatoryRow:
    regime: str
    deadline: datetime
    notified_at: datetime | None
    state: str


@dataclass
class BranchReport:
    raised: list[tuple[str, ev.BranchRaised]] = field(default_factory=list)
    holds: list[Span] = field(default_factory=list)
    freezes: list[Span] = field(default_factory=list)
    major: ev.MajorIncidentDeclared | None = None
    unavailable: list[ev.PersonUnavailable] = field(default_factory=list)
    cadence: list[ev.CadenceChanged] = field(default_factory=list)
    offers: list[tuple[Offer, Decision | None]] = field(default_factory=list)
    security: ev.SecurityDeclared | None = None
    evidence: ev.EvidencePreserved | None = None
    regulatory: list[RegulatoryRow] = field(default_factory=list)
    drafts: list[ev.NotificationDrafted] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.raised or self.holds or self.freezes or self.major or self.unavailable or self.security)


def branch_report(events: list[ev.BaseEvent], incident, policy) -> BranchReport:  # type: ignore[no-untyped-def]
    """The branch records of one incident (``incident`` is the fold of ``events``)."""
    report = BranchReport()
    holds: list[Span] = []
    freezes: dict[str, Span] = {}
    for e in events:
        if isinstance(e, ev.BranchRaised):
            report.raised.append((BRANCH_TITLES[e.branch], e))
        elif isinstance(e, ev.HoldPlaced):
            holds.append(Span("hold", e.reason, e.at, e.actor))
        elif isinstance(e, ev.HoldLifted) and holds:
            h = holds[-1]
            holds[-1] = Span(h.what, h.reason, h.start, h.by, e.at, e.actor, e.reason)
        elif isinstance(e, ev.FreezeDeclared):
            freezes[e.freeze_id] = Span(e.freeze_id, e.reason, e.at, e.actor)
        elif isinstance(e, ev.FreezeLifted) and e.freeze_id in freezes:
            f = freezes[e.freeze_id]
            freezes[e.freeze_id] = Span(f.what, f.reason, f.start, f.by, e.at, e.actor, e.reason)
        elif isinstance(e, ev.MajorIncidentDeclared):
            report.major = e
        elif isinstance(e, ev.PersonUnavailable):
            report.unavailable.append(e)
        elif isinstance(e, ev.CadenceChanged):
            report.cadence.append(e)
        elif isinstance(e, ev.SecurityDeclared):
            report.security = e
        elif isinstance(e, ev.EvidencePreserved):
            report.evidence = e
        elif isinstance(e, ev.NotificationDrafted):
            report.drafts.append(e)
    report.holds, report.freezes = holds, list(freezes.values())
    decisions = {d.decision_id: d for d in incident.decisions}
    report.offers = [(o, decisions.get(o.decision_id)) for o in incident.offers]
    at = incident.updated_at
    report.regulatory = [
        RegulatoryRow(c.name.split(":", 1)[1], c.deadline, c.met_at, c.state.value.replace("_", " "))
        for c in regulatory_clocks(incident, at, policy)
    ]
    return report
