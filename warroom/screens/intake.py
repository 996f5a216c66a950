"""``warroom new``: the intake form, and with ``--interactive`` the eight questions of the ITIL flow.

The answers set the initial severity (share of users affected: >50% → P0,
10–50% → P1, <10% → P2, none known → P3; a security or data-loss incident is
at least P1), the guidance the agents follow, and the documentation depth.
Submitting declares the incident and opens its war room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from warroom.data.models import Severity
from warroom.data.policy import levels_for
from warroom.data.text import strip_control
from warroom.screens.view_only import VIEW_ONLY_NOTICE, view_only

__all__ = ["IntakeAnswers", "IntakeError", "IntakeScreen", "declaration_fields", "parse_start_time"]

SHARE = (("More than 50% of users", "gt50"), ("10–50% of users", "10to50"), ("Less than 10% of users", "lt10"),
         ("No users affected that we know of", "none"))  # fmt: skip
YES_NO = (("No", "no"), ("Yes", "yes"))
BUSINESS = (("Revenue", "revenue"), ("Compliance / regulatory", "compliance"), ("Reputation", "reputation"),
            ("Safety", "safety"), ("None known", "none"))  # fmt: skip
EXPERIENCE = (("Experienced with this system", "experienced"), ("Some experience", "some"), ("New to this system", "new"))
BUDGET = (("Healthy", "healthy"), ("At risk", "at_risk"), ("Exhausted / SLA breach imminent", "exhausted"))

_SHARE_SEVERITY = {"gt50": Severity.P0, "10to50": Severity.P1, "lt10": Severity.P2, "none": Severity.P3}


class IntakeError(ValueError):
    """An intake answer that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class IntakeAnswers:
    title: str
    symptoms: str = ""
    guidance: str = ""
    user_impact: str = ""
    share: str = ""  # gt50 | 10to50 | lt10 | none | "" (not asked)
    started: str = ""
    changes: str = ""
    security: str = "no"
    business: str = "none"
    experience: str = "experienced"
    budget: str = "healthy"


