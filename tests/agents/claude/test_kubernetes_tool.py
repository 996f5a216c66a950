"""``list_kubernetes`` and ``list_alerts`` find their evidence by content, whatever the files are called."""

from __future__ import annotations

import json
from pathlib import Path

from warroom.agents.tools import run_tool

DESCRIBE = """\
Name:             payments-worker-6d9c7b8f4-qx2lp
Namespace:        billing
Node:             node-3/10.0.4.12
Status:           Running
Containers:
  worker:
    Image:          registry.internal/billing/worker:4.12.0
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Ready:          False
    Restart Count:  9
    Limits:
      memory:  256Mi
Conditions:
  Type              Status
  Ready             False
Events:
  Type     Reason   Age                  From     Message
  ----     ------   ----                 ----     -------
  Normal   Pulled   12m (x9 over 40m)    kubelet  Container image "registry.internal/billing/worker:4.12.0" already present on machine
  Warning  BackOff  2m (x40 over 38m)    kubelet  Back-off restarting failed container worker in pod payments-worker-6d9c7b8f4-qx2lp
"""
GET_PODS = """\
NAME                              READY   STATUS             RESTARTS   AGE
payments-api-7f8d9c6b5-abcde      1/1     Running            0          3d
payments-worker-6d9c7b8f4-qx2lp   0/1     CrashLoopBackOff   9          40m
"""


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir(parents=True)
    (root / "worker.txt").write_text(DESCRIBE)
    (root / "output-3").write_text(GET_PODS)  # no telling name: read for what it holds
    (root / "notes.md").write_text("We restarted the worker twice; no change.\n")
    (root / "core.bin").write_bytes(b"\x7fELF\x00\x00" + bytes(range(256)) * 10)
    return root


def test_objects_containers_events_and_rows_are_listed_with_their_lines(tmp_path: Path) -> None:
    text = run_tool(_root(tmp_path), "list_kubernetes", {})
    assert "worker.txt:1: Pod/billing/payments-worker-6d9c7b8f4-qx2lp status=Running conditions false: Ready" in text
    assert "container worker image=registry.internal/billing/worker:4.12.0 state=Waiting/CrashLoopBackOff" in text
    assert "last=Terminated/OOMKilled exit 137" in text and "restarts=9" in text and "limits memory=256Mi" in text
    assert "event Warning BackOff" in text and "(x40)" in text
    assert "output-3:3: row NAME=payments-worker-6d9c7b8f4-qx2lp READY=0/1 STATUS=CrashLoopBackOff RESTARTS=9" in text
    assert "notes.md" not in text and "core.bin" not in text


def test_problems_only_leaves_healthy_objects_normal_events_and_running_rows_out(tmp_path: Path) -> None:
    text = run_tool(_root(tmp_path), "list_kubernetes", {"problems_only": True})
    assert "event Warning BackOff" in text and "STATUS=CrashLoopBackOff" in text
    assert "event Normal Pulled" not in text and "payments-api-7f8d9c6b5-abcde" not in text
    assert run_tool(_root(tmp_path / "b"), "list_kubernetes", {"file": "notes.md"}).startswith("no Kubernetes output")


def test_an_alert_payload_is_listed_whatever_its_file_is_called(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "webhook-body-0931.json").write_text(json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "severity": "warning",
                                        "pod": "payments-worker-6d9c7b8f4-qx2lp"},
         "annotations": {"summary": "worker is crash looping"}, "startsAt": "2026-11-23T09:01:00Z"}]}))
    (root / "alerts-but-not.json").write_text(json.dumps({"rows": [1, 2, 3]}))
    text = run_tool(root, "list_alerts", {})
    assert text.startswith("webhook-body-0931.json: KubePodCrashLooping") and "alerts-but-not" not in text
