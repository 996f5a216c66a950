"""The warroom Textual application: opens the store, shows the first screen, owns time and the actor.

Time is injected (``now``): widgets and screens ask the app, never the wall
clock, so tests and snapshots run on a fixed clock. The store is opened on
mount (inside the app's event loop); the heavy imports (the Anthropic SDK)
happen only when an orchestrator is built, after the first frame.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen

from warroom.app.launch import resume_gc
from warroom.app.palette import WarRoomCommands
from warroom.data.policy import DEFAULT_POLICY, Policy
from warroom.data.store import EventStore

__all__ = ["OrchestratorFactory", "WarroomApp", "utc_now"]

#: Builds the playbook orchestrator for an incident (``None``: no playbook); it may be ``async``
#: (the CLI's reads which playbook the incident was started with).
OrchestratorFactory = Callable[[EventStore, str], Any]


def utc_now() -> datetime:
    """The wall clock, for the real app (tests pass their own)."""
    return datetime.now(timezone.utc)


class WarroomApp(App[int]):
    """The war room application; ``first_screen`` builds the screen to open."""

    CSS_PATH = "warroom.tcss"
    TITLE = "warroom"
    COMMANDS = App.COMMANDS | {WarRoomCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        db_path: Path,
        first_screen: Callable[[], Screen[Any]],
        *,
        actor: str,
        now: Callable[[], datetime] = utc_now,
        policy: Policy = DEFAULT_POLICY,
        export_dir: Path = Path("incidents"),
        orchestrator_factory: OrchestratorFactory | None = None,
        roster: Any = None,
        config: Any = None,
        db_url: str | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)  # with ``db_url``: the local folder's anchor for files kept beside the database
        self.db_url = db_url  # a PostgreSQL URL: the store lives there
        self.first_screen = first_screen
        self.actor = actor
        self.now = now
        self.policy = policy
        self.export_dir = Path(export_dir)
        self.orchestrator_factory = orchestrator_factory
        self.roster = roster  # warroom.data.roster.Roster from the config, offered by the roles modal
        self.config = config  # warroom.data.config.Config: its [notify.*] channels are delivered to while the app runs
        #: A view for people who watch (``warroom serve``): every screen disables its decision keys,
        #: nothing is recorded, no playbook runs and no notification is sent from this app.
        self.read_only = read_only
        self._store: EventStore | None = None
        self._store_ready = asyncio.Event()

    @property
    def db_location(self) -> str | Path:
        """What opens the store: the PostgreSQL URL, else the file path (for connections of their own)."""
        return self.db_url or self.db_path

    @property
    def store(self) -> EventStore:
        if self._store is None:
            raise RuntimeError("the store is not open yet")
        return self._store

    async def on_mount(self) -> None:
        await self.push_screen(self.first_screen())  # drawn while the database opens
        self.call_after_refresh(resume_gc)  # paused for start-up by warroom.app.launch
        if self.db_url is not None:
            from warroom.data.store_api import open_store

            self._store = await open_store(self.db_url, path=self.db_path)
        else:
            self._store = await EventStore.open(self.db_path)
        if not self.read_only and self.config is not None and self.config.notify.channels:
            from warroom.data.notify import attach_outbox

            attach_outbox(self._store, self.config)
            self.run_worker(self._deliver_notifications(), group="outbox", exclusive=True, exit_on_error=False)
        self._store_ready.set()

    async def _deliver_notifications(self) -> None:
        """The outbox's sender, for as long as the app runs (one per database: the others follow)."""
        from warroom.agents.outbox import Outbox

        await Outbox(self.store, self.config.notify).run(poll=1.0)

    async def ready_store(self) -> EventStore:
        """The store, once it is open (workers started on the first screen wait here)."""
        await self._store_ready.wait()
        return self.store

    async def on_unmount(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def orchestrator_for(self, incident_id: str) -> Any:
        """The playbook orchestrator for ``incident_id``, or ``None`` when there is no playbook to run."""
        if self.orchestrator_factory is None:
            return None
        built = self.orchestrator_factory(self.store, incident_id)
        return await built if inspect.isawaitable(built) else built

    def open_incident(self, incident_id: str, *, read_only: bool = False) -> None:
        """Push the war room (or the review screen) for ``incident_id`` (read-only in a read-only app)."""
        if read_only:
            from warroom.screens.review import ReviewScreen

            self.push_screen(ReviewScreen(incident_id))
        else:
            from warroom.screens.war_room import WarRoomScreen

            self.push_screen(WarRoomScreen(incident_id, read_only=self.read_only))

    def switch_screen_to_incident(self, incident_id: str) -> None:
        """Replace the current screen (the intake form) with the incident's war room."""
        from warroom.screens.war_room import WarRoomScreen

        self.switch_screen(WarRoomScreen(incident_id, read_only=self.read_only))

    def action_help(self) -> None:
        from warroom.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        """``Ctrl+Q``: quit, except that the review editor asks first when edits would be lost."""
        leave_then = getattr(self.screen, "leave_then", None)
        if leave_then is not None:
            leave_then(self.exit)
        else:
            self.exit()

    def action_quit_war_room(self) -> None:
        """Leave this screen; the incident keeps going (it lives in the database)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.exit(0)
