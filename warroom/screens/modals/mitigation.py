"""``m``: choose the mitigation strategy, with a rollback plan; a hotfix needs approval."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.data.models import Incident, MitigationStrategy
from warroom.data.text import strip_control
from warroom.screens.modals.base import FormError, FormModal
from warroom.screens.proposals import mitigation_recommendation

__all__ = ["MitigationChoice", "MitigationModal", "STRATEGY_PROFILE"]

#: Typical time to mitigate and risk of each strategy (the ITIL flow's table).
STRATEGY_PROFILE: dict[MitigationStrategy, tuple[str, str]] = {
    MitigationStrategy.ROLLBACK: ("5–15 min", "low"),
    MitigationStrategy.HOTFIX: ("30–120 min", "medium–high"),
    MitigationStrategy.CONFIGURATION_CHANGE: ("5–30 min", "low–medium"),
    MitigationStrategy.WORKAROUND: ("15–60 min", "medium"),
    MitigationStrategy.SCALING: ("10–30 min", "low"),
}


@dataclass(frozen=True)
class MitigationChoice:
    strategy: MitigationStrategy
    rollback_plan: str
    rationale: str
    recommended: str
    approved: bool


class MitigationModal(FormModal[MitigationChoice]):
    """Five strategies with time to mitigate and risk; the agents' recommendation is marked."""

    TITLE_TEXT = "Mitigation strategy"
    SUBMIT_LABEL = "Decide"

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident
        self.recommendation = mitigation_recommendation(incident)

    def compose_form(self) -> ComposeResult:
        rec = self.recommendation
        if rec is not None:
            text = Text()
            text.append(f"Agents recommend {rec.recommended.title}: ", "bold")
            text.append(strip_control(rec.rationale)[:400])
            yield Static(text, id="mitigation-recommendation")
        else:
            yield Label("No agent recommendation yet: choose from what you know.", classes="form-help")
        options = []
        for strategy, (ttm, risk) in STRATEGY_PROFILE.items():
            mark = "★ " if rec is not None and rec.recommended is strategy else "  "
            options.append(Option(f"{mark}{strategy.title:<24} ~{ttm:<11} risk {risk}", id=strategy.value))
        yield OptionList(*options, id="mitigation-strategy")
        yield Input(value=strip_control(rec.rollback_plan) if rec else "",
                    placeholder="rollback plan if this makes it worse (required)", id="rollback-plan", max_length=2000)  # fmt: skip
        yield Input(placeholder="why this strategy (optional)", id="mitigation-rationale", max_length=2000)
        yield Checkbox("Hotfix approved by the incident commander", id="hotfix-approved")

    def on_mount(self) -> None:
        options = self.query_one("#mitigation-strategy", OptionList)
        if self.recommendation is not None:
            options.highlighted = list(STRATEGY_PROFILE).index(self.recommendation.recommended)
        options.focus()

    def collect(self) -> MitigationChoice:
        strategy = self.chosen("mitigation-strategy")
        if strategy is None:
            raise FormError("Pick a strategy.")
        plan = self.query_one("#rollback-plan", Input).value.strip()
        if not plan:
            raise FormError("Write the rollback plan: how to undo this if it makes things worse.")
        chosen = MitigationStrategy(strategy)
        approved = self.query_one("#hotfix-approved", Checkbox).value
        if chosen is MitigationStrategy.HOTFIX and not approved:
            raise FormError("A hotfix needs approval: tick the approval box once the commander agrees.")
        recommended = self.recommendation.recommended.value if self.recommendation else ""
        rationale = self.query_one("#mitigation-rationale", Input).value.strip()
        return MitigationChoice(chosen, plan, rationale, recommended, approved)
