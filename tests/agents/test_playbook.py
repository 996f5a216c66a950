"""Playbooks as data: the built-in ones load, user overrides win, invalid files are refused precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.agents.backend import Task
from warroom.agents.playbook import PlaybookError, builtin_playbooks, load_playbook, parse_playbook
from warroom.agents.plan import stages

MINIMAL = """
name = "mini"
title = "Minimal"
[roles]
responder = "Responder"
[[phases]]
id = "one"
title = "One"
[[phases]]
id = "two"
title = "Two"
[[steps]]
id = "record"
phase = "one"
role = "responder"
title = "Record"
task = "incident_record"
prompt = "itil/incident_record.j2"
[[steps]]
id = "alert"
phase = "two"
role = "responder"
title = "Alert"
task = "initial_alert"
prompt = "itil/initial_alert.j2"
reads = ["record"]
"""


def test_builtin_playbooks_load_with_their_seed_shape() -> None:
    assert {"itil", "sre"} <= set(builtin_playbooks())
    itil = load_playbook("itil")
    assert [p.id for p in itil.phases] == [
        "detection", "triage", "functional_escalation", "hierarchical_escalation", "root_cause", "mitigation", "review",
    ]  # fmt: skip
    groups = {tuple(s.id for s in stage) for stage in stages(itil) if len(stage) > 1}
    assert ("impact_assessment", "urgency_assessment") in groups
    assert ("five_whys", "contributing_factors") in groups
    gate = itil.step("mitigation_recommendation").gate
    assert gate is not None and gate.kind == "choose" and len(gate.options) == 5
    assert itil.step("tier2_response").gate.position == "before"  # type: ignore[union-attr]
    sre = load_playbook("sre")
    assert len(sre.phases) == 5 and len(sre.steps) == 13
    assert {s.task for s in sre.steps} >= {Task.SECURITY_ASSESSMENT, Task.PERFORMANCE_ANALYSIS, Task.FIX_DESIGN}


def test_minimal_playbook_parses() -> None:
    playbook = parse_playbook(MINIMAL, "mini.toml")
    assert [s.id for s in playbook.steps] == ["record", "alert"]


def _broken(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "step", "field", "words"),
    [
        (_broken('task = "initial_alert"', 'task = "make_coffee"'), "alert", "task", "unknown task 'make_coffee'"),
        (_broken('role = "responder"\ntitle = "Alert"', 'role = "wizard"\ntitle = "Alert"'), "alert", "role", "unknown role 'wizard'"),
        (_broken('id = "alert"', 'id = "record"'), "record", "id", "duplicate step id"),
        (_broken('reads = ["record"]', 'reads = ["nothing"]'), "alert", "reads", "unknown step 'nothing'"),
        (_broken('reads = ["record"]', 'reads = ["alert"]'), "alert", "reads", "reads itself"),
        (_broken('prompt = "itil/incident_record.j2"', 'prompt = "itil/incident_record.j2"\nreads = ["alert"]'),
         "record", "reads", "comes later (a cycle)"),
        (_broken('phase = "two"', 'phase = "three"'), "alert", "phase", "unknown phase 'three'"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "nope/missing.j2"'), "alert", "prompt", "not found"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\noutput_schema = "Horoscope"'),
         "alert", "output_schema", "unknown output schema"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\ngate = { kind = "vote", question = "q" }'),
         "alert", "gate.kind", "unknown gate kind 'vote'"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\ngate = { kind = "choose", question = "q", options = ["a", "b"], recommended = "c" }'),
         "alert", "gate.recommended", "not one of the options"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\ngate = { kind = "approve", question = "{{ broken" }'),
         "alert", "gate.question", "bad template syntax"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\ngate = { kind = "approve", question = "q", effect = "severity" }'),
         "alert", "gate.effect", "SeverityProposal"),
        (_broken('prompt = "itil/initial_alert.j2"', 'prompt = "itil/initial_alert.j2"\ncolour = "red"'), "alert", "colour", "Extra inputs"),
        (_broken('id = "alert"', 'id = "Alert Step!"'), "Alert Step!", "id", "pattern"),
    ],
)
def test_invalid_playbooks_are_refused_naming_file_step_and_field(text: str, step: str, field: str, words: str) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "broken.toml")
    error = caught.value
    assert error.file == "broken.toml" and error.step == step and error.field == field, str(error)
    assert words in str(error) and str(error).startswith("broken.toml: step")


def test_parallel_group_must_stay_together() -> None:
    text = MINIMAL.replace('task = "incident_record"', 'task = "incident_record"\nparallel = "g"').replace(
        'reads = ["record"]', 'parallel = "g"\nreads = []'
    )
    with pytest.raises(PlaybookError, match="spans two phases"):
        parse_playbook(text, "p.toml")


def test_bad_template_syntax_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "mine.j2").write_text("line one\n{% if incident %}\nno endif\n")
    (tmp_path / "mine.toml").write_text(MINIMAL.replace('"itil/initial_alert.j2"', '"mine.j2"'))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(tmp_path / "mine.toml")
    assert caught.value.step == "alert" and caught.value.field == "prompt"
    assert "mine.j2 line" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"name = \"x\"\n[[steps]\n", "not valid TOML"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"name = \"\xff\xfe\"", "not UTF-8"),
        (b"# " + b"x" * (600 * 1024), "larger than"),
        (b"name = \"x\"\ntitle = \"y\"\n", "at least one"),
        (b"steps = 5", "at least one"),
        (b"steps = [1, 2]", "is not a table"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(PlaybookError, match=words) as caught:
        load_playbook(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_unknown_name() -> None:
    with pytest.raises(PlaybookError, match="no such playbook file"):
        load_playbook("/nonexistent/dir/x.toml")
    with pytest.raises(PlaybookError, match="known: itil, sre"):
        load_playbook("cobol", user_dir=Path("/nonexistent"))


def test_user_directory_overrides_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "itil.toml").write_text(MINIMAL.replace('name = "mini"', 'name = "itil"'))
    mine = load_playbook("itil", user_dir=tmp_path)
    assert len(mine.steps) == 2 and mine.source == str(tmp_path / "itil.toml")
    assert len(load_playbook("itil", user_dir=tmp_path / "empty").steps) == 24


def test_user_playbook_uses_its_own_prompts_then_the_builtin_ones(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "mine.j2").write_text("Custom prompt for {{ incident.incident_id }}\n")
    (tmp_path / "custom.toml").write_text(MINIMAL.replace('"itil/initial_alert.j2"', '"mine.j2"'))
    playbook = load_playbook(str(tmp_path / "custom.toml"))
    assert playbook.step("alert").prompt == "mine.j2"
    assert playbook.template_dirs[0] == str(tmp_path / "prompts")


def test_deeply_nested_toml_is_refused() -> None:
    with pytest.raises(PlaybookError, match="nested too deeply"):
        parse_playbook("steps = " + "[" * 5000 + "]" * 5000, "deep.toml")
