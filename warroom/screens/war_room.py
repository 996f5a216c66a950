"""The war room: timeline, phase tracker, agent output and SLA board, always visible.

A worker tails the store (``events WHERE seq > last``) every quarter second and
posts :class:`EventsArrived`; the handler owns the state and the panes. A 1 Hz
interval recomputes the clocks for the injected ``now`` and records each breach
once. The keyboard decisions live in :mod:`warroom.screens.decisions`.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator, Mapping
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from warroom.data import events as ev
from warroom.data.clocks import clocks, pending_breaches
from warroom.data.fold import InvalidEvent, fold
from warroom.data.models import Incident, RunState
from warroom.data.private_store import with_private_store
from warroom.data.selection import CHUNKS, TIMELINE, Selection
from warroom.data.store_api import StoreUnavailable
from warroom.data.text import strip_control
from warroom.screens.decisions import DecisionActions
from warroom.screens.deliveries import DeliveryActions
from warroom.screens.messages import EventsArrived, IncidentRefreshed, PlaybookDriverChanged, StoreReachable
from warroom.screens.view_only import view_only
from warroom.widgets.agent_output import AgentOutput
from warroom.widgets.banners import BranchBanners
from warroom.widgets.header_line import IncidentHeader
from warroom.widgets.phase_tracker import PhaseTracker, steps_from_plan, steps_from_runs
from warroom.widgets.sla_board import SlaBoard
from warroom.widgets.timeline import Timeline
from warroom.widgets.timeline_source import holds_rows

__all__ = ["FOLLOW_WAIT_SECONDS", "POLL_SECONDS", "StreamedTexts", "WarRoomScreen"]

POLL_SECONDS = 0.25  # how often a follower of an SQLite file reads (EventStore.wait_for_append)
FOLLOW_WAIT_SECONDS = 5.0  # the longest wait for a notification (PostgreSQL) before reading anyway
RECONNECT_FIRST, RECONNECT_MOST = 0.2, 5.0  # seconds between reads while the database is unreachable
BATCH = 5_000


RELATED_AFTER_SECONDS = 3.0


class StreamedTexts(Mapping[str, str]):
    """Each run's streamed chunks, joined only for the run the pane shows (not every run per batch)."""

    def __init__(self, chunks: dict[str, list[str]]) -> None:
        self._chunks = chunks

    def __getitem__(self, run_id: str) -> str:
        return "".join(self._chunks[run_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._chunks)

    def __len__(self) -> int:
        return len(self._chunks)


class WarRoomScreen(DecisionActions, DeliveryActions, Screen[None]):
    """One incident, four panes, every decision one key away."""

    BINDINGS = [
        *DecisionActions.DECISION_BINDINGS,
        *DeliveryActions.DELIVERY_BINDINGS,
        Binding("f", "cycle_filter", "Filter", tooltip="Timeline: all → decisions → agents → comms → notes", id="timeline-filter"),
        Binding("slash", "search", "Search", tooltip="Search the timeline (Escape clears)", id="timeline-search"),
        Binding("question_mark", "app.help", "Help", tooltip="Every key of the war room", id="help"),
        Binding("q", "app.quit_war_room", "Quit", tooltip="Leave the war room; the incident keeps going", id="quit"),
    ]  # fmt: skip

    FIRST_FOCUS = "#timeline"  # where the keys go when the screen opens

    def __init__(self, incident_id: str, *, read_only: bool = False) -> None:
        super().__init__(name=incident_id)
        self.incident_id = incident_id
        self.read_only = read_only
        self.state: Incident | None = None
        self.agent_texts: dict[str, list[str]] = {}
        self.loaded = asyncio.Event()
        self.orchestrator: Any = None
        self._attempted_breaches: set[tuple[str, Any]] = set()
        self._announced_gates: set[str] = set()
        self._failed_shown: set[str] = set()
        self._caught_up = False

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        watching = view_only(self)  # a read-only app (warroom serve): every war room read-only, and no "you:"
        self.read_only = self.read_only or watching
        yield IncidentHeader(actor="" if watching else self.app.actor, read_only=self.read_only, id="incident-header")
        yield BranchBanners(self.app.db_location, policy=self.app.policy, exclude=self.incident_id, id="branch-banners")
        with Container(id="panes"):
            with Vertical(id="timeline-pane", classes="pane") as pane:
                pane.border_title = "Timeline"
                yield Timeline(id="timeline")
                yield Input(placeholder="search the timeline (Enter applies, Escape clears)", id="timeline-search-input")
            with Vertical(id="phase-pane", classes="pane") as pane:
                pane.border_title = "Phases"
                yield PhaseTracker(id="phase-tracker")
            with Vertical(id="agent-pane", classes="pane") as pane:
                pane.border_title = "Agent output"
                yield AgentOutput(id="agent-output")
            with Vertical(id="sla-pane", classes="pane") as pane:
                pane.border_title = "SLA clocks"
                yield SlaBoard(id="sla-board")
        yield from self.compose_extra()
        yield Footer()

    def compose_extra(self) -> ComposeResult:
        """Extra panes below the four (the review screen adds its editor)."""
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#timeline-search-input", Input).display = False
        self.query_one(self.FIRST_FOCUS).focus()
        self.call_after_refresh(self._open_timeline)  # the last screenful of rows, read straight from the store
        self.call_after_refresh(self.follow_store)  # the first frame does not wait for the replay
        self.set_interval(1.0, self.tick, name="sla-clocks")
        if not self.read_only and self.app.orchestrator_factory is not None:
            self.call_after_refresh(self.run_playbook)
        if not self.read_only:  # after the first screenful settles: it reads every past incident
            self.set_timer(RELATED_AFTER_SECONDS, self.find_related)

    @work(thread=True, exclusive=True, group="related", exit_on_error=False)
    def find_related(self) -> None:
        """Similar past incidents: recorded on the timeline (for the KB article) and shown once.

        It reads every past incident, so it runs in a thread on a connection of its own.
        """
        from warroom.data.insights.related import record_related

        now, actor = self.app.now(), self.app.actor
        matches = with_private_store(
            self.app.db_location, lambda store: record_related(store, self.incident_id, now=now, actor=actor)
        )
        if matches:
            lines = "\n".join(f"{m.incident_id}: {m.title[:60]}" for m in matches[:3])
            self.app.call_from_thread(self.notify, lines, title="Similar past incidents", markup=False, timeout=8)

    async def _open_timeline(self) -> None:
        await self.app.ready_store()  # the store has created or migrated the file before the pane reads it
        self.query_one(Timeline).open(self.app.db_location, self.incident_id)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    # -- following the store -----------------------------------------------------------------
    @work(exclusive=True, group="follow-store", exit_on_error=False)
    async def follow_store(self) -> None:
        """Start from the incident's state as the store loads it, then tail the store forever, folding each batch."""
        store = await self.app.ready_store()
        state = await self._start(store)
        last, limit = state.last_seq, BATCH
        pause = 0.0  # while the database is unreachable: the backoff between reads
        while True:
            try:
                batch = await store.events(self.incident_id, since=last, limit=limit)
            except StoreUnavailable as exc:  # its server restarts: say so, read again with backoff
                if not pause:
                    self.post_message(StoreReachable(False, str(exc)))
                pause = min(max(pause * 2, RECONNECT_FIRST), RECONNECT_MOST)
                await asyncio.sleep(pause)
                continue
            if pause:
                pause = 0.0
                self.post_message(StoreReachable(True))
            if batch:
                gc_was = gc.isenabled()
                gc.disable()
                try:
                    state = fold(state, batch)  # one copy of the state per batch, not one per event
                finally:
                    if gc_was:
                        gc.enable()
                last = batch[-1].seq
                assert state is not None
                self.post_message(EventsArrived(state, batch, caught_up=len(batch) < limit))
                if len(batch) == limit:
                    await asyncio.sleep(0)
                    continue
            await store.wait_for_append(self.incident_id, last, FOLLOW_WAIT_SECONDS)

    async def _start(self, store: Any) -> Incident:
        """The state from the store's snapshot and the events after it, posted with what the panes need of the past.

        The timeline reads an SQLite file itself; for another engine the timeline's rows are
        read here (without the stream chunks). The agent pane gets the chunks of the runs that
        have no text of their own yet (an ended run holds its output), read from the earliest one's start.
        """
        pause = 0.0
        while True:
            try:
                state = await store.load(self.incident_id)  # raises UnknownIncident
                break
            except StoreUnavailable as exc:
                if not pause:
                    self.post_message(StoreReachable(False, str(exc)))
                pause = min(max(pause * 2, RECONNECT_FIRST), RECONNECT_MOST)
                await asyncio.sleep(pause)
        if pause:
            self.post_message(StoreReachable(True))
        if holds_rows(self.app.db_location):
            since = 0
            while batch := await store.select(self.incident_id, TIMELINE, since=since, limit=BATCH):
                self.post_message(EventsArrived(state, batch, caught_up=False))
                since = batch[-1].seq
                await asyncio.sleep(0)
        streaming = {run.run_id: run.started_at for run in state.runs.values()
                     if run.chunks and (run.state is RunState.RUNNING or not run.output)}  # fmt: skip
        if streaming:
            chunks = await store.select(self.incident_id, Selection(kinds=(CHUNKS,), at_from=min(streaming.values())))
            chunks = [c for c in chunks if c.seq <= state.last_seq and getattr(c, "run_id", None) in streaming]
            self.post_message(EventsArrived(state, chunks, caught_up=False))
        self.post_message(EventsArrived(state, [], caught_up=True))
        return state

    def on_events_arrived(self, message: EventsArrived) -> None:
        self.state = message.state
        timeline = self.query_one(Timeline)
        timeline.set_origin(message.state.detected_at)
        timeline.add_events(message.events)  # an SQLite pane reads its rows from the file: only "some arrived"
        for event in message.events:
            if isinstance(event, ev.AgentStepOutput):
                self.agent_texts.setdefault(event.run_id, []).append(event.text)
        if message.caught_up and not self._caught_up:
            self._caught_up = True
            self.tick()
            self._check_loaded()
        self.post_message(IncidentRefreshed())

    def _check_loaded(self) -> None:
        """``loaded`` once the fold has caught up and the timeline has read its rows."""
        if self._caught_up and self.query_one(Timeline).complete and not self.loaded.is_set():
            self.loaded.set()

    def on_incident_refreshed(self, message: IncidentRefreshed) -> None:
        if self.state is None:
            return
        state = self.state
        self.query_one(IncidentHeader).show(state)
        self.query_one(BranchBanners).show_incident(state)
        plan = self.orchestrator.plan(state) if self.orchestrator is not None else None
        steps = steps_from_plan(plan) if plan else steps_from_runs(state)
        self.query_one(PhaseTracker).show(steps, state.phase)
        if self.orchestrator is not None:
            self._announce_gates(state)
        self.query_one(AgentOutput).show(state.runs, StreamedTexts(self.agent_texts), self.app.now())
        self._title_timeline()
        if not self.read_only:
            self.show_failed_deliveries(state)

    def _announce_gates(self, state: Incident) -> None:
        for gate in self.orchestrator.pending_gates(state):
            if gate.gate_id not in self._announced_gates:
                self._announced_gates.add(gate.gate_id)
                self.notify(f"{strip_control(str(gate.question))[:200]} — press g to decide", title="Decision needed",
                            severity="warning", timeout=8)  # fmt: skip
                self.app.bell()

    def on_timeline_filtered(self, message: Timeline.Filtered) -> None:
        self._title_timeline()
        self._check_loaded()

    def _title_timeline(self) -> None:
        timeline = self.query_one(Timeline)
        title = "Timeline"
        if timeline.filter:
            title += f" · {timeline.filter}"
        if timeline.search:
            title += f" · “{timeline.search[:20]}”"
        if not timeline.complete:
            title += " · reading…"
        else:
            title += f" · {timeline.shown:,}" + (f"/{timeline.total:,}" if timeline.shown != timeline.total else "")
        pane = self.query_one("#timeline-pane")
        if pane.border_title != title:
            pane.border_title = title

    # -- the clocks ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Once a second: recompute the clocks; record each newly breached SLA once."""
        if self.state is None:
            return
        now = self.app.now()
        self.query_one(SlaBoard).show(clocks(self.state, now, self.app.policy), now)
        if self.read_only:
            return
        for clock, deadline in pending_breaches(self.state, now, self.app.policy):
            if (clock, deadline) not in self._attempted_breaches:
                self._attempted_breaches.add((clock, deadline))
                self.record_breach(clock, deadline)

    @work(group="breaches", exit_on_error=False)
    async def record_breach(self, clock: str, deadline: Any) -> None:
        """Append ``SlaBreached`` unless another process already did (the fold refuses duplicates)."""
        event = ev.SlaBreached(incident_id=self.incident_id, at=self.app.now(), actor=self.app.actor,
                               clock=clock, deadline=deadline)  # fmt: skip
        try:
            await self.app.store.append(event)
        except InvalidEvent:
            return  # recorded by someone else: the timeline will show theirs
        self.app.bell()

    # -- the playbook --------------------------------------------------------------------------
    @work(exclusive=True, group="playbook", exit_on_error=False)
    async def run_playbook(self) -> None:
        """Build the orchestrator after the first frame (its backend may import the Anthropic SDK),
        then its ``run()`` on the event loop; its events reach the panes through the store."""
        await self.app.ready_store()
        self.orchestrator = await self.app.orchestrator_for(self.incident_id)
        if self.orchestrator is not None:
            self.orchestrator.on_lease = lambda driver: self.post_message(PlaybookDriverChanged(driver))
            self.post_message(IncidentRefreshed())  # the phase pane shows the playbook's steps and its pending gate
            await self.orchestrator.run(follow=True)  # another session drives it: follow, take over when it stops

    def on_store_reachable(self, message: StoreReachable) -> None:
        pane = self.query_one("#timeline-pane")
        if not message.reachable:
            pane.border_subtitle = "reconnecting…"
            self.notify(f"{message.reason} — reconnecting; nothing is lost, the timeline catches up when it answers.",
                        title="Database", severity="warning", markup=False, timeout=8)  # fmt: skip
        else:
            pane.border_subtitle = ""
            self.notify("The database answers again: the timeline has caught up.", title="Database", timeout=5)

    def on_playbook_driver_changed(self, message: PlaybookDriverChanged) -> None:
        pane = self.query_one("#phase-pane")
        if message.driver:
            pane.border_subtitle = f"driven by {message.driver}"
            self.notify(f"Another session ({message.driver}) is running this playbook; this window follows it and "
                        "takes over if that session stops.", title="Playbook", markup=False, timeout=8)  # fmt: skip
        elif pane.border_subtitle:
            pane.border_subtitle = ""
            self.notify("The other session stopped: this window now runs the playbook.", title="Playbook", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one error route for every worker of the war room."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            reason = getattr(error, "reason", None) or str(error) or error.__class__.__name__
            self.notify(f"{event.worker.group}: {reason}", title="Error", severity="error", timeout=10)

    # -- timeline filter and search ------------------------------------------------------------
    def action_cycle_filter(self) -> None:
        self.query_one(Timeline).cycle_filter()
        self._title_timeline()  # at once: a large incident's count follows from a thread

    def action_search(self) -> None:
        field = self.query_one("#timeline-search-input", Input)
        field.display = True
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "timeline-search-input":
            event.stop()
            self.query_one(Timeline).set_search(event.value)
            event.input.display = False
            self.query_one(Timeline).focus()

    def key_escape(self) -> None:
        field = self.query_one("#timeline-search-input", Input)
        if field.display:
            field.value = ""
            field.display = False
            self.query_one(Timeline).set_search("")
            self.query_one(Timeline).focus()
