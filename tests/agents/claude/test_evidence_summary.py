"""The evidence summary: any field the readers report reaches Claude, bounded and always the same text."""

from __future__ import annotations

from pydantic import BaseModel, Field

from warroom.agents.claude.evidence_summary import MAX_CHARS, evidence_summary
from warroom.agents.offline.findings import Analysis, Signature


class KubernetesFact(BaseModel):
    kind: str
    name: str
    reason: str
    message: str = ""


class LaterAnalysis(Analysis):
    """An analysis with a field the summary has never heard of (as new readers add them)."""

    kubernetes: list[KubernetesFact] = Field(default_factory=list)


def test_a_field_the_summary_does_not_know_still_reaches_it():
    analysis = LaterAnalysis(kubernetes=[KubernetesFact(kind="Pod", name="checkout-7d9", reason="ImagePullBackOff",
                                                        message='Back-off pulling image "shop/checkout:v2.3.1"')])
    text = evidence_summary(analysis)
    assert "kubernetes (1):" in text and '"reason": "ImagePullBackOff"' in text and "shop/checkout:v2.3.1" in text


def test_empty_fields_and_empty_values_inside_findings_are_left_out():
    text = evidence_summary(Analysis(lines_read=12, signatures=[Signature(family="oom_kill", title="OOM kill")]))
    body = text.split("<evidence_summary>")[1]
    assert body == '\nlines_read: 12\nsignatures (1):\n- {"family": "oom_kill", "title": "OOM kill", "count": 0, ' \
        '"confidence": 0.5}\n</evidence_summary>'


def test_long_series_become_their_shape_and_long_lists_and_strings_are_cut():
    series = {f"2026-11-23T09:{m:02d}:00+00:00": (40 if m >= 30 else 0) for m in range(60)}
    noisy = [Signature(family=f"f{i}", title="x" * 1000) for i in range(40)]
    text = evidence_summary(Analysis(error_series=series, signatures=noisy))
    assert ("error_series: 60 points from 2026-11-23T09:00:00+00:00 to 2026-11-23T09:59:00+00:00, peak 40 at "
            "2026-11-23T09:59:00+00:00, non-zero from 2026-11-23T09:30:00+00:00") in text
    assert "signatures (40):" in text and "- (+28 more)" in text and "(+700 chars)" in text


def test_the_summary_is_bounded_and_deterministic():
    huge = Analysis(problems=[f"file-{i}: " + "y" * 290 for i in range(12)],
                    alerts=["a" * 5000] * 12, sources=["s" * 300] * 12, services=["z" * 300] * 12)
    text = evidence_summary(huge, max_chars=4000)
    assert len(text) <= 4000 + 200
    assert "left out: the summary is capped at 4000 characters" in text
    assert evidence_summary(huge, max_chars=4000) == text
    assert len(evidence_summary(huge)) <= MAX_CHARS + 200
