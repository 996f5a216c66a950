"""The program's entry point (``warroom`` and ``python -m warroom``).

Start-up allocates hundreds of thousands of objects (Textual, pydantic, the
event classes) that live as long as the process; the cyclic garbage collector
would scan them again and again while they import (~40 ms of a 0.5 s first
frame). It is paused here, before any of them import, and resumed by the CLI
before a command runs, or by the war room after its first frame, with what
start-up made frozen out of later collections. Tests call ``warroom.app.cli.main``
directly and are not affected.
"""

from __future__ import annotations

import gc

__all__ = ["main", "pause_gc", "resume_gc"]

_paused = False


def pause_gc() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Turn the collector back on (once; a no-op unless :func:`pause_gc` paused it)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()  # the modules, classes and config start-up made stay for the whole session
        gc.enable()


def main() -> int:
    pause_gc()
    try:
        from warroom.app.cli import main as cli_main

        return cli_main()
    finally:
        resume_gc()
