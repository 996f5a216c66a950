"""The orchestrator: runs a playbook for one incident, step by step, on the events alone.

It knows nothing about the screen. ``run()`` walks the playbook (see
:mod:`warroom.agents.plan`), enters phases, runs the steps in front (a parallel
group concurrently), and waits at gates until a ``DecisionTaken`` arrives — from
:meth:`decide` in this process, from another process writing to the same
database (it tails the events), or from the ``auto`` policy. A ticker applies the
escalation timers. Everything it does is an event, so a crash or a quit loses
nothing: on the next ``run()`` finished steps are not repeated and interrupted
ones run again.

Only one orchestrator per incident drives the playbook at a time: ``run()`` first
takes the incident's lease (:mod:`warroom.data.leases`, in the same database) and
renews it from its ticker. When another live session holds it, ``run()`` returns
``busy`` at once, or with ``follow=True`` watches until that session stops (or its
lease expires) and then takes over. Decisions (:meth:`decide`) work from any
orchestrator, driving or not.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from warroom.agents.backend import Backend, StepFailed
from warroom.agents.gates import Gate, finish_effects, gate_effects, gate_label, satisfied
from warroom.agents.guidance import Steering, steer
from warroom.agents.gate_keeping import GateKeeping
from warroom.agents.lease import LeaseKeeping
from warroom.agents.plan import StepState, StepView, Walk, walk
from warroom.agents.playbook import Phase, Playbook, Step, load_playbook
from warroom.agents.prompting import PromptError, render_request
from warroom.agents.streaming import OutputCoalescer
from warroom.agents.timers import escalation_events
from warroom.data import events as ev
from warroom.data.answers import SCHEMAS
from warroom.data.fold import InvalidEvent
from warroom.data.leases import LEASE_SECONDS, Lease, LeaseHolder
from warroom.data.models import Incident, RunState, Status
from warroom.data.policy import DEFAULT_POLICY, Policy, due_escalations
from warroom.data.store import EventStore

__all__ = ["Gate", "GateError", "Orchestrator", "RunSummary", "StepState", "StepView"]


class GateError(ValueError):
    """A decision that does not answer a pending gate."""


class RunSummary(BaseModel):
    """How a ``run()`` ended: completed, waiting at a gate, stopped by a failed required step,
    or busy (another session drives the playbook; ``reason`` names it)."""

    incident_id: str
    playbook: str
    outcome: Literal["completed", "waiting", "failed", "busy"]
    steps: list[StepView]
    gates: list[Gate]
    incident: Incident
    reason: str = ""  # why the run waits (the auto policy could not answer a gate), or who drives it when busy

    def count(self, state: StepState) -> int:
        return sum(1 for s in self.steps if s.state is state)


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


class Orchestrator(GateKeeping, LeaseKeeping):
    """Drives one playbook for one incident."""

    def __init__(
        self, store: EventStore, incident_id: str, playbook: Playbook | str, backend: Backend, *,
        policy: Policy = DEFAULT_POLICY, now: Callable[[], datetime] = _system_now, actor: str = "orchestrator",
        auto: bool = False, evidence_root: Path | None = None, poll_interval: float = 0.2, operator: str = "",
        on_event: Callable[[ev.BaseEvent], Any] | None = None, on_gate: Callable[[Gate], Any] | None = None,
        stop_at_gates: bool = False, roster: Any = None,
        hooks: Sequence[Callable[[datetime], Awaitable[Any]]] | None = None,
        lease_clock: Callable[[], float] = time.time, lease_seconds: float = LEASE_SECONDS,
        holder: LeaseHolder | None = None, on_lease: Callable[[str], Any] | None = None,
    ) -> None:  # fmt: skip
        self.store, self.incident_id, self.backend = store, incident_id, backend
        self.playbook = playbook if isinstance(playbook, Playbook) else load_playbook(playbook)
        self.policy, self.now, self.actor, self.auto = policy, now, actor, auto
        if evidence_root is None and getattr(store, "path", None):  # the incident's copied evidence, as attached
            from warroom.data.attachments import evidence_root as default_root

            evidence_root = default_root(Path(store.path), incident_id)
        self.evidence_root, self.poll_interval, self.operator = evidence_root, poll_interval, operator
        self.on_event, self.on_gate, self.stop_at_gates = on_event, on_gate, stop_at_gates
        self._wake = asyncio.Event()
        #: Called with ``now`` on every tick after the timers; by default the response branches
        #: (``warroom.agents.branches``: failed rollback, security, overrun, major incident).
        self.hooks = list(hooks) if hooks is not None else self._default_hooks(roster)
        self._seen = 0
        self._announced: set[str] = set()
        self.waiting_reason = ""  # why an auto run stopped at a gate it may not answer
        self._tail = asyncio.Lock()  # one reader of the event tail at a time: each event is handed on once
        #: The lease: wall-clock seconds (``now`` may be a fake clock for the SLA timers), our holder,
        #: the lease last seen (ours or another session's), and ``on_lease`` told who drives on each change
        #: (``"host:pid"`` of another session, ``""`` when this orchestrator does).
        self.lease_clock, self.lease_seconds = lease_clock, lease_seconds
        self.holder = holder or LeaseHolder.this_process()
        self.lease: Lease | None = None
        self.on_lease = on_lease
        self._driver: str | None = None

    # -- the plan (pure, from the events) ----------------------------------------------------
    def steering(self, incident: Incident) -> Steering:
        return steer(self.playbook, incident)

    def _walk(self, incident: Incident) -> tuple[Walk, Steering]:
        steering = self.steering(incident)
        return walk(steering.playbook, incident, self.policy, self.now(), steering.keywords), steering

    def plan(self, incident: Incident) -> list[StepView]:
        """Every step of the playbook (as guidance shaped it) with its state."""
        return self._walk(incident)[0].views

    def pending_gates(self, incident: Incident) -> list[Gate]:
        """The gates waiting for a person (not those whose decision was already taken some other way)."""
        plan, steering = self._walk(incident)
        return [g for g in plan.gates if satisfied(steering.playbook.step(g.step_id), incident) is None]

    # -- decisions ---------------------------------------------------------------------------
    async def decide(self, gate_id: str, choice: str, rationale: str = "", actor: str | None = None,
                     *, auto: bool = False) -> ev.DecisionTaken:  # fmt: skip
        """Answer a pending gate; its consequences are appended with it. Wakes ``run()``."""
        who = actor or (self.actor if auto else self.operator or self.actor)
        async with self.store.transaction() as tx:
            incident = await tx.state(self.incident_id)
            if incident is None:
                raise GateError(f"no incident {self.incident_id}")
            plan, steering = self._walk(incident)
            gate = next((g for g in plan.gates if g.gate_id == gate_id), None)
            if gate is None:
                pending = ", ".join(g.gate_id for g in plan.gates) or "none"
                raise GateError(f"{gate_id} is not a pending decision (pending: {pending})")
            if choice not in gate.options:
                raise GateError(f"{choice!r} is not one of {', '.join(gate.options)}")
            step = steering.playbook.step(gate.step_id)
            at = self.now()
            decision = ev.DecisionTaken(
                incident_id=self.incident_id, at=at, actor=who, decision_id=gate.gate_id, gate=gate_label(step),
                choice=choice, options=gate.options, recommended=gate.recommended, rationale=rationale[:10_000], auto=auto,
            )  # fmt: skip
            effects = gate_effects(steering.playbook, step, gate, choice, incident, rationale=rationale, auto=auto,
                                   actor=who, operator=self.operator, at=at)  # fmt: skip
            stored = await tx.append_many([decision, *effects])
        self._wake.set()
        return stored[0]  # type: ignore[return-value]

    # -- running -----------------------------------------------------------------------------
    async def run(self, *, follow: bool = False) -> RunSummary:
        """Run (or resume) the playbook until it is done, waits at a gate (``stop_at_gates``) or is blocked.

        Another live session driving it: ``busy`` at once, or with ``follow`` watch it and take over
        when it stops; the summary's ``reason`` says who drives.
        """
        while True:
            summary = await self._drive(follow)
            if summary.outcome != "busy" or not follow:
                return summary

    async def _drive(self, follow: bool) -> RunSummary:
        self.waiting_reason = ""
        try:
            if not await self._take_lease(follow):
                self.waiting_reason = f"another session ({self.driven_by}) is running this playbook"
                return await self._summary("busy")
            await self._record_playbook()
            await self._recover()
            ticker = self._ticker_task = asyncio.create_task(self._ticker())
            try:
                outcome = await self._loop()
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                await asyncio.shield(self._notify())
        finally:
            # Shielded: a cancelled run still gives the lease up (a failed release just lets it expire).
            await asyncio.shield(self._release_lease())
        if outcome == "busy":
            self.waiting_reason = f"another session ({self.driven_by}) took over this playbook"
        return await self._summary(outcome)

    async def _summary(self, outcome: Literal["completed", "waiting", "failed", "busy"]) -> RunSummary:
        incident = await self.store.load(self.incident_id)
        plan, _ = self._walk(incident)
        return RunSummary(incident_id=self.incident_id, playbook=self.playbook.name, outcome=outcome,
                          steps=plan.views, gates=plan.gates, incident=incident, reason=self.waiting_reason)  # fmt: skip

    async def _loop(self) -> Literal["completed", "waiting", "failed", "busy"]:
        while True:
            if not self.drives:  # the lease was lost (this process stalled past its expiry): stop driving
                return "busy"
            await self._timers_once()
            incident = await self.store.load(self.incident_id)
            plan, steering = self._walk(incident)
            if plan.done:
                return "completed"
            if plan.phase is not None and self.playbook.phase_index(plan.phase.id) > self.playbook.phase_index(incident.phase):
                await self._enter_phase(plan.phase, incident, steering)
                continue
            if plan.to_run:
                await self._run_steps(plan.to_run, self.backend, steering)
                continue
            if plan.running:  # a re-run in progress (``rerun``), or another process's step
                await self._sleep()
                continue
            if plan.gates and await self._close_satisfied():
                continue
            if plan.gates:
                if self.auto:
                    try:
                        for gate in plan.gates:
                            await self.decide(gate.gate_id, gate.recommended, f"auto-decided: {gate.recommendation_reason}", auto=True)
                    except InvalidEvent as exc:  # e.g. a hold, or evidence not yet preserved: a person must act first
                        self.waiting_reason = exc.reason
                        return "waiting"
                    continue
                await self._notify()  # what led to the gate is shown before the gate is asked
                for gate in plan.gates:
                    if gate.gate_id not in self._announced:
                        self._announced.add(gate.gate_id)
                        await self._call(self.on_gate, gate)
                if self.stop_at_gates:
                    return "waiting"
                await self._sleep()
                continue
            if plan.blocked:
                return "failed"
            await self._sleep()  # pragma: no cover - every open stage has one of the above

    async def rerun(self, step_id: str, backend: Backend | None = None) -> None:
        """Run a failed or interrupted step again (optionally with another backend)."""
        incident = await self.store.load(self.incident_id)
        plan, steering = self._walk(incident)
        view = next((v for v in plan.views if v.step_id == step_id), None)
        if view is None:
            raise GateError(f"no step {step_id!r} in the {self.playbook.name} playbook")
        if view.state not in (StepState.FAILED, StepState.INTERRUPTED):
            raise GateError(f"step {step_id} is {view.state.value}; only a failed or interrupted step is re-run")
        await self._run_steps([steering.playbook.step(step_id)], backend or self.backend, steering)
        self._wake.set()

    async def _run_steps(self, steps: list[Step], backend: Backend, steering: Steering) -> None:
        """Start ``steps`` together (one transaction for their starts), then run them concurrently."""
        incident = await self.store.load(self.incident_id)
        mitigation = next((d.choice for d in incident.decisions if d.gate == "mitigation strategy"), "")
        at = self.now()
        started: list[tuple[Step, ev.AgentStepStarted, Any]] = []
        for step in steps:
            run_id = f"{step.id}-{1 + sum(1 for r in incident.runs.values() if r.step_id == step.id)}"
            try:
                request: Any = render_request(
                    steering.playbook, step, incident, run_id=run_id, policy=self.policy, now=at,
                    guidance=steering.keywords, mitigation=mitigation, evidence_root=self.evidence_root,
                )  # fmt: skip
            except PromptError as exc:
                request = exc
            event = ev.AgentStepStarted(
                incident_id=self.incident_id, at=at, actor=self.actor, run_id=run_id, step_id=step.id, phase=step.phase,
                role=step.role, backend=getattr(backend, "name", "backend")[:200], model=str(getattr(backend, "model", ""))[:200],
            )  # fmt: skip
            started.append((step, event, request))
        await self.store.append_many([event for _, event, _ in started])
        await asyncio.gather(*(self._execute(step, event.run_id, request, backend, steering) for step, event, request in started))

    async def _execute(self, step: Step, run_id: str, request: Any, backend: Backend, steering: Steering) -> None:
        base = {"incident_id": self.incident_id, "actor": self.actor}
        output = OutputCoalescer(self.store, self.incident_id, run_id, actor=self.actor, now=self.now)
        try:
            if isinstance(request, PromptError):
                raise request
            result = await backend.run_step(request, output.emit)
            rest = await output.drain()
        except asyncio.CancelledError:
            await self._end(output, ev.AgentStepCancelled(**base, at=self.now(), run_id=run_id, reason="the run was stopped"))
            raise
        except (StepFailed, PromptError) as exc:
            await self._end(output, ev.AgentStepFailed(**base, at=self.now(), run_id=run_id, error=str(exc)[:10_000] or "failed"))
            return
        except Exception as exc:  # noqa: BLE001 - a backend bug fails the step, never the run
            error = f"{type(exc).__name__}: {exc}"[:10_000]
            await self._end(output, ev.AgentStepFailed(**base, at=self.now(), run_id=run_id, error=error))
            return
        await self._finish(step, steering, run_id, result, rest)

    async def _end(self, output: OutputCoalescer, event: ev.BaseEvent) -> None:
        try:
            await output.close()
            if isinstance(event, (ev.AgentStepFailed, ev.AgentStepCancelled)):  # the run's text, joined once
                event = event.model_copy(update={"output": output.text})
            await self.store.append(event)
        except InvalidEvent:
            pass  # the run was already ended (marked interrupted by another process)

    async def _finish(self, step: Step, steering: Steering, run_id: str, result: Any, rest: list[ev.BaseEvent]) -> None:
        structured, problem = result.structured, ""
        if step.output_schema is not None:
            try:
                structured = SCHEMAS[step.output_schema].model_validate(structured or {}).model_dump(mode="json")
            except ValidationError as exc:
                structured, problem = None, f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
        text = result.output[: ev.MAX_TEXT]
        at = self.now()
        base = {"incident_id": self.incident_id, "actor": self.actor, "at": at}
        async with self.store.transaction() as tx:
            incident = await tx.state(self.incident_id)
            assert incident is not None
            events: list[ev.BaseEvent] = [*rest, ev.AgentStepFinished(
                **base, run_id=run_id, output=text, artifact=step.artifact, structured=structured,
                input_tokens=result.input_tokens, output_tokens=result.output_tokens, cost_usd=result.cost_usd,
            )]  # fmt: skip
            if problem:
                events.append(ev.NoteAdded(**base, text=f"{step.title}: the structured answer ({step.output_schema}) was not valid and is ignored: {problem}"))
            events.extend(finish_effects(steering.playbook, step, incident, text, structured, actor=self.actor, at=at))
            await tx.append_many(events)

    async def _enter_phase(self, phase: Phase, incident: Incident, steering: Steering) -> None:
        at = self.now()
        base = {"incident_id": self.incident_id, "actor": self.actor, "at": at}
        events: list[ev.BaseEvent] = []
        if self.playbook.phase_index(incident.phase) < 0:  # the playbook starts: say what guidance changed
            if steering.changes:
                text = f"Guidance applied ({', '.join(sorted(steering.keywords))}): " + "; ".join(steering.changes)
                events.append(ev.NoteAdded(**base, text=text[:10_000]))
            if steering.notify_management and incident.management_notified_at is None and incident.is_open:
                events.append(ev.ManagementNotified(**base, reason="guidance: revenue impact raises hierarchical escalation"))
            if steering.notify_executive and incident.executive_notified_at is None and incident.status is not Status.CLOSED:
                events.append(ev.ExecutiveNotified(**base, reason="guidance: breach or data loss, executive notified at once"))
        events.append(ev.PhaseChanged(**base, phase=phase.id, title=phase.title))
        if phase.status is not None and incident.is_open and incident.status.rank < phase.status.rank:
            events.append(ev.StatusChanged(**base, status=phase.status, reason=f"phase: {phase.title}"))
        await self.store.append_many(events)

    # -- recovery, timers and the tail -------------------------------------------------------
    async def _recover(self) -> None:
        """Runs left RUNNING by a process that died or quit are marked interrupted (and will run again).

        Only by the lease holder: a RUNNING step may be another live session's.
        """
        if not self.drives:
            return
        incident = await self.store.load(self.incident_id)
        stale = [r for r in incident.runs.values() if r.state is RunState.RUNNING]
        if stale:
            await self.store.append_many([ev.AgentStepFailed(
                incident_id=self.incident_id, at=self.now(), actor=self.actor, run_id=r.run_id,
                error="interrupted: the process running this step stopped before it finished", interrupted=True,
            ) for r in stale])  # fmt: skip

    async def _apply_timers(self) -> bool:
        """Append the escalations the policy's timers call for; True if any was due."""
        incident = await self.store.load(self.incident_id)
        if not due_escalations(incident, self.now(), self.policy):
            return False
        async with self.store.transaction() as tx:
            state = await tx.state(self.incident_id)
            assert state is not None
            events = escalation_events(state, self.now(), self.policy, self.actor)
            if events:
                await tx.append_many(events)
        self._wake.set()
        return bool(events)

    async def _timers_once(self) -> None:
        try:
            await self._apply_timers()
            for hook in self.hooks:
                await hook(self.now())
        except InvalidEvent:
            pass  # another process escalated first; the next tick sees it

    def _default_hooks(self, roster: Any) -> list[Callable[[datetime], Awaitable[Any]]]:
        try:
            from warroom.agents.branches import apply_branches
        except ImportError:
            return []

        async def branches(now: datetime) -> None:
            await apply_branches(self.store, self.incident_id, now, self.policy, roster, self.actor)

        return [branches]

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            await self._keep_lease()
            await self._timers_once()
            await self._notify()

    async def _notify(self) -> None:
        """Hand every new event of the incident (ours and other processes') to ``on_event``; wake on decisions."""
        async with self._tail:
            for event in await self.store.events(self.incident_id, self._seen):
                self._seen = event.seq
                if event.kind in ("decision.taken", "tier.escalated", "agent.finished", "agent.failed", "severity.set",
                                  "management.notified", "executive.notified", "update.published", "incident.resolved"):
                    self._wake.set()
                await self._call(self.on_event, event)

    async def _sleep(self) -> None:
        ticker = getattr(self, "_ticker_task", None)
        if ticker is not None and ticker.done() and not ticker.cancelled() and ticker.exception() is not None:
            raise ticker.exception()  # type: ignore[misc]  # an on_event callback failed: surface it
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can turn a cancellation that lands as its
        # timeout fires into TimeoutError, which this wait would swallow, and the run would never stop.
        try:
            async with asyncio.timeout(self.poll_interval):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    @staticmethod
    async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
        if callback is None:
            return
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
