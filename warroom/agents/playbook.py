"""Playbooks as data: phases of steps, each done by an agent role, some in parallel, some gated.

A playbook is a TOML file (``warroom/agents/playbooks/itil.toml``, ``sre.toml``)
with ``[roles]``, ``[[phases]]`` and ``[[steps]]``; each step names its prompt
template (jinja2, under a ``prompts/`` folder beside the file or the built-in
one). :func:`load_playbook` finds a playbook by name (the user's
``<config dir>/playbooks/NAME.toml`` first, then the built-in one) or by path,
and refuses an invalid file with :class:`PlaybookError` naming the file, the
step and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warroom.agents.backend import Task
from warroom.data.answers import SCHEMAS
from warroom.data.models import Audience, MitigationStrategy, Severity, Status
from warroom.data.paths import NotARegularFile, read_regular_file, user_path

__all__ = [
    "BUILTIN_DIR", "Condition", "GateSpec", "Phase", "Playbook", "PlaybookError", "Step",
    "builtin_playbooks", "load_playbook", "parse_playbook", "user_playbook_dir",
]  # fmt: skip

BUILTIN_DIR = Path(__file__).resolve().parent / "playbooks"
MAX_PLAYBOOK_BYTES = 512 * 1024
MAX_TEMPLATE_BYTES = 128 * 1024
APPROVE_OPTIONS = ["approve", "decline"]
GateEffect = Literal["none", "severity", "tier", "mitigation", "publish", "resolve"]


class PlaybookError(ValueError):
    """A playbook that cannot be used; names the file, the step and the field."""

    def __init__(self, file: str, problem: str, *, step: str = "", field: str = "") -> None:
        where = file + (f": step {step!r}" if step else "") + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {problem}")
        self.file, self.step, self.field, self.problem = file, step, field, problem


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Spec):
    """When a step runs. Clauses are combined with ``mode`` ("all" or "any"); no clause = always."""

    mode: Literal["all", "any"] = "all"
    severity: list[Severity] = Field(default_factory=list)
    incident_type: list[str] = Field(default_factory=list)
    guidance: list[str] = Field(default_factory=list)  # keywords (see warroom.agents.guidance)
    security: bool | None = None
    tier_at_least: int | None = Field(default=None, ge=1, le=3)
    resolved: bool | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.severity or self.incident_type or self.guidance) and (
            self.security is None and self.tier_at_least is None and self.resolved is None
        )


class GateSpec(_Spec):
    """A human decision attached to a step: before it (whether / how it runs) or after it (on its output)."""

    kind: Literal["choose", "approve"]
    label: str = Field(default="", max_length=100)  # the gate's name on the timeline
    position: Literal["before", "after"] = "after"
    question: str = Field(min_length=1, max_length=2_000)  # jinja2 text
    options: list[str] = Field(default_factory=list)
    recommended: str = ""
    recommended_by_severity: dict[Severity, str] = Field(default_factory=dict)
    reason: str = Field(default="", max_length=2_000)  # jinja2 text: why the recommendation
    effect: GateEffect = "none"
    tier: int | None = Field(default=None, ge=2, le=3)  # effect "tier": the tier entered on approval
    audience: Audience | None = None  # effect "publish"

    def option_list(self) -> list[str]:
        return list(self.options) if self.options else list(APPROVE_OPTIONS)


class Step(_Spec):
    """One agent step."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    phase: str
    role: str
    title: str = Field(min_length=1, max_length=200)
    task: Task
    prompt: str = Field(min_length=1, max_length=300)
    reads: list[str] = Field(default_factory=list)
    artifact: str = Field(default="", max_length=300, pattern=r"^$|^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\.md$")
    parallel: str = ""
    gate: GateSpec | None = None
    condition: Condition = Condition()
    output_schema: str | None = None
    effect: Literal["none", "mitigation_executed", "action_items"] = "none"
    required: bool = False  # a failure stops the run (until re-run) instead of letting it continue


class Phase(_Spec):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    status: Status | None = None  # the incident status this phase moves to when it starts


class Playbook(_Spec):
    name: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    roles: dict[str, str]
    phases: list[Phase]
    steps: list[Step]
    source: str = ""  # the file it was loaded from
    template_dirs: list[str] = Field(default_factory=list)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def phase(self, phase_id: str) -> Phase:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    def phase_index(self, phase_id: str) -> int:
        return next((i for i, p in enumerate(self.phases) if p.id == phase_id), -1)

    def environment(self) -> SandboxedEnvironment:
        """The sandboxed jinja2 environment the step prompts render in."""
        from jinja2 import FileSystemLoader, StrictUndefined

        from warroom.agents.templating import BoundedEnvironment

        return BoundedEnvironment(
            loader=FileSystemLoader(self.template_dirs), undefined=StrictUndefined,
            autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        )  # fmt: skip


