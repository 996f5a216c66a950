"""Banners for the branches: MAJOR INCIDENT, CHANGE FREEZE, HOLD and SECURITY, derived from the database.

Each banner is a self-contained one-line (wrapping) widget; :class:`BranchBanners`
stacks them and shows only those that apply. The text comes from pure
functions of the incidents (``banner_texts``), so the list screen, every war
room and the tests agree. User text (reasons, titles) is stripped of control
sequences and rendered as plain :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Union

from rich.text import Text
from textual.app import ComposeResult
from textual import work
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from warroom.data.major import active_freezes, major_incidents
from warroom.data.models import Incident
from warroom.data.policy import DEFAULT_POLICY, Policy
from warroom.data.private_store import with_private_store
from warroom.data.store import EventStore
from warroom.data.text import strip_control

__all__ = [
    "Banner", "BranchBanners", "ChangeFreezeBanner", "HoldBanner", "MajorIncidentBanner", "SecurityBanner", "banner_texts",
]  # fmt: skip


#: Where the banners read the open incidents: a database path (polled in a thread), a store, or how to get one.
StoreSource = Union[str, Path, EventStore, Callable[[], Awaitable[EventStore]], None]
#: How often a polling thread checks whether it was cancelled (the app waits for it at exit).
CANCEL_CHECK_SECONDS = 0.1


def _plain(text: str, limit: int = 200) -> str:
    line = " ".join(strip_control(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def major_text(open_incidents: Iterable[Incident]) -> str:
    ranked = major_incidents(list(open_incidents))
    if not ranked:
        return ""
    ids = ", ".join(f"{i.incident_id} {i.severity.value}" for i in ranked[:6]) + (" …" if len(ranked) > 6 else "")
    coordinator = next((i.major_coordinator for i in ranked if i.major_coordinator), "")
    return (f"MAJOR INCIDENT: {len(ranked)} P0/P1 open, by business impact: {ids}"
            + (f" · senior IC {_plain(coordinator, 80)}" if coordinator else ""))  # fmt: skip


def freeze_text(open_incidents: Iterable[Incident]) -> str:
    freezes = active_freezes(list(open_incidents))
    if not freezes:
        return ""
    parts = [f"{_plain(f.freeze_id, 40)}: {_plain(f.reason, 120)}" for f in sorted(freezes.values(), key=lambda f: f.declared_at)]
    return "CHANGE FREEZE: halt all deployments · " + " · ".join(parts)


def hold_text(incident: Incident | None) -> str:
    if incident is None or incident.hold is None:
        return ""
    return (f"HOLD: STOP, no further changes until assessment · {_plain(incident.hold.reason, 120)} · "
            "mitigation refused until the incident commander lifts it")  # fmt: skip


def security_text(incident: Incident | None, policy: Policy = DEFAULT_POLICY) -> str:
    if incident is None or not incident.evidence_required:
        return ""
    if incident.evidence_preserved_at is None:
        return "SECURITY INCIDENT: preserve evidence (logs, forensics) before any mitigation"
    pending = sorted(set(policy.regulatory) - set(incident.regulators_notified))
    return "SECURITY INCIDENT: evidence preserved" + (f" · notify the authority: {', '.join(pending)}" if pending else "")


def banner_texts(incident: Incident | None, open_incidents: Iterable[Incident],
                 policy: Policy = DEFAULT_POLICY) -> dict[str, str]:  # fmt: skip
    """The text of each banner ("" when it does not apply); ``incident`` is the war room's, else ``None``."""
    others = list(open_incidents)
    if incident is not None and incident.is_open and all(i.incident_id != incident.incident_id for i in others):
        others.append(incident)
    return {"major": major_text(others), "freeze": freeze_text(others), "hold": hold_text(incident),
            "security": security_text(incident, policy)}  # fmt: skip


class Banner(Static):
    """One banner line; hidden while it has nothing to say."""

    DEFAULT_CSS = """
    Banner { height: auto; width: 1fr; padding: 0 1; text-style: bold; display: none; }
    Banner.-shown { display: block; }
    """

    _text: str | None = None

    def show_text(self, text: str) -> None:
        if text == self._text:
            return  # an unchanged banner would still relayout the screen (and repaint the scrollbars)
        self._text = text
        self.set_class(bool(text), "-shown")
        self.update(Text(text))


class MajorIncidentBanner(Banner):
    DEFAULT_CSS = """
    MajorIncidentBanner { background: $error; color: $text; }
    """


