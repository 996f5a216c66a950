"""Rendering a playbook's templates with limits: a custom template cannot hang, flood or crash a step.

Playbook templates are user files. They render in jinja2's sandbox (no attribute access to
internals, ``range`` capped at 100,000 items), and here, additionally:

* within :data:`RENDER_SECONDS`: the deadline is checked at every call the template makes
  (``range``, filters, macros) and between output chunks, so nested loops stop;
* within :data:`RENDER_CHARS` of output;
* any exception a template raises (``{{ 1/0 }}``, a macro or include that calls itself) becomes a
  :class:`jinja2.TemplateError` naming what happened, which callers report with the step and
  template, never a traceback.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["BoundedEnvironment", "RENDER_CHARS", "RENDER_SECONDS", "render_bounded"]

RENDER_SECONDS = 2.0
RENDER_CHARS = 400_000

_DEADLINE: ContextVar[float] = ContextVar("warroom_template_deadline", default=0.0)


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the render deadline checked at every call a template makes."""

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja2's signature
        deadline = _DEADLINE.get()
        if deadline and time.monotonic() > deadline:
            raise TemplateError(f"took longer than {RENDER_SECONDS:g} s to render (a loop too long?)")
        return super().call(__context, __obj, *args, **kwargs)


def render_bounded(template: Template, context: dict[str, Any], *, seconds: float = RENDER_SECONDS,
                   max_chars: int = RENDER_CHARS) -> str:
    """``template`` rendered with ``context`` within ``seconds`` and ``max_chars``; else TemplateError."""
    deadline = time.monotonic() + seconds
    token = _DEADLINE.set(deadline)
    parts: list[str] = []
    size = 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateError(f"rendered more than {max_chars:,} characters")
            if time.monotonic() > deadline:
                raise TemplateError(f"took longer than {seconds:g} s to render (a loop too long?)")
            parts.append(chunk)
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError("recursed too deep (a macro or include that calls itself)") from None
    except Exception as exc:  # noqa: BLE001 - a user template may raise anything; it is reported, not crashed on
        raise TemplateError(f"raised {type(exc).__name__}: {str(exc)[:200]}") from None
    finally:
        _DEADLINE.reset(token)
    return "".join(parts)
