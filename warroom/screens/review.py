"""``warroom review ID``: the panes read-only, plus the post-incident review editor.

Pick a section (what went well, what could improve, lessons, …), edit it, and
``Ctrl+S`` records a ``ReviewUpdated`` for each changed section; action items
are added with an owner, a due date and a horizon. Every save re-exports the
record. Nothing here needs the network or an API key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, time, timezone

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, OptionList, Select, TextArea
from textual.widgets.option_list import Option

from warroom.data import events as ev
from warroom.data.export.sections import REVIEW_SECTIONS
from warroom.data.models import ActionStatus, Horizon
from warroom.data.text import strip_control
from warroom.screens.decisions import export_now
from warroom.screens.messages import IncidentRefreshed
from warroom.screens.view_only import view_only
from warroom.screens.war_room import WarRoomScreen

__all__ = ["ReviewScreen", "parse_due"]

#: What the review records or writes (disabled in a read-only app, like the war room's decisions).
REVIEW_ACTIONS = {"save_review", "add_action", "advance_action", "export"}

HORIZONS = (("Immediate (1 week)", Horizon.IMMEDIATE.value), ("Short term (1 month)", Horizon.SHORT_TERM.value),
            ("Long term (3 months)", Horizon.LONG_TERM.value))  # fmt: skip


def parse_due(text: str) -> datetime | None:
    """``YYYY-MM-DD`` as the end of that day in UTC; blank is no due date."""
    text = text.strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ValueError(f"due date {text[:20]!r}: use YYYY-MM-DD") from exc
    return datetime.combine(day, time(23, 59), tzinfo=timezone.utc)


class ReviewScreen(WarRoomScreen):
    """The war room, read-only, with the review editor below it."""

    BINDINGS = [
        Binding("ctrl+s", "save_review", "Save review", tooltip="Record the changed sections and re-export", id="save-review"),
        Binding("ctrl+n", "add_action", "Add action", tooltip="Add the action item typed below", id="add-action-item"),
        Binding("ctrl+t", "advance_action", "Action status", tooltip="Move the highlighted action item on: open → in progress → done", id="advance-action-item"),
        # Ctrl+R, not Ctrl+E: the editor and the inputs keep Ctrl+E for end of line
        Binding("ctrl+r", "export", "Export", tooltip="Re-export the markdown record", id="export-record"),
        Binding("q", "leave", "Quit", tooltip="Leave the review (asks first when edits are not saved)", id="quit"),
    ]  # fmt: skip
    FIRST_FOCUS = "#review-text"  # typing starts in the editor; single-letter keys type there

    def __init__(self, incident_id: str) -> None:
        super().__init__(incident_id, read_only=True)
        self.section = REVIEW_SECTIONS[0].key
        self.drafts: dict[str, str] = {}
        self._action_rows: list[tuple[str, ...]] = []

    def compose_extra(self) -> ComposeResult:
        with Vertical(id="review-editor") as editor:
            editor.border_title = "Post-incident review (Ctrl+S saves, Ctrl+Q leaves)"
            with Horizontal():
                yield OptionList(*[Option(s.title, id=s.key) for s in REVIEW_SECTIONS], id="review-sections")
                yield TextArea(id="review-text", soft_wrap=True)
            yield Label("Action items (Ctrl+N adds):", classes="form-help")
            table: DataTable[str] = DataTable(id="action-items", cursor_type="row")
            table.add_columns("ID", "Action", "Owner", "Due", "Horizon", "Status")
            yield table
            with Horizontal(classes="action-row"):
                yield Input(placeholder="action item", id="action-title", max_length=2000)
                yield Input(placeholder="owner", id="action-owner", max_length=200)
                yield Input(placeholder="due YYYY-MM-DD", id="action-due", max_length=10)
                yield Select(HORIZONS, id="action-horizon", allow_blank=False, value=Horizon.SHORT_TERM.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in REVIEW_ACTIONS and view_only(self):
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        super().on_mount()
        if view_only(self):  # a watcher reads the review; typing in it would only be lost
            self.query_one("#review-text", TextArea).read_only = True
            for field in self.query("#review-editor Input, #review-editor Select"):
                field.disabled = True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != "review-sections" or event.option.id is None:
            return
        event.stop()
        area = self.query_one("#review-text", TextArea)
        self.drafts[self.section] = area.text
        self.section = event.option.id
        stored = self.state.review.get(self.section, "") if self.state else ""
        area.load_text(self.drafts.get(self.section, stored))

    def on_incident_refreshed(self, message: IncidentRefreshed) -> None:
        super().on_incident_refreshed(message)
        if self.state is None:
            return
        area = self.query_one("#review-text", TextArea)
        if self.section not in self.drafts and not area.text:
            area.load_text(self.state.review.get(self.section, ""))
        table = self.query_one("#action-items", DataTable)
        rows = [(a.item_id, strip_control(a.title), strip_control(a.owner) or "—",
                 a.due.strftime("%Y-%m-%d") if a.due else "—", a.horizon.value, a.status.value)
                for a in self.state.actions.values()]  # fmt: skip
        if rows != self._action_rows:
            self._action_rows = rows
            cursor = table.cursor_row
            table.clear()
            for row in rows:
                table.add_row(*row)
            if rows:
                table.move_cursor(row=min(cursor, len(rows) - 1))

    def _changed_sections(self) -> dict[str, str]:
        """Each section whose text (the open one's as it is in the editor) differs from the recorded review."""
        if self.state is None:
            return {}
        drafts = {**self.drafts, self.section: self.query_one("#review-text", TextArea).text}
        return {k: v.strip() for k, v in drafts.items() if v.strip() != self.state.review.get(k, "").strip()}

    def unsaved(self) -> list[str]:
        """The titles of the sections edited and not saved, then the action item typed and not added."""
        titles = {s.key: s.title for s in REVIEW_SECTIONS}
        found = [titles.get(k, k) for k in self._changed_sections()]
        if self.query_one("#action-title", Input).value.strip():
            found.append("the action item typed below (Ctrl+N adds it)")
        return found

    def action_leave(self) -> None:
        """``q`` (when no text field has focus): leave the review, after asking if edits would be lost."""
        self.leave_then(self.app.action_quit_war_room)

    def leave_then(self, leave: Callable[[], object]) -> None:
        """Call ``leave`` now when nothing is unsaved, else once the person confirms dropping the edits."""
        unsaved = self.unsaved()
        if not unsaved:
            leave()
            return
        from warroom.screens.modals.discard import DiscardEditsModal

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.drafts.clear()
                leave()

        self.app.push_screen(DiscardEditsModal(unsaved), answered)

    def action_save_review(self) -> None:
        if self.state is None:
            return
        changed = self._changed_sections()
        if not changed:
            self.notify("Nothing changed in the review.")
            return
        self.save_and_export(changed)

    @work(group="review", exit_on_error=False)
    async def save_and_export(self, changed: dict[str, str]) -> None:
        build = lambda: [self._event(ev.ReviewUpdated, section=k, text=v) for k, v in changed.items()]  # noqa: E731
        if await self.record(build, "Review saved.").wait():
            self.drafts.clear()
            await export_now(self)

    def action_add_action(self) -> None:
        title = self.query_one("#action-title", Input).value.strip()
        if not title:
            self.notify("Type the action item first.", severity="warning")
            return
        try:
            due = parse_due(self.query_one("#action-due", Input).value)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        owner = self.query_one("#action-owner", Input).value.strip()
        horizon = Horizon(str(self.query_one("#action-horizon", Select).value))
        item_id = f"AI-{len(self.state.actions) + 1 if self.state else 1}-{secrets.token_hex(2)}"
        self.add_action_item(ev.ActionItemAdded, dict(item_id=item_id, title=title, owner=owner, due=due,
                                                      horizon=horizon, source="review"))  # fmt: skip

    @work(group="review", exit_on_error=False)
    async def add_action_item(self, cls: type[ev.BaseEvent], fields: dict) -> None:  # type: ignore[type-arg]
        if await self.record(lambda: [self._event(cls, **fields)], "Action item added.").wait():
            for field in ("#action-title", "#action-owner", "#action-due"):
                self.query_one(field, Input).value = ""
            await export_now(self)

    def action_advance_action(self) -> None:
        table = self.query_one("#action-items", DataTable)
        if self.state is None or not table.row_count:
            self.notify("No action item to update.")
            return
        item_id = str(table.get_row_at(table.cursor_row)[0])
        item = self.state.actions.get(item_id)
        if item is None:
            return
        following = {ActionStatus.OPEN: ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS: ActionStatus.DONE}
        status = following.get(item.status)
        if status is None:
            self.notify(f"{item_id} is already {item.status.value.replace('_', ' ')}.")
            return
        self.add_action_item(ev.ActionItemUpdated, {"item_id": item_id, "status": status})

    def action_export(self) -> None:
        self.export_record()

    @work(group="review", exit_on_error=False)
    async def export_record(self) -> None:
        await export_now(self)
