"""Messages the store-following worker posts to the war room (past tense; workers never touch widgets)."""

from __future__ import annotations

from textual.message import Message

from warroom.data import events as ev
from warroom.data.models import Incident

__all__ = ["EventsArrived", "IncidentRefreshed", "PlaybookDriverChanged", "StoreReachable"]


class StoreReachable(Message, bubble=False):
    """The database stopped answering (``reachable`` False, with why) or answers again after that."""

    def __init__(self, reachable: bool, reason: str = "") -> None:
        super().__init__()
        self.reachable = reachable
        self.reason = reason


class EventsArrived(Message, bubble=False):
    """A batch of new events was read from the store; ``state`` is the fold up to the last one."""

    def __init__(self, state: Incident, events: list[ev.BaseEvent], caught_up: bool) -> None:
        super().__init__()
        self.state = state
        self.events = events
        self.caught_up = caught_up


class IncidentRefreshed(Message, bubble=False):
    """The incident changed: the panes should redraw (coalesced: only the latest matters)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IncidentRefreshed)


class PlaybookDriverChanged(Message, bubble=False):
    """Who drives the playbook changed: ``driver`` is another session's ``host:pid``, ``""`` for this one."""

    def __init__(self, driver: str) -> None:
        super().__init__()
        self.driver = driver
