"""What the orchestrator records about its playbook and gates besides running steps (a mixin).

- which playbook drives the incident, recorded the first time it runs (``playbook.started``);
  reopening runs that one, and a different one is refused;
- gates whose decision was already taken another way (a key, a command, another gate) are
  closed with a decision saying how, so a gate never asks for what was already done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.agents.gates import gate_effects, gate_label, satisfied
from warroom.data import events as ev
from warroom.data.fold import InvalidEvent
from warroom.data.models import Status

if TYPE_CHECKING:
    from warroom.agents.orchestrator import Orchestrator

__all__ = ["GateKeeping"]


class GateKeeping:
    """Mixed into :class:`~warroom.agents.orchestrator.Orchestrator`."""

    async def _record_playbook(self: Orchestrator) -> None:
        """Record which playbook drives the incident the first time it runs; refuse a different one after."""
        from warroom.agents.playbook_choice import PlaybookMismatch, playbook_reference, started_playbook

        incident = await self.store.load(self.incident_id)
        started = started_playbook(incident)
        if started and (incident.playbook or started) != self.playbook.name and started != playbook_reference(self.playbook):
            raise PlaybookMismatch(incident, self.playbook.name)
        if incident.playbook_source or incident.status is Status.CLOSED:
            return
        event = ev.PlaybookStarted(incident_id=self.incident_id, at=self.now(), actor=self.actor,
                                   playbook=self.playbook.name, source=playbook_reference(self.playbook))  # fmt: skip
        try:
            await self.store.append(event)
        except InvalidEvent:
            pass  # another session recorded it a moment ago

    async def _close_satisfied(self: Orchestrator) -> bool:
        """Close the gates whose decision was already taken (by a key, a command, another gate), each with a
        decision saying how; True if any was closed."""
        async with self.store.transaction() as tx:
            incident = await tx.state(self.incident_id)
            assert incident is not None
            plan, steering = self._walk(incident)
            at, events = self.now(), []
            for gate in plan.gates:
                step = steering.playbook.step(gate.step_id)
                done = satisfied(step, incident)
                if done is None:
                    continue
                choice, how = done
                events.append(ev.DecisionTaken(
                    incident_id=self.incident_id, at=at, actor=self.actor, decision_id=gate.gate_id, gate=gate_label(step),
                    choice=choice, options=gate.options, recommended=gate.recommended, rationale=how[:10_000], auto=True,
                ))  # fmt: skip
                if step.gate is not None and step.gate.effect == "mitigation":  # the chosen strategy still moves it on
                    events.extend(gate_effects(steering.playbook, step, gate, choice, incident, rationale=how, auto=True,
                                               actor=self.actor, operator=self.operator, at=at))  # fmt: skip
            if events:
                await tx.append_many(events)
        return bool(events)
