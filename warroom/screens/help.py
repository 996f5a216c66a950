"""``?``: every key of the screen underneath, with what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from warroom.screens.view_only import VIEW_ONLY_NOTICE, view_only

__all__ = ["HelpScreen", "key_table"]


def key_table(screen: Screen, key_display: object) -> Table:
    """A table of the bindings of ``screen`` and the widgets it contains."""
    table = Table(box=None, show_header=True, header_style="bold", expand=True)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    seen: set[str] = set()
    sources = [screen, *screen.query("*")]
    watching = view_only(screen)
    for node in sources:
        for binding in getattr(node, "BINDINGS", []):
            if not isinstance(binding, Binding) or binding.id in seen or not binding.description:
                continue
            if watching and node.check_action(binding.action, ()) is False:
                continue  # a read-only view lists only the keys that work in it
            seen.add(binding.id or binding.action)
            key = key_display(binding) if callable(key_display) else binding.key
            table.add_row(str(key), binding.tooltip or binding.description)
    table.add_row("Ctrl+P", "Command palette: every command by name")
    table.add_row("Tab / Shift+Tab", "Move between panes and fields")
    if watching:
        table.add_row("", VIEW_ONLY_NOTICE)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the war room (or whichever screen opened it)."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", tooltip="Close the help", id="help-close"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys (Escape closes)"
            yield Static(key_table(self.under, self.app.get_key_display))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
