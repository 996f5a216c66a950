"""Every exported file rendered by a CommonMark renderer (markdown-it-py) shows the source values exactly.

Values full of markdown syntax (pipes, backticks, emphasis, HTML, entities,
template braces, link syntax) go into every kind of place the export prints
text: table cells, code spans, list items and paragraphs. Rendered, each
occurrence reads exactly as the source; no table is broken, no HTML or link is
made, and the raw files hold no HTML entities.
"""

from __future__ import annotations

import re

import pytest

from tests.data.export import rendered
from tests.data.export.conftest import T0, Timeline, at
from warroom.data import events as ev
from warroom.data.export import render_incident
from warroom.data.export.markdown import cell, cell_code, code, inline
from warroom.data.models import Audience, Horizon, MitigationStrategy, NormalisedAlert, Role, Severity

#: Markdown syntax of every kind between two markers that markdown leaves alone.
TRICKY = "⟦a | b `c|d` e\\f *g* _h_ <i> &amp; &#169; {{ j }} {k} [l](m) ![n](o) ~~p~~ # q⟧"
#: What a citation holds: backticks (a run of two included), pipes, braces, angle brackets.
CODE = "⟦x ``y`` z | w {ns=\"shop\"} <u> &amp; \\v⟧"
PIECE = re.compile(r"⟦[^⟧]*⟧")


def tricky_events() -> list[ev.BaseEvent]:
    t = Timeline()
    alert = NormalisedAlert(source="alertmanager", fingerprint="f1", title=TRICKY, severity=Severity.P1,
                            started_at=T0, service=TRICKY)  # fmt: skip
    t.add(ev.IncidentDeclared, 1, TRICKY, title=TRICKY, summary=TRICKY, category=TRICKY, service=TRICKY,
          reporter=TRICKY, detected_at=T0, severity=Severity.P1)  # fmt: skip
    t.add(ev.AlertReceived, 1, alert=alert)
    t.add(ev.Acknowledged, 2, TRICKY)
    t.add(ev.RoleAssigned, 2, role=Role.INCIDENT_COMMANDER, person=TRICKY)
    t.add(ev.NoteAdded, 3, TRICKY, text=TRICKY)
    t.add(ev.SeveritySet, 4, severity=Severity.P0, impact="HIGH", urgency="HIGH", reason=TRICKY)
    t.agent(5, "r1", "five_whys", "root-cause-analysis.md", TRICKY,
            {"problem": TRICKY, "root_cause": TRICKY, "evidence_ends": TRICKY, "confidence": 0.7,
             "whys": [{"question": TRICKY, "answer": TRICKY, "evidence": [{"source": CODE, "detail": CODE}]}],
             "moments": [{"kind": "change", "at": at(-10).isoformat(), "what": TRICKY},
                         {"kind": "onset", "at": at(-5).isoformat(), "what": TRICKY}]})  # fmt: skip
    t.add(ev.TierEscalated, 6, tier=2, reason=TRICKY)
    t.add(ev.DecisionTaken, 7, decision_id="d1", gate="mitigation", choice="rollback", options=["rollback"],
          rationale=TRICKY)  # fmt: skip
    t.add(ev.MitigationExecuted, 8, TRICKY, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded", details=TRICKY,
          validation={"error_rate": TRICKY})  # fmt: skip
    t.add(ev.StatusUpdatePublished, 9, audience=Audience.STATUS_PAGE, text=TRICKY)
    t.add(ev.IncidentResolved, 10, resolution=TRICKY)
    t.add(ev.ActionItemAdded, 11, item_id="A1", title=TRICKY, owner=TRICKY, due=at(60 * 24 * 3),
          horizon=Horizon.IMMEDIATE, finding=TRICKY)  # fmt: skip
    for section in ("summary", "went_well", "could_improve", "lucky", "impact_users", "attendees"):
        t.add(ev.ReviewUpdated, 12, section=section, text=TRICKY)
    return t.events


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {path: text for path, text in render_incident(tricky_events()).items() if path.endswith(".md")}


def _pieces(text: str) -> list[str]:
    return PIECE.findall(text)


def test_every_value_renders_exactly_as_written(files: dict[str, str]) -> None:
    seen = 0
    for path, text in files.items():
        if path.startswith("appendix/"):
            continue  # an agent's output is markdown by design: its emphasis and code are meant
        for token in rendered.all_tokens(text):
            if token.type == "inline":
                shown = rendered.plain(token)
            elif token.type in ("fence", "code_block"):
                continue  # verbatim blocks (an agent's JSON answer, the Mermaid chart)
            else:
                continue
            for piece in _pieces(shown):
                seen += 1
                assert piece in (TRICKY, CODE), (path, piece)
    assert seen > 60  # the values reached every document


def test_table_cells_and_code_spans_hold_the_source_values(files: dict[str, str]) -> None:
    cells = [c for text in files.values() for table in rendered.tables(text) for row in table for c in row]
    assert TRICKY in cells  # a cell that is exactly the value (an action's title, its owner, ...)
    pir = files["post-incident-review.md"]
    spans = rendered.code_spans(pir)
    assert CODE in spans  # the root cause evidence, a code span holding backticks and a pipe
    rca_spans = rendered.code_spans(files["root-cause-analysis.md"])
    assert rca_spans.count(CODE) == 2  # source and detail, cited once
    for path, text in files.items():
        for table in rendered.tables(text):
            assert len({len(row) for row in table}) == 1, path  # no row broken by a | or a newline
    code_cells = [c for table in rendered.tables(pir) for row in table for c in row if "`" + CODE in c]
    assert code_cells == [] or all(c == f"`{CODE}`" for c in code_cells)


def test_no_html_no_links_no_entities(files: dict[str, str]) -> None:
    for path, text in files.items():
        assert rendered.html(text) == [], path
        own = [link for link in rendered.links(text) if not link.endswith(".md") and "#" not in link]
        assert own == [], (path, own)  # the only links are ours, between the documents
        prose = "".join(piece for line in text.split("\n") for is_code, piece in _outside_code(line) if not is_code)
        assert "&lt;" not in prose and "&gt;" not in prose, path


def _outside_code(line: str) -> list[tuple[bool, str]]:
    from warroom.data.export.markdown import code_spans

    return code_spans(line)


def test_links_between_documents_resolve(files: dict[str, str]) -> None:
    for path, text in files.items():
        base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        for link in rendered.links(text):
            target = link.split("#", 1)[0]
            parts: list[str] = []
            for part in (base + target).split("/"):
                if part == "..":
                    parts.pop()
                elif part:
                    parts.append(part)
            assert "/".join(parts) in files or "/".join(parts).endswith(".csv"), (path, link)


@pytest.mark.parametrize(
    "value",
    ["plain", "a`b", "``", "`lead", "trail`", "x | y", "<b>&amp;</b>", "{{ 7*7 }}", "*em* _em_", "a\\b", "  spaced  "],
)
def test_escapers_render_back_to_the_value(value: str) -> None:
    expected = " ".join(value.split())
    [paragraph] = [t for t in rendered.tokens(inline(value)) if t.type == "inline"]
    if "`" not in value:
        assert rendered.plain(paragraph) == expected
    assert rendered.code_spans(code(value)) == [expected]
    table = f"| h |\n|---|\n| {cell(value)} |\n| {cell_code(value)} |\n"
    [plain_cell], [code_cell] = rendered.tables(table)[0][1:]
    assert code_cell == f"`{expected}`"
    if "`" not in value:  # backticks typed in text make a code span, which is what they mean
        assert plain_cell == expected