class ChangeFreezeBanner(Banner):
    DEFAULT_CSS = """
    ChangeFreezeBanner { background: $warning; color: $background; }
    """


class HoldBanner(Banner):
    DEFAULT_CSS = """
    HoldBanner { background: $error-darken-2; color: $text; text-style: bold reverse; }
    """


class SecurityBanner(Banner):
    DEFAULT_CSS = """
    SecurityBanner { background: $accent-darken-2; color: $text; }
    """


class BranchBanners(Vertical):
    """The stack of banners above a war room or the incident list.

    Given a ``store`` (a database path, an open store, or an async callable returning one), it polls the
    database's open incidents every ``interval`` seconds (a freeze or a major incident is database-wide);
    the screen passes its own incident with :meth:`show_incident`, and ``exclude`` names it so the poll
    never replays it a second time. With a path, the poll runs in a thread on a connection of its own:
    replaying other incidents never stalls the UI's event loop.
    """

    DEFAULT_CSS = """
    BranchBanners { height: auto; width: 1fr; }
    """

    class OpenIncidentsLoaded(Message):
        """The open incidents of the database, as the worker read them."""

        def __init__(self, incidents: list[Incident]) -> None:
            super().__init__()
            self.incidents = incidents

    def __init__(self, store: StoreSource = None, *, interval: float = 5.0, policy: Policy = DEFAULT_POLICY,
                 exclude: str | None = None, id: str | None = None) -> None:  # fmt: skip
        super().__init__(id=id)
        self._store, self._interval, self._policy, self._exclude = store, interval, policy, exclude
        self._incident: Incident | None = None
        self._open: list[Incident] = []

    def on_mount(self) -> None:
        if isinstance(self._store, (str, Path)):
            self.watch_file(self._store)
        elif self._store is not None:
            self.watch_store()

    async def _open_incidents(self, store: EventStore) -> list[Incident]:
        ids = [i for i in await store.incident_ids() if i != self._exclude]
        return [state for state in [await store.load(i) for i in ids] if state.is_open]

    @work(exclusive=True, group="branch-banners", exit_on_error=False)
    async def watch_store(self) -> None:
        """Poll the open incidents on the UI's loop (``store`` may be an async callable returning the store)."""
        assert self._store is not None and not isinstance(self._store, (str, Path))
        store = self._store if isinstance(self._store, EventStore) else await self._store()
        while True:
            self.post_message(self.OpenIncidentsLoaded(await self._open_incidents(store)))
            await asyncio.sleep(self._interval)

    @work(thread=True, exclusive=True, group="branch-banners", exit_on_error=False)
    def watch_file(self, path: str | Path) -> None:
        """Poll the open incidents in a thread, on a connection of its own (its cache keeps later polls cheap)."""
        worker = get_current_worker()

        async def poll(store: EventStore) -> None:
            while not worker.is_cancelled:
                incidents = await self._open_incidents(store)
                if worker.is_cancelled:
                    return
                self.post_message(self.OpenIncidentsLoaded(incidents))
                for _ in range(max(1, round(self._interval / CANCEL_CHECK_SECONDS))):
                    if worker.is_cancelled:
                        return
                    await asyncio.sleep(CANCEL_CHECK_SECONDS)

        with_private_store(path, poll)

    def on_branch_banners_open_incidents_loaded(self, message: OpenIncidentsLoaded) -> None:
        message.stop()
        self._open = message.incidents
        self.show(self._incident, self._open, self._policy)

    def show_incident(self, incident: Incident | None) -> None:
        """The screen's incident changed (``None`` on the list screen)."""
        self._incident = incident
        others = [i for i in self._open if incident is None or i.incident_id != incident.incident_id]
        self.show(incident, others, self._policy)

    def compose(self) -> ComposeResult:
        yield MajorIncidentBanner(id="banner-major")
        yield ChangeFreezeBanner(id="banner-freeze")
        yield HoldBanner(id="banner-hold")
        yield SecurityBanner(id="banner-security")

    def show(self, incident: Incident | None, open_incidents: Iterable[Incident], policy: Policy = DEFAULT_POLICY) -> None:
        """Refresh every banner from ``incident`` (``None`` on the list) and the open incidents."""
        for key, text in banner_texts(incident, open_incidents, policy).items():
            self.query_one(f"#banner-{key}", Banner).show_text(text)
