"""The war room's keyboard decisions: each key opens a modal and turns its answer into events.

Every event carries the acting engineer (``--as``) and the injected ``now``.
Appends go through the store, which validates them against the latest state
(another engineer may have acted a moment ago): a refused event becomes a
one-sentence notification, never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from textual import work
from textual.binding import Binding

from warroom.data import events as ev
from warroom.data.fold import InvalidEvent
from warroom.data.models import Incident, Role, Status
from warroom.data.store import StoreError
from warroom.screens.view_only import VIEW_ONLY_NOTICE, view_only

if TYPE_CHECKING:
    from warroom.screens.modals import (
        CloseConfirmation,
        EscalationChoice,
        GateAnswer,
        MitigationChoice,
        Resolution,
        RoleAssignment,
        SeverityChoice,
        StatusUpdateDraft,
    )

__all__ = ["DECISION_ACTIONS", "DecisionActions"]

#: Actions that change the incident (disabled on the read-only review screen and in a read-only app).
DECISION_ACTIONS = {
    "acknowledge", "roles", "severity", "escalate", "mitigate", "status_update", "note", "gate", "rerun",
    "resolve", "close", "retry_deliveries",
}  # fmt: skip


class DecisionActions:
    """Mixed into :class:`~warroom.screens.war_room.WarRoomScreen`."""

    DECISION_BINDINGS = [
        Binding("a", "acknowledge", "Ack", tooltip="Acknowledge the incident (and take incident commander if vacant)", id="acknowledge"),
        Binding("R", "roles", "Roles", tooltip="Assign roles (Ctrl+N in it: mark unavailable)", id="assign-roles"),
        Binding("s", "severity", "Severity", tooltip="Set severity on the Impact × Urgency matrix", id="set-severity"),
        Binding("e", "escalate", "Escalate", tooltip="Escalate to Tier 2/3, management or executive", id="escalate"),
        Binding("m", "mitigate", "Mitigate", tooltip="Choose the mitigation strategy", id="choose-mitigation"),
        Binding("u", "status_update", "Update", tooltip="Draft, edit and publish a status update", id="status-update"),
        Binding("n", "note", "Note", tooltip="Add a note to the timeline", id="add-note"),
        Binding("g", "gate", "Gate", tooltip="Answer the playbook's pending decision", id="answer-gate"),
        Binding("r", "rerun", "Re-run", tooltip="Re-run a failed or interrupted agent step", id="rerun-step"),
        Binding("x", "resolve", "Resolve", tooltip="Resolve (validate error rate and latency first)", id="resolve"),
        Binding("c", "close", "Close", tooltip="Close the resolved incident and export its record", id="close"),
    ]  # fmt: skip

    incident_id: str
    state: Incident | None
    read_only: bool
    orchestrator: Any
    app: Any

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DECISION_ACTIONS and (self.read_only or view_only(self)):
            return False
        return True

    def _refused_here(self) -> bool:
        """In a read-only app nothing is recorded, whichever way a decision got this far (say so once)."""
        if not view_only(self):
            return False
        self.notify(VIEW_ONLY_NOTICE, title="Not recorded", severity="warning")  # type: ignore[attr-defined]
        return True

    # -- recording -----------------------------------------------------------------------------
    def _event(self, cls: type[ev.BaseEvent], **fields: Any) -> ev.BaseEvent:
        return cls(incident_id=self.incident_id, at=self.app.now(), actor=self.app.actor, **fields)

    @work(group="record", exit_on_error=False)
    async def record(self, build: Callable[[], Sequence[ev.BaseEvent]], done: str = "") -> list[ev.BaseEvent]:
        """Build and append events atomically; a refusal is said in one sentence."""
        if self._refused_here():
            return []
        try:
            stored = await self.app.store.append_many(build())
        except InvalidEvent as exc:
            self.notify(exc.reason, title="Not recorded", severity="warning")  # type: ignore[attr-defined]
            return []
        except (ValidationError, StoreError, ValueError) as exc:
            from warroom.app.errors import explain

            self.notify(explain(exc), title="Not recorded", severity="error")  # type: ignore[attr-defined]
            return []
        if done:
            self.notify(done, timeout=3)  # type: ignore[attr-defined]
        return stored

    def decider(self) -> Any:
        """The shared decision path (:mod:`warroom.agents.decide`), as this engineer on the app's clock."""
        from warroom.agents.decide import Decider

        playbook = getattr(self.orchestrator, "playbook", None) if self.orchestrator is not None else None
        return Decider(self.app.store, self.incident_id, self.app.actor, self.app.now, self.app.policy, playbook)

    @work(group="record", exit_on_error=False)
    async def take(self, decision: Callable[[Any], Any], done: str = "", nothing: str = "") -> list[ev.BaseEvent]:
        """Run ``decision(decider)``; say ``done`` (or ``nothing`` when it recorded nothing), or the refusal."""
        if self._refused_here():
            return []
        try:
            stored = await decision(self.decider())
        except InvalidEvent as exc:
            self.notify(exc.reason, title="Not recorded", severity="warning")  # type: ignore[attr-defined]
            return []
        except (ValidationError, StoreError, ValueError) as exc:
            from warroom.app.errors import explain

            self.notify(explain(exc), title="Not recorded", severity="error")  # type: ignore[attr-defined]
            return []
        message = done if stored else nothing
        if message:
            self.notify(message, timeout=3)  # type: ignore[attr-defined]
        return stored

    def _need_state(self) -> Incident | None:
        if self.state is None:
            self.notify("The incident is still loading.", severity="warning")  # type: ignore[attr-defined]
        return self.state

    # -- a R ------------------------------------------------------------------------------------
    def action_acknowledge(self) -> None:
        state = self._need_state()
        if state is None:
            return
        if state.acknowledged_at is not None:
            self.notify(f"Already acknowledged by {state.acknowledged_by or 'someone'}.")  # type: ignore[attr-defined]
            return

        self.take(lambda d: d.acknowledge(), "Acknowledged.", "Already acknowledged.")

    def action_roles(self) -> None:
        if (state := self._need_state()) is None:
            return

        def done(answer: RoleAssignment | None) -> None:
            if answer is not None:
                self.record(lambda: [self._event(ev.RoleAssigned, role=answer.role, person=answer.person)])

        self.app.push_screen(_modals().RolesModal(state, self.app.actor, roster=getattr(self.app, "roster", None)), done)

    # -- s e m ----------------------------------------------------------------------------------
    def action_severity(self) -> None:
        if (state := self._need_state()) is None:
            return

        def done(answer: SeverityChoice | None) -> None:
            if answer is not None:
                self.take(lambda d: d.severity(answer.severity, answer.impact, answer.urgency, answer.reason,
                                               "with the s key"), f"Severity {answer.severity.value}.")  # fmt: skip

        self.app.push_screen(_modals().SeverityModal(state, self.app.policy), done)

    def action_escalate(self) -> None:
        if (state := self._need_state()) is None:
            return

        def done(answer: EscalationChoice | None) -> None:
            if answer is not None:
                self.take(lambda d: d.escalate(answer.target, answer.reason, "with the e key"), "Escalated.")

        self.app.push_screen(_modals().EscalationModal(state, self.app.policy, self.app.now()), done)

    def action_mitigate(self) -> None:
        if (state := self._need_state()) is None:
            return
        self.app.push_screen(_modals().MitigationModal(state), self._mitigation_chosen)

    def _mitigation_chosen(self, answer: MitigationChoice | None) -> None:
        if answer is None:
            return
        approver = self.app.actor if answer.approved and answer.strategy.value == "hotfix" else ""
        self.take(lambda d: d.mitigate(answer.strategy, answer.rollback_plan, "with the m key", rationale=answer.rationale,
                                       recommended=answer.recommended, approved_by=approver),
                  f"Mitigation: {answer.strategy.title}.")  # fmt: skip

    # -- u n ------------------------------------------------------------------------------------
    def action_status_update(self) -> None:
        if (state := self._need_state()) is None:
            return

        def done(answer: StatusUpdateDraft | None) -> None:
            if answer is not None:
                self.take(lambda d: d.publish(answer.audience, answer.text, "with the u key"), "Status update published.")

        self.app.push_screen(_modals().StatusUpdateModal(state, self.app.now(), self.app.policy, self._playbook_drafts()), done)

    def _playbook_drafts(self) -> dict[Any, str]:
        """The drafts the playbook waits to publish, by audience (``u`` shows them, publishing answers the gate)."""
        from warroom.agents.gates import drafted_text

        drafts: dict[Any, str] = {}
        if self.orchestrator is None or self.state is None:
            return drafts
        steering = self.orchestrator.steering(self.state)
        for gate in self.orchestrator.pending_gates(self.state):
            step = steering.playbook.step(gate.step_id)
            if step.gate is not None and step.gate.effect == "publish" and step.gate.audience is not None:
                text = drafted_text(self.state, step)
                if text:
                    drafts[step.gate.audience] = text
        return drafts

    def action_note(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self.record(lambda: [self._event(ev.NoteAdded, text=text)])

        self.app.push_screen(_modals().NoteModal(), done)

    # -- g r: the playbook ----------------------------------------------------------------------
    def _pending_gate(self, kind: str = "") -> Any:
        if self.orchestrator is None or self.state is None:
            return None
        gates = list(self.orchestrator.pending_gates(self.state))
        if kind:
            gates = [g for g in gates if kind in str(g.gate_id) or kind in str(g.step_id)]
        return gates[0] if gates else None

    def action_gate(self) -> None:
        gate = self._pending_gate()
        if gate is None:
            self.notify("No playbook decision is waiting.")  # type: ignore[attr-defined]
            return
        if self._is_mitigation_gate(gate):
            self.action_mitigate()  # the mitigation gate: the same modal as m (a rollback needs its plan)
            return

        def done(answer: GateAnswer | None) -> None:
            if answer is not None:
                self.decide_gate(answer)

        self.app.push_screen(_modals().GateModal(gate), done)

    def _is_mitigation_gate(self, gate: Any) -> bool:
        try:
            spec = self.orchestrator.steering(self.state).playbook.step(gate.step_id).gate
        except (KeyError, AttributeError):
            return False
        return spec is not None and spec.effect == "mitigation"

    @work(group="gates", exit_on_error=False)
    async def decide_gate(self, answer: GateAnswer) -> None:
        """Hand the answer to the orchestrator (it records the decision and carries on)."""
        if self._refused_here():
            return
        await self.orchestrator.decide(answer.gate_id, answer.choice, answer.rationale, self.app.actor)

    def action_rerun(self) -> None:
        if self.orchestrator is None or self.state is None:
            self.notify("No playbook is running in this window.")  # type: ignore[attr-defined]
            return
        failed = [s for s in self.orchestrator.plan(self.state)
                  if getattr(s.state, "value", s.state) in ("failed", "interrupted")]  # fmt: skip
        if not failed:
            self.notify("No failed or interrupted step to re-run.")  # type: ignore[attr-defined]
            return
        self.rerun_step(failed[0].step_id)

    @work(group="rerun", exit_on_error=False)
    async def rerun_step(self, step_id: str) -> None:
        if self._refused_here():
            return
        await self.orchestrator.rerun(step_id)

    # -- x c ------------------------------------------------------------------------------------
    def action_resolve(self) -> None:
        if (state := self._need_state()) is None:
            return
        if not state.is_open:
            self.notify(f"The incident is already {state.status.value}.")  # type: ignore[attr-defined]
            return

        def done(answer: Resolution | None) -> None:
            if answer is not None:
                self.take(lambda d: d.resolve(answer.resolution, answer.validation, "with the x key"), "Resolved.")

        self.app.push_screen(_modals().ResolveModal(), done)

    def action_close(self) -> None:
        if (state := self._need_state()) is None:
            return
        if state.status is not Status.RESOLVED:
            self.notify("Only a resolved incident can be closed: resolve it first (x).", severity="warning")  # type: ignore[attr-defined]
            return

        def done(answer: CloseConfirmation | None) -> None:
            if answer is not None:
                self.close_and_export(answer.reason)

        self.app.push_screen(_modals().ConfirmCloseModal(self.incident_id, str(self.app.export_dir)), done)

    @work(group="close", exit_on_error=False)
    async def close_and_export(self, reason: str) -> None:
        stored = await self.take(lambda d: d.close(reason)).wait()
        if stored:
            await learn_at_close(self)
            await export_now(self)


async def learn_at_close(screen: Any) -> None:
    """At close: mark a recurrence of a recent root cause, and refresh the similar incidents (KB article).

    The incident history is read once and compared against by both.
    """
    from warroom.data.insights.history import load_history
    from warroom.data.insights.recurrence import check_recurrence
    from warroom.data.insights.related import record_related

    store = await screen.app.ready_store()
    now = screen.app.now()
    try:
        history = await load_history(store, chunks=False)
        await record_related(store, screen.incident_id, now=now, actor=screen.app.actor, history=history)
        found = await check_recurrence(store, screen.incident_id, now=now, history=history)
    except (OSError, ValueError) as exc:
        screen.notify(f"Could not compare with past incidents: {exc}", severity="warning", markup=False)
        return
    if found is not None:
        undone = len(found.open_actions)
        screen.notify(f"Recurrence of {found.earlier_id} (same root cause); {undone} of its preventive actions not done.",
                      title="Recurrence", severity="warning", markup=False, timeout=10)  # fmt: skip


async def export_now(screen: Any) -> Path | None:
    """Write the incident's markdown record (off the event loop); tell the user where it went."""
    events = await screen.app.store.events(screen.incident_id)
    from warroom.data.export import export_incident

    try:
        path = await asyncio.to_thread(export_incident, events, Path(screen.app.export_dir), policy=screen.app.policy)
    except (OSError, ValueError) as exc:
        screen.notify(f"Export failed: {exc}", title="Export", severity="error", timeout=10)
        return None
    screen.notify(f"Record written to {path}", title="Exported", timeout=6)
    return Path(path)


def _modals() -> Any:
    """The modals package, imported on the first key that opens one (not before the first frame)."""
    import warroom.screens.modals as modals

    return modals
