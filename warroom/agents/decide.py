"""Every decision a person takes, from a key in the war room or a ``warroom`` command: one code path.

Each function builds the decision's events and appends them in one transaction. When the
incident's playbook waits at a gate for the same decision (the priority gate for a severity
change, "Send the management notification?" for escalating to management, "Mark the incident
RESOLVED?" for a resolution...), that gate is answered in the same transaction: one decision,
one ``DecisionTaken``, whose rationale says how it was decided ("with the s key by alice").
What the policy or the fold refuses raises :class:`~warroom.data.fold.InvalidEvent` with its
reason in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.agents.gates import Gate, drafted_text, gate_effects, gate_label
from warroom.agents.playbook import GateSpec, Playbook, Step
from warroom.data import events as ev
from warroom.data.answers import SeverityProposal
from warroom.data.models import Audience, Incident, Level, MitigationStrategy, Role, Severity
from warroom.data.policy import DEFAULT_POLICY, Policy

__all__ = ["Decider", "Escalation"]

Escalation = str  # "tier2" | "tier3" | "management" | "executive"
Match = Callable[[GateSpec], bool]


@dataclass
class Decider:
    """Records decisions on one incident as ``actor``; ``how`` names the way they were taken ("the s key")."""

    store: Any
    incident_id: str
    actor: str
    now: Callable[[], datetime]
    policy: Policy = DEFAULT_POLICY
    playbook: Playbook | None = None  # None: the playbook the incident was started with, if any
    _cache: dict[str, Any] = field(default_factory=dict)

    # -- the pending gate ------------------------------------------------------------------------
    def _pending(self, incident: Incident, match: Match) -> tuple[Playbook, Step, Gate] | None:
        from warroom.agents.guidance import steer
        from warroom.agents.plan import walk
        from warroom.agents.playbook_choice import choose_playbook

        book = self.playbook or choose_playbook(incident, None)
        if book is None:
            return None
        steering = steer(book, incident)
        for gate in walk(steering.playbook, incident, self.policy, self.now(), steering.keywords).gates:
            step = steering.playbook.step(gate.step_id)
            if step.gate is not None and match(step.gate):
                return steering.playbook, step, gate
        return None

    def _decision(self, playbook: Playbook, step: Step, gate: Gate, choice: str, rationale: str, at: datetime) -> ev.DecisionTaken:
        return ev.DecisionTaken(incident_id=self.incident_id, at=at, actor=self.actor, decision_id=gate.gate_id,
                                gate=gate_label(step), choice=choice, options=gate.options, recommended=gate.recommended,
                                rationale=rationale[:10_000])  # fmt: skip

    async def _record(self, match: Match | None, build: Callable[[Incident, Any, datetime], list[ev.BaseEvent]]) -> list[ev.BaseEvent]:
        """Append what ``build(incident, pending, at)`` returns; ``pending`` is the matching gate, if one waits."""
        async with self.store.transaction() as tx:
            incident = await tx.state(self.incident_id)
            if incident is None:
                raise ValueError(f"no incident {self.incident_id}")
            at = self.now()
            pending = self._pending(incident, match) if match is not None else None
            events = build(incident, pending, at)
            if not events:
                return []
            return await tx.append_many(events)

    def _base(self, at: datetime) -> dict[str, Any]:
        return {"incident_id": self.incident_id, "at": at, "actor": self.actor}

    # -- the decisions ---------------------------------------------------------------------------
    async def acknowledge(self) -> list[ev.BaseEvent]:
        """Acknowledge, and take incident commander when nobody has it; acknowledging twice records nothing."""

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            if incident.acknowledged_at is not None:
                return []
            out: list[ev.BaseEvent] = [ev.Acknowledged(**self._base(at))]
            if Role.INCIDENT_COMMANDER not in incident.roles:
                out.append(ev.RoleAssigned(**self._base(at), role=Role.INCIDENT_COMMANDER, person=self.actor))
            return out

        return await self._record(None, build)

    async def assign(self, role: Role, person: str) -> list[ev.BaseEvent]:
        """Give ``role`` to ``person``; giving it to whoever holds it already records nothing."""

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            if role is not Role.SUBJECT_MATTER_EXPERT and incident.roles.get(role) == person:
                return []
            return [ev.RoleAssigned(**self._base(at), role=role, person=person)]

        return await self._record(None, build)

    async def severity(self, severity: Severity, impact: Level, urgency: Level, reason: str, how: str) -> list[ev.BaseEvent]:
        """Set the severity; a waiting priority gate is approved if it proposed the same, else declined."""

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            same = (incident.severity, incident.impact, incident.urgency) == (severity, impact, urgency)
            if same and pending is None and incident.severity_reason:
                return []  # already so: nothing happened
            out: list[ev.BaseEvent] = []
            if pending is not None:
                playbook, step, gate = pending
                proposal = _proposal(incident, step)
                agrees = proposal is not None and proposal.severity is severity
                line = f"severity set to {severity.value} (impact {impact.value}, urgency {urgency.value}) {how} by {self.actor}"
                out.append(self._decision(playbook, step, gate, gate.options[0] if agrees else gate.options[1],
                                          line + (f": {reason}" if reason else ""), at))  # fmt: skip
            out.append(ev.SeveritySet(**self._base(at), severity=severity, impact=impact, urgency=urgency, reason=reason))
            return out

        return await self._record(lambda spec: spec.effect == "severity", build)

    async def escalate(self, target: Escalation, reason: str, how: str) -> list[ev.BaseEvent]:
        """Tier 2/3, management or executive; a waiting gate for the same escalation is approved.

        Management and the executive are notified with a message: the playbook's draft when one waits,
        else a plain summary of the incident as it stands (the record keeps what was sent).
        """
        tier = {"tier2": 2, "tier3": 3}.get(target)
        audience = {"management": Audience.MANAGEMENT, "executive": Audience.EXECUTIVE}.get(target)
        if tier is None and audience is None:
            raise ValueError(f"escalation target {target!r} is not one of tier2, tier3, management, executive")

        def match(spec: GateSpec) -> bool:
            return (spec.effect == "tier" and spec.tier == tier) if tier else (spec.effect == "publish" and spec.audience is audience)

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            line = f"escalated to {target.replace('tier', 'Tier ')} {how} by {self.actor}" + (f": {reason}" if reason else "")
            out: list[ev.BaseEvent] = []
            if pending is not None:
                playbook, step, gate = pending
                out.append(self._decision(playbook, step, gate, gate.options[0], line, at))
            if tier:
                out.append(ev.TierEscalated(**self._base(at), tier=tier, reason=reason))
            else:
                text = drafted_text(incident, pending[1]) if pending is not None else ""
                message = text or _summary(incident, audience, reason)
                cls = ev.ManagementNotified if audience is Audience.MANAGEMENT else ev.ExecutiveNotified
                out.append(cls(**self._base(at), reason=reason or f"escalated {how}", message=message[: ev.MAX_TEXT]))
            return out

        return await self._record(match, build)

    async def mitigate(self, strategy: MitigationStrategy, plan: str, how: str, *, rationale: str = "",
                       recommended: str = "", approved_by: str = "") -> list[ev.BaseEvent]:  # fmt: skip
        """Choose the mitigation; a rollback needs its plan, a hotfix its approval. A waiting mitigation
        gate is answered with the strategy (and moves the incident to MITIGATING)."""
        if strategy is MitigationStrategy.ROLLBACK and not plan.strip():
            raise ValueError("a rollback needs its rollback plan (what is redeployed, and how it is checked)")
        why = "; ".join(p for p in (rationale, f"rollback plan: {plan}" if plan.strip() else "",
                                    f"hotfix approved by {approved_by}" if approved_by else "") if p)  # fmt: skip

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            line = f"{strategy.title} chosen {how} by {self.actor}" + (f"; {why}" if why else "")
            if pending is not None:
                playbook, step, gate = pending
                if strategy.value in gate.options:
                    decision = self._decision(playbook, step, gate, strategy.value, line, at)
                    return [decision, *gate_effects(playbook, step, gate, strategy.value, incident, rationale=line,
                                                    auto=False, actor=self.actor, operator=self.actor, at=at)]  # fmt: skip
            from secrets import token_hex

            options = [s.value for s in MitigationStrategy]
            return [ev.DecisionTaken(**self._base(at), decision_id=f"mitigation-{token_hex(4)}", gate="mitigation",
                                     choice=strategy.value, options=options, recommended=recommended, rationale=why)]  # fmt: skip

        return await self._record(lambda spec: spec.effect == "mitigation", build)

    async def publish(self, audience: Audience, text: str, how: str) -> list[ev.BaseEvent]:
        """Publish ``text`` to ``audience`` (empty: the draft the playbook waits to publish, else the first
        draft ``u`` shows); a waiting publish gate for that audience is approved with what was published."""
        from warroom.data.drafts import draft_update

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            body = (text.strip() or (drafted_text(incident, pending[1]) if pending is not None else "")
                    or draft_update(incident, audience, at, self.policy))  # fmt: skip
            out: list[ev.BaseEvent] = []
            line = f"published {how} by {self.actor}" + (" (edited)" if pending is not None and text.strip()
                                                          and text.strip() != drafted_text(incident, pending[1]).strip() else "")  # fmt: skip
            if pending is not None:
                playbook, step, gate = pending
                out.append(self._decision(playbook, step, gate, gate.options[0], line, at))
            if audience is Audience.MANAGEMENT and incident.management_notified_at is None:
                out.append(ev.ManagementNotified(**self._base(at), reason=line, message=body[: ev.MAX_TEXT]))
            elif audience is Audience.EXECUTIVE and incident.executive_notified_at is None:
                out.append(ev.ExecutiveNotified(**self._base(at), reason=line, message=body[: ev.MAX_TEXT]))
            else:
                out.append(ev.StatusUpdatePublished(**self._base(at), audience=audience, text=body[: ev.MAX_TEXT]))
            return out

        return await self._record(lambda spec: spec.effect == "publish" and (spec.audience or Audience.INTERNAL) is audience, build)

    async def resolve(self, resolution: str, validation: dict[str, str], how: str) -> list[ev.BaseEvent]:
        """Resolve; a waiting "Mark the incident RESOLVED?" gate is approved with it."""

        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            out: list[ev.BaseEvent] = []
            if pending is not None:
                playbook, step, gate = pending
                out.append(self._decision(playbook, step, gate, gate.options[0], f"resolved {how} by {self.actor}: {resolution}", at))
            out.append(ev.IncidentResolved(**self._base(at), resolution=resolution, validation=validation))
            return out

        return await self._record(lambda spec: spec.effect == "resolve", build)

    async def close(self, reason: str) -> list[ev.BaseEvent]:
        def build(incident: Incident, pending: Any, at: datetime) -> list[ev.BaseEvent]:
            return [ev.IncidentClosed(**self._base(at), reason=reason)]

        return await self._record(None, build)


def _proposal(incident: Incident, step: Step) -> SeverityProposal | None:
    from pydantic import ValidationError

    from warroom.agents.prompting import finished_run

    run = finished_run(incident, step.id)
    try:
        return SeverityProposal.model_validate(run.structured) if run and run.structured else None
    except ValidationError:
        return None


def _summary(incident: Incident, audience: Audience | None, reason: str) -> str:
    """A plain notification when no draft waits: what the incident is and where it stands."""
    who = "Management" if audience is Audience.MANAGEMENT else "Executive"
    lines = [f"{who} notification: {incident.incident_id} {incident.severity.value}: {incident.title}",
             f"Status: {incident.status.value}" + (f"; service: {incident.service}" if incident.service else "")]  # fmt: skip
    if reason:
        lines.append(f"Why now: {reason}")
    commander = incident.roles.get(Role.INCIDENT_COMMANDER)
    if commander:
        lines.append(f"Incident commander: {commander}")
    return "\n".join(lines)
