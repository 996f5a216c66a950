"""Notifications: the channels configured in ``[notify.*]``, what each event queues, and each receiver's format."""

from __future__ import annotations

from typing import Any

from warroom.data.notify.config import CHANNELS, NotifyConfig
from warroom.data.notify.plan import TRIGGER_KINDS, OutboxPlan

__all__ = ["CHANNELS", "NotifyConfig", "OutboxPlan", "TRIGGER_KINDS", "attach_outbox"]


def attach_outbox(store: Any, config: Any) -> None:
    """Make ``store`` queue deliveries for the channels of ``config`` (a ``warroom.data.config.Config``)."""
    store.outbox = OutboxPlan(config.notify, config.policy) if config.notify.channels else None
