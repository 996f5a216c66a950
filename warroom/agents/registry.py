"""Agent backends by name: ``offline`` (the built-in investigator) and ``anthropic`` (Claude).

Backends are imported lazily (``anthropic`` takes over a second to import) and
built from the :class:`~warroom.data.config.Config`. :func:`register_backend`
adds another factory in-process (tests, embedding).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from warroom.agents.backend import Backend

__all__ = ["BackendUnavailable", "available_backends", "get_backend", "register_backend"]


class BackendUnavailable(ValueError):
    """A backend name that is unknown or whose module is missing."""


def _offline(config: Any) -> Backend:
    module = importlib.import_module("warroom.agents.offline.backend")
    return module.OfflineInvestigator()


def _anthropic(config: Any) -> Backend:
    module = importlib.import_module("warroom.agents.anthropic_backend")
    return module.AnthropicBackend(config)


_FACTORIES: dict[str, Callable[[Any], Backend]] = {"offline": _offline, "anthropic": _anthropic}


def register_backend(name: str, factory: Callable[[Any], Backend]) -> None:
    """Make ``factory(config)`` available as backend ``name``."""
    _FACTORIES[name] = factory


def available_backends() -> list[str]:
    return sorted(_FACTORIES)


def get_backend(name: str, config: Any = None) -> Backend:
    """The backend called ``name``, built from ``config``; raises :class:`BackendUnavailable`."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise BackendUnavailable(f"unknown backend {name!r} (available: {', '.join(available_backends())})")
    try:
        return factory(config)
    except ImportError as exc:
        raise BackendUnavailable(f"the {name} backend is not available in this installation ({exc})") from exc
