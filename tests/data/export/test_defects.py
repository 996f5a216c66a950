"""``find_defects`` catches what a rendered document must never contain, and the renderer's tidy pass
removes headings an agent left empty."""

from __future__ import annotations

import pytest

from tests.data.export.conftest import ID, Timeline
from warroom.data import events as ev
from warroom.data.export import find_defects, render_incident
from warroom.data.export.render import tidy

GOOD = "# Title\n\nSome text.\n\n## Section\n\n| a | b |\n|---|---|\n| x | — |\n"


def test_a_clean_document_has_no_defects() -> None:
    assert find_defects({"a.md": GOOD}) == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("# T\n\nHello {{ name }}\n", "unrendered template syntax"),
        ("# T\n\n{% if x %}y\n", "unrendered template syntax"),
        ("# T\n\nOwner: {owner}\n", "placeholder left in"),
        ("# T\n\n**Owner**: None\n", "leaked"),
        ("# T\n\n| a | null |\n", "leaked"),
        ("# T\n\ntext  \n", "trailing whitespace"),
        ("# T\n\n## Empty\n\n## Full\n\ntext\n", "heading with no content"),
        ("# T\n\ntext\n\n## Last\n", "heading with no content"),
        ("# T\n\ntext", "exactly one newline"),
        ("", "empty"),
    ],
)
def test_each_defect_is_reported(text: str, problem: str) -> None:
    defects = find_defects({"doc.md": text})
    assert any(problem in d for d in defects), defects


def test_escaped_braces_and_code_fences_are_not_defects() -> None:
    text = "# T\n\nLiteral \\{\\{ 7*7 \\}\\} and \\{x\\}.\n\n```\n{{ quoted }}\n```\n"
    assert find_defects({"doc.md": text}) == []


def test_a_subsection_with_content_keeps_its_parent() -> None:
    assert find_defects({"doc.md": "# T\n\n## Parent\n\n### Child\n\ntext\n"}) == []


def test_tidy_drops_empty_headings_even_nested() -> None:
    assert tidy("# T\n\n## A\n\n### B\n\n## C\n\ntext\n") == "# T\n\n## C\n\ntext\n"


def test_an_agent_document_ending_in_an_empty_heading_is_tidied() -> None:
    t = Timeline()
    t.add(ev.IncidentDeclared, 0, title="x")
    t.agent(1, "r1", "tier1_response", "diagnostics/tier1-data.md", "## Findings\nDisk full.\n\n## Next steps\n\n")
    files = render_incident(t.events)
    assert find_defects(files) == []
    step = files["appendix/tier1-response.md"]  # the step's output, linked from the tier document
    assert "Next steps" not in step
    assert "Disk full." in step and ID in step
    assert "(../appendix/tier1-response.md)" in files["diagnostics/tier1-data.md"]


def test_a_reviewer_writing_none_is_not_a_leak() -> None:
    t = Timeline()
    t.add(ev.IncidentDeclared, 0, title="x")
    t.add(ev.ReviewUpdated, 1, section="impact_compliance", text="None")
    t.add(ev.ActionItemAdded, 2, item_id="A1", title="null", owner="None")
    files = render_incident(t.events)
    assert find_defects(files) == []
    assert "| Compliance | *None* |" in files["post-incident-review.md"]