def user_playbook_dir() -> Path:
    """``<user config dir>/playbooks``: playbooks here override the built-in ones of the same name."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("warroom")) / "playbooks"


def builtin_playbooks() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def load_playbook(name_or_path: str | Path, *, user_dir: Path | None = None) -> Playbook:
    """A playbook by name (``itil``, ``sre``, or one in the user dir) or by file path."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or text.endswith(".toml")
    if looks_like_path:
        return _load_file(user_path(text, "--playbook"))
    folder = user_dir if user_dir is not None else user_playbook_dir()
    for candidate in (folder / f"{text}.toml", BUILTIN_DIR / f"{text}.toml"):
        if candidate.is_file():
            return _load_file(candidate)
    known = sorted(set(builtin_playbooks()) | {p.stem for p in folder.glob("*.toml")} if folder.is_dir() else set(builtin_playbooks()))
    raise PlaybookError(text, f"no such playbook (known: {', '.join(known)}; or give a path to a .toml file)")


def _load_file(path: Path) -> Playbook:
    name = str(path)
    try:
        raw = read_regular_file(path, MAX_PLAYBOOK_BYTES + 1)
    except NotARegularFile:
        raise PlaybookError(name, "is not a regular file (a FIFO, device or socket), so it is not read as a playbook") from None
    except FileNotFoundError:
        raise PlaybookError(name, "no such playbook file") from None
    except IsADirectoryError:
        raise PlaybookError(name, "is a directory, not a playbook file") from None
    except OSError as exc:
        raise PlaybookError(name, f"cannot read the playbook ({exc.strerror or exc})") from None
    if len(raw) > MAX_PLAYBOOK_BYTES:
        raise PlaybookError(name, f"the playbook is larger than {MAX_PLAYBOOK_BYTES // 1024} KiB")
    if b"\x00" in raw:
        raise PlaybookError(name, "is a binary file, not a TOML playbook")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlaybookError(name, f"is not UTF-8 text (bad byte at offset {exc.start})") from None
    dirs = [path.parent / "prompts"]
    if (BUILTIN_DIR / "prompts") not in dirs:
        dirs.append(BUILTIN_DIR / "prompts")
    return parse_playbook(text, name, template_dirs=dirs)


