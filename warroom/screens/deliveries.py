"""The outbox in the war room: a given-up notification is a visible problem, and ``O`` tries it again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding

from warroom.data import events as ev
from warroom.data.models import Incident
from warroom.data.text import strip_control
from warroom.screens.view_only import view_only

__all__ = ["CRITICAL_AUDIENCES", "DeliveryActions"]

#: Who must not silently miss a message: a failure to reach them stays on screen until retried.
CRITICAL_AUDIENCES = {"executive", "status_page", "responders"}


class DeliveryActions:
    """The war room's part in delivery (a mixin of :class:`warroom.screens.war_room.WarRoomScreen`)."""

    DELIVERY_BINDINGS = [
        Binding("O", "retry_deliveries", "Retry sends", show=False,
                tooltip="Try every given-up notification of this incident again now", id="retry-deliveries"),
    ]  # fmt: skip

    incident_id: str
    state: Incident | None
    read_only: bool
    _failed_shown: set[str]

    if TYPE_CHECKING:  # the screen's own

        @property
        def app(self) -> Any: ...

        def notify(self, *args: Any, **kwargs: Any) -> None: ...

    def show_failed_deliveries(self, state: Incident) -> None:
        """Each notification given up since last shown: an error that stays until dismissed, naming the key."""
        for n in state.notifications.values():
            if n.state != "failed" or n.notification_id in self._failed_shown:
                continue
            self._failed_shown.add(n.notification_id)
            critical = n.audience in CRITICAL_AUDIENCES
            who = n.audience.replace("_", " ")
            self.notify(f"{n.channel} ({who}) was not delivered after {n.attempts} attempt(s): "
                        f"{strip_control(n.last_error)[:200]} — press O to retry", title="Notification not delivered",
                        severity="error" if critical else "warning", markup=False, timeout=120 if critical else 15)  # fmt: skip

    def action_retry_deliveries(self) -> None:
        if self.read_only or view_only(self) or self.state is None:
            return
        given_up = [n.notification_id for n in self.state.notifications.values() if n.state == "failed"]
        if not given_up:
            self.notify("No given-up notification to retry.", title="Outbox", timeout=5)
            return
        self.retry_deliveries(given_up)

    @work(group="outbox-retry", exit_on_error=False)
    async def retry_deliveries(self, ids: list[str]) -> None:
        store = self.app.store
        for notification_id in ids:
            await store.append(ev.NotificationRetried(incident_id=self.incident_id, at=self.app.now(), actor=self.app.actor,
                                                      notification_id=notification_id))  # fmt: skip
            self._failed_shown.discard(notification_id)
        if store.outbox is None:
            self.notify(f"{len(ids)} notification(s) marked for retry; no channel is configured here, so another "
                        "process (or warroom outbox --send) delivers them.", title="Outbox", timeout=8)  # fmt: skip
        else:
            self.notify(f"{len(ids)} notification(s) will be tried again now.", title="Outbox", timeout=5)
