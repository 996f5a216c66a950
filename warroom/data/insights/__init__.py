"""Learning across incidents: response figures, similar incidents, recurrence, action follow-through.

Everything is computed from the events already in the database (one read-only
pass; nothing is cached on disk).
"""

from warroom.data.insights.actions import ActionReferenceError, ActionRow, list_actions, overdue_actions, resolve_action
from warroom.data.insights.history import History, load_history
from warroom.data.insights.metrics import Cell, Figure, Figures, compute_figures
from warroom.data.insights.recurrence import Recurrence, check_recurrence, find_recurrence
from warroom.data.insights.similar import SimilarIncident, find_similar, similar_incidents

__all__ = [
    "ActionReferenceError", "ActionRow", "Cell", "Figure", "Figures", "History", "Recurrence", "SimilarIncident",
    "check_recurrence", "compute_figures", "find_recurrence", "find_similar", "list_actions", "load_history",
    "overdue_actions", "resolve_action", "similar_incidents",
]  # fmt: skip
