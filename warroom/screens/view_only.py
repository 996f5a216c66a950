"""The read-only view (``warroom serve`` without ``--allow-decisions``): how a screen knows it is one.

The flag lives on the app (:attr:`warroom.app.app.WarroomApp.read_only`). Screens honour it in
``check_action`` (a disabled key does nothing, leaves the footer and the command palette), and the
decision paths that every key and modal end in (``record``, ``take``) refuse it as well, so a
decision cannot be recorded from a read-only view by any route.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VIEW_ONLY_NOTICE", "view_only"]

#: What a watcher is told when something would have recorded a decision.
VIEW_ONLY_NOTICE = "This is a read-only view: decisions are taken in the terminal (warroom open ID)."


def view_only(node: Any) -> bool:
    """Whether ``node`` (a screen or widget) runs in a read-only app; ``False`` outside a running app."""
    try:
        app = node.app
    except Exception:  # no active app (a screen built before the app runs): nothing is being viewed yet
        return False
    return bool(getattr(app, "read_only", False))
