"""Hostile text in every input the export renders comes out inert: no broken tables, no HTML,
no evaluated template syntax, no terminal escapes, no secrets."""

from __future__ import annotations

import re

import pytest

from tests.data.export import rendered
from tests.data.export.conftest import T0, Timeline, at
from warroom.data import events as ev
from warroom.data.export import find_defects, render_incident
from warroom.data.export.markdown import cell, document, inline, paragraphs
from warroom.data.models import Audience, Horizon, MitigationStrategy, NormalisedAlert, Severity

SECRET_TOKEN = "ghp_" + "a1B2" * 9
HOSTILE = (
    "pipe | break\n# heading\n<script>alert(1)</script> <img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}x{% endraw %} "
    "{#c#} {placeholder} `tick` [click](javascript:alert(1)) ![px](http://evil/p.gif) \x1b[31mred\x1b[0m \x1b]0;evil title\x07 \x1b]8;;http://evil\x1b\\link\u202e "
    f"AKIAIOSFODNN7EXAMPLE password=hunter2 {SECRET_TOKEN} postgres://u:s3cr3tpw@db/x"
)
ONE_LINE = HOSTILE.replace("\n", " ")


def hostile_events() -> list[ev.BaseEvent]:
    t = Timeline()
    alert = NormalisedAlert(source="alertmanager", fingerprint="f1", title=ONE_LINE, severity=Severity.P1,
                            service=ONE_LINE, labels={"x": ONE_LINE})  # fmt: skip
    t.add(ev.IncidentDeclared, 0, ONE_LINE[:200], title=ONE_LINE[:500], summary=HOSTILE, category=ONE_LINE[:200],
          service=ONE_LINE[:200], reporter=ONE_LINE[:200], detected_at=T0, severity=Severity.P1, guidance=HOSTILE)  # fmt: skip
    t.add(ev.AlertReceived, 1, alert=alert)
    t.add(ev.PhaseChanged, 1, phase="p1", title="Phase: {{ 7*7 }} | # x")
    t.add(ev.NoteAdded, 2, ONE_LINE[:200], text=HOSTILE)
    t.add(ev.EvidenceAttached, 2, evidence_id="e1", path="logs/app.log", name=ONE_LINE[:200], evidence_kind="log")
    t.agent(3, "r1", "tier1_response", "diagnostics/tier1-data.md", HOSTILE + "\n```\n{{ in code }}\n")
    t.agent(5, "r2", "five_whys", "root-cause-analysis.md", HOSTILE,
            {"problem": HOSTILE, "whys": [{"question": HOSTILE, "answer": HOSTILE,
                                           "evidence": [{"source": HOSTILE, "detail": HOSTILE}]}],
             "root_cause": HOSTILE})  # fmt: skip
    t.agent(7, "r3", "rogue", "../../etc/passwd.md", HOSTILE)  # an artifact path that would escape
    t.agent(9, "r4", "observability", "diagnostics/{{x}}.md", HOSTILE)
    t.add(ev.TierEscalated, 10, tier=2, reason=HOSTILE)
    t.add(ev.DecisionTaken, 11, decision_id="d1", gate="mitigation | {{ gate }}", choice="rollback",
          options=["rollback", "hotfix"], rationale=HOSTILE)  # fmt: skip
    t.add(ev.MitigationExecuted, 12, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded", details=HOSTILE,
          validation={ONE_LINE[:100]: HOSTILE})  # fmt: skip
    t.add(ev.StatusUpdatePublished, 13, audience=Audience.STATUS_PAGE, text=HOSTILE)
    t.add(ev.ManagementNotified, 13, reason=HOSTILE, message=HOSTILE)
    t.add(ev.IncidentResolved, 20, resolution=HOSTILE, validation={"k": HOSTILE})
    t.add(ev.ActionItemAdded, 21, item_id="A1", title=HOSTILE[:2000], owner="=cmd|' /C calc'!A0",
          due=at(60 * 24), horizon=Horizon.IMMEDIATE)  # fmt: skip
    for section in ("summary", "went_well", "lessons_process", "impact_users", "x|{{ 7*7 }}"):
        t.add(ev.ReviewUpdated, 22, section=section, text=HOSTILE)
    return t.events


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_incident(hostile_events())


