"""Which playbook drives an incident: the one it was started with, recorded as ``playbook.started``.

``warroom open ID`` and ``warroom run ID`` without ``--playbook``, and Enter on the
incident list, reopen the recorded playbook (and so its pending gate); an explicit
``--playbook`` naming a different one for a started incident is refused with a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.agents.playbook import Playbook, PlaybookError, builtin_playbooks, load_playbook
from warroom.data.models import Incident

__all__ = ["PlaybookMismatch", "choose_playbook", "orchestrator_for_incident", "playbook_reference", "started_playbook"]


class PlaybookMismatch(ValueError):
    """An explicit playbook that is not the one the incident was started with."""

    def __init__(self, incident: Incident, requested: str) -> None:
        super().__init__(f"{incident.incident_id} was started with the {incident.playbook} playbook; it cannot be "
                         f"run with {requested} (leave out --playbook to carry on with {incident.playbook})")  # fmt: skip
        self.incident_id, self.started, self.requested = incident.incident_id, incident.playbook, requested


def playbook_reference(book: Playbook) -> str:
    """How to load ``book`` again: its name when loading by name finds the same file, else its file's path."""
    try:
        same = load_playbook(book.name).source == book.source
    except PlaybookError:
        same = False
    return book.name if same or not book.source else str(Path(book.source).expanduser().resolve())


def started_playbook(incident: Incident) -> str:
    """The reference of the playbook the incident was started with ("" when none has run).

    An incident recorded before ``playbook.started`` existed is matched by its runs' steps.
    """
    if incident.playbook_source:
        return incident.playbook_source
    steps = {run.step_id for run in incident.runs.values()}
    if not steps:
        return ""
    for name in builtin_playbooks():
        if steps <= {s.id for s in load_playbook(name).steps}:
            return name
    return ""


def choose_playbook(incident: Incident, requested: str | Path | None, default: str | None = None) -> Playbook | None:
    """The playbook to drive ``incident``: ``requested`` (refused if it differs from the started one),
    else the started one, else ``default`` (None: no playbook)."""
    started = started_playbook(incident)
    if requested:
        book = load_playbook(requested)
        if started and book.name != (incident.playbook or load_playbook(started).name):
            raise PlaybookMismatch(incident, book.name)
        return book
    if started:
        return load_playbook(started)
    return load_playbook(default) if default else None


async def orchestrator_for_incident(
    store: Any, incident_id: str, *, requested: Playbook | str | None = None, backend: Callable[[], Any],
    policy: Any = None,
    now: Callable[[], datetime] | None = None, operator: str = "", roster: Any = None, evidence_root: Path | None = None,
    **extra: Any,
) -> Any:  # fmt: skip
    """The orchestrator that reopens ``incident_id``: ``requested``, else the playbook it was started with
    (None when there is neither, or the incident is closed and nothing was asked for). ``backend`` builds
    the agent backend, only when there is a playbook to run."""
    from warroom.agents.orchestrator import Orchestrator
    from warroom.data.models import Status
    from warroom.data.policy import DEFAULT_POLICY

    incident = await store.load(incident_id)
    if isinstance(requested, Playbook):
        book: Playbook | None = requested
        choose_playbook(incident, requested.source or requested.name)  # refused if it is not the started one
    else:
        book = choose_playbook(incident, requested)
        if book is not None and not requested and incident.status is Status.CLOSED:
            return None  # a closed incident's playbook has nothing left to run
    if book is None:
        return None
    if now is not None:
        extra["now"] = now
    return Orchestrator(store, incident_id, book, backend(), policy=policy or DEFAULT_POLICY, operator=operator,
                        roster=roster, evidence_root=evidence_root, **extra)  # fmt: skip
