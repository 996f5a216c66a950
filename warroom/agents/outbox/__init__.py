"""The outbox's sender: queued notifications delivered to Slack, Teams, email, PagerDuty, Statuspage, webhooks."""

from warroom.agents.outbox.sender import LEASE, Outbox, SendReport
from warroom.agents.outbox.transport import SendError

__all__ = ["LEASE", "Outbox", "SendError", "SendReport"]
