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


DESCRIBE = """Name:             payments-worker-5c8d7-x2k9p
Namespace:        shop
Node:             node-b/10.0.3.7
Status:           Pending
Containers:
  worker:
    Image:          registry.example.com/shop/payments-worker:4.2.0
    State:          Waiting
      Reason:       ImagePullBackOff
    Ready:          False
    Restart Count:  0
Events:
  Type     Reason     Age                From               Message
  ----     ------     ----               ----               -------
  Normal   Scheduled  4m                 default-scheduler  Successfully assigned shop/payments-worker-5c8d7-x2k9p to node-b
  Warning  Failed     3m (x4 over 4m)    kubelet            Failed to pull image "registry.example.com/shop/payments-worker:4.2.0": not found
"""


async def test_kubernetes_facts_and_alert_labels_reach_the_summary(tmp_path):
    from tests.agents.claude.conftest import T0, incident, request
    from warroom.agents.claude.evidence_summary import shared_evidence_summary
    from warroom.data.models import Evidence, NormalisedAlert, Severity

    (tmp_path / "describe.txt").write_text(DESCRIBE)
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff" * 1000)  # unreadable as text: skipped, never fatal
    attached = [Evidence(evidence_id=f"ev-{i}", kind="other", path=name, name=name, attached_at=T0)
                for i, name in enumerate(["describe.txt", "blob.bin", "missing.txt"])]
    alert = NormalisedAlert(source="alertmanager", fingerprint="f1", title="KubePodNotReady", severity=Severity.P2,
                            labels={"namespace": "shop", "pod": "payments-worker-5c8d7-x2k9p"}, raw={"secret": "x"})
    text = await shared_evidence_summary(request(tmp_path, evidence=attached, incident=incident(alerts=[alert])))
    assert '"pod": "payments-worker-5c8d7-x2k9p"' in text and '"raw"' not in text
    assert '"reason": "ImagePullBackOff"' in text and "payments-worker:4.2.0" in text
    events = text.split("kubernetes_events (2):\n")[1].splitlines()
    assert '"type": "Warning"' in events[0] and '"count": 4' in events[0]  # warnings first
    assert '"type": "Normal"' in events[1]
