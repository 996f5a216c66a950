"""Notifications: the channels configured in ``[notify.*]``, what each event queues, and each receiver's format."""

from warroom.data.notify.config import CHANNELS, NotifyConfig
from warroom.data.notify.plan import TRIGGER_KINDS, OutboxPlan

__all__ = ["CHANNELS", "NotifyConfig", "OutboxPlan", "TRIGGER_KINDS"]
