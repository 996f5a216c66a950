"""The war room's modals: each returns what was decided via ``dismiss`` (``None`` if cancelled)."""

from warroom.screens.modals.base import FormError, FormModal
from warroom.screens.modals.escalation import EscalationChoice, EscalationModal
from warroom.screens.modals.gate import GateAnswer, GateModal
from warroom.screens.modals.mitigation import MitigationChoice, MitigationModal
from warroom.screens.modals.note import NoteModal
from warroom.screens.modals.resolve import CloseConfirmation, ConfirmCloseModal, Resolution, ResolveModal
from warroom.screens.modals.roles import RoleAssignment, RolesModal
from warroom.screens.modals.severity import SeverityChoice, SeverityModal
from warroom.screens.modals.status_update import StatusUpdateDraft, StatusUpdateModal

__all__ = [
    "CloseConfirmation", "ConfirmCloseModal", "EscalationChoice", "EscalationModal", "FormError", "FormModal",
    "GateAnswer", "GateModal", "MitigationChoice", "MitigationModal", "NoteModal", "Resolution", "ResolveModal",
    "RoleAssignment", "RolesModal", "SeverityChoice", "SeverityModal", "StatusUpdateDraft", "StatusUpdateModal",
]  # fmt: skip