def parse_playbook(text: str, file: str = "playbook.toml", *, template_dirs: list[Path] | None = None) -> Playbook:
    """Parse and validate a playbook's TOML text; raises :class:`PlaybookError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(file, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise PlaybookError(file, "the TOML is nested too deeply to be a playbook") from None
    except RecursionError:
        raise PlaybookError(file, "not valid TOML (nested too deeply)") from None
    dirs = [str(d) for d in (template_dirs or [BUILTIN_DIR / "prompts"])]
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PlaybookError(file, "a playbook needs at least one [[steps]] table", field="steps")
    steps = [_parse_step(file, i, raw) for i, raw in enumerate(raw_steps)]
    rest = {k: v for k, v in data.items() if k != "steps"}
    try:
        playbook = Playbook(**rest, steps=steps, source=file, template_dirs=dirs)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(p) for p in error["loc"])
        raise PlaybookError(file, error["msg"], field=loc) from None
    except TypeError as exc:
        raise PlaybookError(file, f"malformed playbook ({exc})") from None
    _check(playbook, file)
    return playbook


def _parse_step(file: str, index: int, raw: Any) -> Step:
    if not isinstance(raw, dict):
        raise PlaybookError(file, f"steps[{index}] is not a table", field="steps")
    label = str(raw.get("id", f"#{index + 1}"))[:64]
    try:
        return Step(**raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(p) for p in error["loc"])
        problem = error["msg"]
        if loc == "task":
            problem = f"unknown task {raw.get('task')!r}"
        elif loc == "gate.kind":
            problem = f"unknown gate kind {raw.get('gate', {}).get('kind')!r} (use choose or approve)"
        raise PlaybookError(file, problem, step=label, field=loc) from None
    except TypeError as exc:
        raise PlaybookError(file, f"malformed step ({exc})", step=label) from None


def _check(pb: Playbook, file: str) -> None:
    phases = {p.id for p in pb.phases}
    if len(phases) != len(pb.phases):
        dup = next(p.id for i, p in enumerate(pb.phases) if p.id in {q.id for q in pb.phases[:i]})
        raise PlaybookError(file, f"duplicate phase id {dup!r}", field="phases")
    seen: dict[str, int] = {}
    env = pb.environment()
    for i, step in enumerate(pb.steps):
        def fail(problem: str, field: str, _s: Step = step) -> PlaybookError:
            return PlaybookError(file, problem, step=_s.id, field=field)

        if step.id in seen:
            raise fail(f"duplicate step id {step.id!r}", "id")
        if step.phase not in phases:
            raise fail(f"unknown phase {step.phase!r} (phases: {', '.join(sorted(phases))})", "phase")
        if pb.phase_index(step.phase) < max((pb.phase_index(pb.steps[j].phase) for j in seen.values()), default=0):
            raise fail(f"phase {step.phase!r} comes before the phase of an earlier step (keep steps in phase order)", "phase")
        if step.role not in pb.roles:
            raise fail(f"unknown role {step.role!r} (roles: {', '.join(sorted(pb.roles))})", "role")
        if step.output_schema is not None and step.output_schema not in SCHEMAS:
            raise fail(f"unknown output schema {step.output_schema!r} (known: {', '.join(SCHEMAS)})", "output_schema")
        for read in step.reads:
            if read == step.id:
                raise fail("reads itself (a cycle)", "reads")
            if read not in seen:
                later = any(s.id == read for s in pb.steps)
                raise fail(f"reads {read!r}, which comes later (a cycle)" if later else f"reads unknown step {read!r}", "reads")
            if step.parallel and pb.steps[seen[read]].parallel == step.parallel:
                raise fail(f"reads {read!r} of its own parallel group {step.parallel!r} (they run at once)", "reads")
        if step.parallel:
            prev = pb.steps[i - 1] if i else None
            if step.parallel in {pb.steps[j].parallel for j in seen.values()} and (prev is None or prev.parallel != step.parallel):
                raise fail(f"parallel group {step.parallel!r} is split by other steps (keep its steps together)", "parallel")
            if prev is not None and prev.parallel == step.parallel and prev.phase != step.phase:
                raise fail(f"parallel group {step.parallel!r} spans two phases", "parallel")
        if step.effect == "action_items" and step.output_schema != "ActionItems":
            raise fail("effect action_items needs output_schema = \"ActionItems\"", "effect")
        if step.gate is not None:
            _check_gate(step, fail)
            for field, source in (("gate.question", step.gate.question), ("gate.reason", step.gate.reason)):
                try:
                    env.parse(source)
                except TemplateSyntaxError as exc:
                    raise fail(f"bad template syntax: {exc.message}", field) from None
        _check_template(env, step, fail)
        seen[step.id] = i


def _check_gate(step: Step, fail: Any) -> None:
    gate = step.gate
    assert gate is not None
    options = gate.option_list()
    if gate.kind == "approve" and gate.options and len(gate.options) != 2:
        raise fail("an approve gate has exactly two options (approve, decline)", "gate.options")
    if gate.kind == "choose" and len(options) < 2:
        raise fail("a choose gate needs at least two options", "gate.options")
    if len(set(options)) != len(options):
        raise fail("duplicate gate option", "gate.options")
    for value in [gate.recommended, *gate.recommended_by_severity.values()]:
        if value and value not in options:
            raise fail(f"recommended {value!r} is not one of the options {options}", "gate.recommended")
    if gate.position == "before" and step.parallel:
        raise fail("a step gated before it runs cannot be in a parallel group", "gate.position")
    if gate.effect == "tier" and (gate.tier is None or gate.position != "before" or gate.kind != "approve"):
        raise fail("effect tier needs an approve gate before the step and the tier (2 or 3)", "gate.effect")
    if gate.effect == "severity" and (step.output_schema != "SeverityProposal" or gate.kind != "approve"):
        raise fail("effect severity needs an approve gate on a step with output_schema SeverityProposal", "gate.effect")
    if gate.effect == "mitigation":
        unknown = [o for o in options if o not in {m.value for m in MitigationStrategy}]
        if gate.kind != "choose" or unknown:
            raise fail(f"effect mitigation needs a choose gate over strategies (unknown: {unknown})", "gate.options")
    if gate.effect == "publish" and (gate.audience is None or gate.position != "after"):
        raise fail("effect publish needs an audience and a gate after the step", "gate.audience")
    if gate.effect in ("resolve", "publish", "severity") and gate.position != "after":
        raise fail(f"effect {gate.effect} acts on the step's output: use position = \"after\"", "gate.position")


def _check_template(env: SandboxedEnvironment, step: Step, fail: Any) -> None:
    try:
        source, filename, _ = env.loader.get_source(env, step.prompt)  # type: ignore[union-attr]
    except TemplateError:
        raise fail(f"prompt template {step.prompt!r} not found", "prompt") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"prompt template {step.prompt!r} cannot be read ({exc})", "prompt") from None
    if len(source) > MAX_TEMPLATE_BYTES:
        raise fail(f"prompt template {step.prompt!r} is larger than {MAX_TEMPLATE_BYTES // 1024} KiB", "prompt")
    try:
        env.parse(source, name=step.prompt, filename=filename)
    except TemplateSyntaxError as exc:
        raise fail(f"bad template syntax in {filename} line {exc.lineno}: {exc.message}", "prompt") from None
