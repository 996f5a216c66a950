"""The command palette: every key of the current screen, by its description, when it applies."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["WarRoomCommands"]


class WarRoomCommands(Provider):
    """Offers the screen's bindings (acknowledge, escalate, …) that are enabled right now."""

    def _bindings(self) -> list[Binding]:
        screen = self.screen
        seen: set[str] = set()
        found = []
        for binding in [*getattr(screen, "BINDINGS", []), *getattr(self.app, "BINDINGS", [])]:
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            action = binding.action.split(".", 1)[-1]
            if screen.check_action(action, ()) is False:
                continue
            seen.add(binding.action)
            found.append(binding)
        return found

    def _run(self, binding: Binding) -> None:
        target = self.app if binding.action.startswith("app.") else self.screen
        self.app.call_later(target.run_action, binding.action.split(".", 1)[-1])

    def _label(self, binding: Binding) -> str:
        return f"{binding.description} ({self.app.get_key_display(binding)})"

    async def discover(self) -> Hits:
        for binding in self._bindings():
            yield DiscoveryHit(self._label(binding), partial(self._run, binding), help=binding.tooltip)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for binding in self._bindings():
            label = self._label(binding)
            score = max(matcher.match(label), matcher.match(binding.tooltip))
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._run, binding), text=label, help=binding.tooltip)
