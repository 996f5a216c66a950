"""``x`` resolve (with validation against the baseline) and ``c`` close (confirmation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label

from warroom.screens.modals.base import FormError, FormModal

__all__ = ["CloseConfirmation", "ConfirmCloseModal", "Resolution", "ResolveModal"]


@dataclass(frozen=True)
class Resolution:
    resolution: str
    validation: dict[str, str] = field(default_factory=dict)


class ResolveModal(FormModal[Resolution]):
    """Resolution summary plus the validation: error rate and latency back to baseline."""

    TITLE_TEXT = "Resolve the incident"
    SUBMIT_LABEL = "Resolve"

    def compose_form(self) -> ComposeResult:
        yield Label("How was it resolved?", classes="form-help")
        yield Input(placeholder="e.g. rollback of payments-api to v2.3.1 restored service", id="resolution", max_length=4000)
        yield Label("Validation — both must be confirmed:", classes="form-help")
        yield Checkbox("Error rate is back to baseline", id="error-rate-ok")
        yield Input(placeholder="error rate now (e.g. 0.2% vs 0.1% baseline)", id="error-rate", max_length=500)
        yield Checkbox("Latency is back to baseline", id="latency-ok")
        yield Input(placeholder="latency now (e.g. p99 180 ms vs 170 ms baseline)", id="latency", max_length=500)

    def collect(self) -> Resolution:
        resolution = self.query_one("#resolution", Input).value.strip()
        if not resolution:
            raise FormError("Say how the incident was resolved.")
        if not (self.query_one("#error-rate-ok", Checkbox).value and self.query_one("#latency-ok", Checkbox).value):
            raise FormError("Confirm error rate and latency are back to baseline (or keep mitigating).")
        validation = {
            "error_rate": self.query_one("#error-rate", Input).value.strip() or "back to baseline",
            "latency": self.query_one("#latency", Input).value.strip() or "back to baseline",
        }
        return Resolution(resolution, validation)


@dataclass(frozen=True)
class CloseConfirmation:
    reason: str


class ConfirmCloseModal(FormModal[CloseConfirmation]):
    """Closing is final until reopened; it also writes the markdown record."""

    TITLE_TEXT = "Close the incident"
    SUBMIT_LABEL = "Close and export"

    def __init__(self, incident_id: str, export_dir: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.export_dir = export_dir

    def compose_form(self) -> ComposeResult:
        yield Label(
            f"Close {self.incident_id}? The record will be exported to {self.export_dir}/{self.incident_id}/.",
            classes="form-help",
        )
        yield Input(placeholder="closing note (optional)", id="close-reason", max_length=2000)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> CloseConfirmation:
        return CloseConfirmation(self.query_one("#close-reason", Input).value.strip())