def test_no_defects_and_nothing_outside_the_set(files: dict[str, str]) -> None:
    assert find_defects(files) == []
    assert all(".." not in path and not path.startswith("/") for path in files)
    assert "agent-outputs.md" in files  # the escaping and the templated artifact paths land in one safe file
    assert "pipe" in files["agent-outputs.md"]


def test_no_html_no_escape_sequences_no_secrets(files: dict[str, str]) -> None:
    for path, text in files.items():
        if path.endswith(".md"):  # the CSV is data for a tracker, never rendered as HTML
            assert rendered.html(text) == [], path
            assert not [t for t in rendered.links(text) if "javascript:" in t or "evil" in t], path
            assert "&lt;" not in text and "&amp;" not in text, path  # escaped with backslashes, never entities
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, path
        for secret in ("AKIAIOSFODNN7EXAMPLE", "hunter2", SECRET_TOKEN, "s3cr3tpw"):
            assert secret not in text, (path, secret)


def test_template_syntax_is_literal_never_evaluated(files: dict[str, str]) -> None:
    joined = "\n".join(files.values())
    assert "\\{\\{ 7*7 \\}\\}" in joined  # shown as {{ 7*7 }} by any markdown renderer
    assert not re.search(r"(?<![\d,.])49(?![\d,.])", joined)  # 7*7 was never computed
    assert "\\{% raw %\\}x\\{% endraw %\\}" in joined
    assert "{{ in code }}" in files["appendix/tier1-response.md"]  # literal inside a closed code fence
    assert files["appendix/tier1-response.md"].rstrip().endswith("```")


def test_tables_keep_their_shape(files: dict[str, str]) -> None:
    for path, text in files.items():
        if not path.endswith(".md"):
            continue
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if line.startswith("|") and index + 1 < len(lines) and re.match(r"^\|[-| ]+\|$", lines[index + 1]):
                width = len(re.findall(r"(?<!\\)\|", line))
                for row in lines[index + 2 :]:
                    if not row.startswith("|"):
                        break
                    assert len(re.findall(r"(?<!\\)\|", row)) == width, (path, row)


def test_no_injected_headings(files: dict[str, str]) -> None:
    """Human text never makes a heading; an agent document keeps its own, nested under ours (level 3+)."""
    for path, text in files.items():
        assert not re.search(r"^#{1,2} heading", text, flags=re.M), path
    assert "\\# heading" in files["post-incident-review.md"]  # the review summary's "# heading" is literal


def test_csv_cells_cannot_run_formulas(files: dict[str, str]) -> None:
    row = files["preventive-actions.csv"].splitlines()[1]
    assert ",'=cmd|" in row
    assert "\n" not in files["preventive-actions.csv"].rstrip("\n").split("\n", 1)[1]  # one row, no embedded newline


@pytest.mark.parametrize("fn", [inline, cell, paragraphs, document])
def test_escapers_handle_binary_and_huge_text(fn) -> None:  # type: ignore[no-untyped-def]
    binary = bytes(range(256)).decode("latin-1") * 40
    out = fn(binary + "x" * 200_000)
    assert "\x00" not in out and "\x1b" not in out
    assert rendered.html(out) == []


def test_cell_bounds_length_and_never_empty() -> None:
    assert len(cell("y" * 5000)) <= 1000
    assert cell("") == "—" and cell(None) == "—"


def test_batched_redaction_equals_one_value_at_a_time() -> None:
    from warroom.data.export.markdown import clean, memo, prime

    key = "MIIEowIBAAKCAQEA" + "x" * 40
    values = [HOSTILE, f"-----BEGIN RSA PRIVATE KEY-----\n{key}", f"{key}\n-----END RSA PRIVATE KEY-----",
              "password=hunter2", "Cookie: session=abc123", "plain text", "", "token: a\x00b"]  # fmt: skip
    alone = [clean(v) for v in values]
    with memo():
        prime(values)
        batched = [clean(v) for v in values]
    assert batched == alone
    assert all("hunter2" not in v and "abc123" not in v for v in batched)
    assert key not in batched[1]  # the key block after its BEGIN line