def parse_start_time(text: str, now: datetime) -> datetime | None:
    """``HH:MM`` (today, UTC) or an ISO timestamp; blank means unknown (``None``)."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) <= 5 and ":" in text:
            hours, minutes = (int(p) for p in text.split(":"))
            moment = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise IntakeError(f"start time {text[:40]!r}: use HH:MM (UTC) or 2026-11-23T09:00Z") from exc
    if moment > now:
        raise IntakeError("the start time is in the future")
    return moment.astimezone(timezone.utc)


def declaration_fields(answers: IntakeAnswers, now: datetime, severity: Severity | None = None) -> dict[str, Any]:
    """The ``IncidentDeclared`` fields the answers give (``severity`` overrides the derived one)."""
    title = strip_control(answers.title).strip()
    if not title:
        raise IntakeError("the incident needs a title: one line saying what is wrong")
    derived = _SHARE_SEVERITY.get(answers.share, Severity.P2)
    security = answers.security == "yes"
    if security and derived in (Severity.P2, Severity.P3):
        derived = Severity.P1
    if answers.budget == "exhausted" and derived is Severity.P2:
        derived = Severity.P1
    chosen = severity or derived
    impact, urgency = levels_for(chosen)
    guidance = [strip_control(answers.guidance).strip()]
    if security:
        guidance.append("security incident: possible breach or data loss")
    if answers.budget in ("at_risk", "exhausted"):
        guidance.append(f"tight SLA: error budget {answers.budget.replace('_', ' ')}")
    if answers.experience == "new":
        guidance.append("team new to this system: detailed documentation, explain each step")
    elif answers.experience == "some":
        guidance.append("standard documentation depth")
    if answers.business not in ("", "none"):
        guidance.append(f"business impact: {answers.business}")
    summary = [strip_control(answers.symptoms).strip()]
    if answers.user_impact.strip():
        summary.append(f"User impact: {strip_control(answers.user_impact).strip()}")
    if answers.share:
        summary.append(f"Share of users affected: {dict((v, k) for k, v in SHARE)[answers.share]}")
    if answers.changes.strip():
        summary.append(f"Changes in the last 24 h: {strip_control(answers.changes).strip()}")
    return {
        "title": title[:500], "summary": "\n".join(s for s in summary if s), "severity": chosen,
        "impact": impact, "urgency": urgency, "guidance": "; ".join(g for g in guidance if g),
        "security": security, "detected_at": parse_start_time(answers.started, now),
        "detection_method": "manual",
    }  # fmt: skip


class IntakeScreen(Screen[None]):
    """Declare an incident from the keyboard; Ctrl+S declares and opens the war room."""

    BINDINGS = [
        Binding("ctrl+s", "declare", "Declare", tooltip="Declare the incident and open its war room", id="declare"),
        Binding("escape", "app.quit", "Cancel", tooltip="Leave without declaring anything", id="cancel-intake"),
    ]  # fmt: skip

    def __init__(self, *, interactive: bool = False, title: str = "", severity: str | None = None,
                 service: str = "", guidance: str = "") -> None:  # fmt: skip
        super().__init__()
        self.interactive = interactive
        self.initial = {"title": title, "guidance": guidance}
        self.severity = Severity(severity) if severity else None
        self.service = service
        self.declared_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Declare an incident" + (" — the eight questions" if self.interactive else ""), classes="screen-title")
        with VerticalScroll(id="intake-form"):
            yield Label("Title: what is wrong, in one line")
            yield Input(self.initial["title"], id="title", max_length=500)
            yield Label("Symptoms: what is observed")
            yield Input(id="symptoms", max_length=4000)
            yield Label("Guidance for the response (e.g. security, tight SLA)")
            yield Input(self.initial["guidance"], id="guidance", max_length=2000)
            if self.interactive:
                yield Label("1. Observed user impact")
                yield Input(id="user_impact", max_length=2000)
                yield Label("2. Share of users affected")
                yield Select(SHARE, id="share", allow_blank=False, value="lt10")
                yield Label("3. When did it start? (HH:MM UTC or ISO; blank: now)")
                yield Input(id="started", max_length=40)
                yield Label("4. Changes in the last 24 hours (deploys, config, infrastructure)")
                yield Input(id="changes", max_length=2000)
                yield Label("5. Security implications or data loss?")
                yield Select(YES_NO, id="security", allow_blank=False, value="no")
                yield Label("6. Business impact")
                yield Select(BUSINESS, id="business", allow_blank=False, value="none")
                yield Label("7. Team experience with this system")
                yield Select(EXPERIENCE, id="experience", allow_blank=False, value="experienced")
                yield Label("8. SLA / error budget state")
                yield Select(BUDGET, id="budget", allow_blank=False, value="healthy")
            yield Static("", id="intake-preview")
            yield Label("", id="intake-error", classes="form-error")
            yield Button("Declare (Ctrl+S)", variant="primary", id="declare")
        yield Footer()

    def answers(self) -> IntakeAnswers:
        values: dict[str, str] = {}
        for field in IntakeAnswers.__dataclass_fields__:
            for widget in self.query(f"#{field}"):
                value = widget.value  # type: ignore[attr-defined]
                values[field] = "" if value is Select.BLANK else str(value)
        return IntakeAnswers(**values)

    def on_input_changed(self) -> None:
        self._preview()

    def on_select_changed(self) -> None:
        self._preview()

    def _preview(self) -> None:
        try:
            fields = declaration_fields(self.answers(), self.app.now(), self.severity)
        except IntakeError as exc:
            self.query_one("#intake-preview", Static).update(f"⚠ {exc}")
            return
        sev: Severity = fields["severity"]
        self.query_one("#intake-preview", Static).update(
            f"→ {sev.value} {sev.label} (impact {fields['impact'].value}, urgency {fields['urgency'].value})"
            + (f"; guidance: {fields['guidance']}" if fields["guidance"] else "")
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_declare()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "declare" and view_only(self))

    def action_declare(self) -> None:
        if view_only(self):  # the button as well as Ctrl+S: a read-only view declares nothing
            self.query_one("#intake-error", Label).update(VIEW_ONLY_NOTICE)
            return
        try:
            fields = declaration_fields(self.answers(), self.app.now(), self.severity)
        except IntakeError as exc:
            self.query_one("#intake-error", Label).update(str(exc))
            self.app.bell()
            return
        self.declare(fields)

    @work(exclusive=True, group="declare", exit_on_error=False)
    async def declare(self, fields: dict[str, Any]) -> None:
        declared = await self.app.store.declare(
            self.app.now(), reporter=self.app.actor, actor=self.app.actor, service=self.service, **fields
        )
        self.declared_id = declared.incident_id
        self.app.switch_screen_to_incident(declared.incident_id)


