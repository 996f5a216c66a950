"""The war room's panes: one module per widget."""

from warroom.widgets.agent_output import AgentOutput
from warroom.widgets.header_line import IncidentHeader
from warroom.widgets.phase_tracker import PhaseTracker, StepRow
from warroom.widgets.sla_board import SlaBoard, SlaClock
from warroom.widgets.timeline import Timeline, TimelineRow

__all__ = ["AgentOutput", "IncidentHeader", "PhaseTracker", "SlaBoard", "SlaClock", "StepRow", "Timeline", "TimelineRow"]
