"""Kubernetes text output read as facts: describe, get tables, events, top, manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warroom.data.evidence.kube import load_yaml, read_kube
from warroom.data.evidence.toolmock import read_tool_header, read_tool_text

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cases"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/cases is absent (a user's clone)")

OOM_POD = """\
Name:             billing-api-6d9f7c8b5-x2x9q
Namespace:        payments
Node:             worker-3/10.0.0.13
Status:           Running
Controlled By:    ReplicaSet/billing-api-6d9f7c8b5
Containers:
  api:
    Image:          registry.local/billing-api:2.4.1
    Command:
      java
      -jar
      /app/billing.jar
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Ready:          False
    Restart Count:  9
    Limits:
      memory:  256Mi
    Requests:
      cpu:     100m
      memory:  256Mi
    Environment:
      JAVA_OPTS:  -Xmx512m
Conditions:
  Type              Status
  Ready             False
  PodScheduled      True
Node-Selectors:   <none>
Tolerations:      node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
Events:
  Type     Reason   Age                 From     Message
  ----     ------   ----                ----     -------
  Normal   Pulled   12m (x10 over 40m)  kubelet  Container image "registry.local/billing-api:2.4.1" already present on machine
  Warning  BackOff  2m (x160 over 39m)  kubelet  Back-off restarting failed container api in pod billing-api-6d9f7c8b5-x2x9q_payments(0c1d)
"""

GET_PODS = """\
NAME                          READY   STATUS             RESTARTS        AGE   IP           NODE       NOMINATED NODE   READINESS GATES
billing-api-6d9f7c8b5-x2x9q   0/1     CrashLoopBackOff   9 (2m ago)      40m   10.1.3.7     worker-3   <none>           <none>
ledger-0                      1/1     Running            0               3d    10.1.2.4     worker-2   <none>           <none>
"""

GET_EVENTS = """\
LAST SEEN   TYPE      REASON             OBJECT                      MESSAGE
4m          Warning   FailedMount        pod/report-5c8d-abcde       MountVolume.SetUp failed for volume "conf" : configmap "report-conf" not found
90s         Warning   Unhealthy          pod/ledger-0                Readiness probe failed: HTTP probe failed with statuscode: 503
"""

MANIFEST_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  name: ingest-7f6d5-qwert
  namespace: data
  labels:
    app: ingest
spec:
  nodeSelector:
    disktype: nvme
  containers:
  - name: ingest
    image: "ghcr.io/acme/ingest:1.2"
    args: ["--once"]
    resources:
      limits:
        cpu: 200m
status:
  phase: Pending
  conditions:
  - type: PodScheduled
    status: "False"
    reason: Unschedulable
    message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
"""


def test_describe_pod_reads_state_last_state_limits_and_events() -> None:
    facts = read_kube(OOM_POD, "describe.txt")
    [pod] = facts.objects
    assert (pod.kind, pod.namespace, pod.name, pod.status) == ("Pod", "payments", "billing-api-6d9f7c8b5-x2x9q", "Running")
    [api] = pod.containers
    assert api.image == "registry.local/billing-api:2.4.1"
    assert api.command == ["java", "-jar", "/app/billing.jar"]
    assert (api.state.state, api.state.reason) == ("Waiting", "CrashLoopBackOff")
    assert (api.last_state.reason, api.last_state.exit_code) == ("OOMKilled", 137)
    assert api.restarts == 9 and api.ready is False
    assert api.limits == {"memory": "256Mi"} and api.requests["cpu"] == "100m"
    assert api.env == {"JAVA_OPTS": "-Xmx512m"}
    assert pod.conditions == {"Ready": "False", "PodScheduled": "True"}
    backoff = [e for e in facts.events if e.reason == "BackOff"]
    assert backoff and backoff[0].type == "Warning" and backoff[0].count == 160 and backoff[0].origin == "kubelet"
    assert OOM_POD.splitlines()[backoff[0].line_no - 1].lstrip().startswith("Warning  BackOff")


def test_get_table_rows_by_column_and_events_table() -> None:
    facts = read_kube(GET_PODS, "pods.txt")
    assert [r.get("STATUS") for r in facts.rows] == ["CrashLoopBackOff", "Running"]
    assert facts.rows[0].get("RESTARTS") == "9 (2m ago)" and facts.rows[0].get("NOMINATED NODE") == "<none>"
    events = read_kube(GET_EVENTS, "events.txt").events
    assert [(e.reason, e.object) for e in events] == [("FailedMount", "pod/report-5c8d-abcde"), ("Unhealthy", "pod/ledger-0")]
    assert events[0].message.endswith('configmap "report-conf" not found') and events[0].line_no == 2


def test_yaml_and_json_manifests_give_the_same_object() -> None:
    from_yaml = read_kube(MANIFEST_YAML, "pod.yaml").objects
    doc = load_yaml(MANIFEST_YAML)
    from_json = read_kube(json.dumps({"kind": "List", "items": [doc]}), "pod.json").objects
    for objects in (from_yaml, from_json):
        [pod] = objects
        assert (pod.kind, pod.namespace, pod.name, pod.status) == ("Pod", "data", "ingest-7f6d5-qwert", "Pending")
        assert pod.node_selector == {"disktype": "nvme"}
        assert pod.containers[0].image == "ghcr.io/acme/ingest:1.2" and pod.containers[0].limits == {"cpu": "200m"}
        assert pod.containers[0].args == ["--once"]
        assert pod.events[0].reason == "Unschedulable" and "node affinity/selector" in pod.events[0].message


@pytest.mark.parametrize("text", [
    "", "\x00\x01\x02binary\xff" * 50, "Name:\n", "NAME\n", "just a log line: with a colon\n" * 20,
    OOM_POD[: len(OOM_POD) // 2], OOM_POD.replace("Exit Code:    137", "Exit Code:    lots"),
    "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n", "{\"kind\": \"Pod\", \"metadata\": ", "Name: " + "x" * 100_000,
    GET_PODS.splitlines()[0] + "\n" + "y" * 5000 + "\n",
])
def test_malformed_truncated_and_binary_text_never_raises(text: str) -> None:
    facts = read_kube(text, "x.txt")
    for obj in facts.objects:
        assert isinstance(obj.name, str)
    if text == OOM_POD[: len(OOM_POD) // 2]:  # cut in the middle of the container: what was there is kept
        assert facts.objects[0].containers[0].image == "registry.local/billing-api:2.4.1"


def test_plain_log_text_is_not_kubernetes_output() -> None:
    assert not read_kube("2026-01-01T00:00:00Z INFO started\n2026-01-01T00:00:01Z ERROR Name: bad\n", "app.log")


def _recorded(path: Path):
    tool = read_tool_header(path)
    text, _ = read_tool_text(path, 1 << 20)
    return read_kube(text, path.name, str(tool.params.get("kind", "")) if tool else "", 3)


@needs_shared
def test_recorded_describe_of_a_pvc_and_its_pod() -> None:
    folder = SHARED / "holmesgpt" / "test_ask_holmes" / "24a_misconfigured_pvc_basic"
    [pvc] = _recorded(folder / "kubectl_describe_persistentvolumeclaim_redis-standard-pvc_app-24a.txt").objects
    assert (pvc.kind, pvc.status, pvc.fields["StorageClass"]) == ("PersistentVolumeClaim", "Pending", "standard-v2")
    assert pvc.events[0].reason == "ProvisioningFailed" and pvc.events[0].count == 42
    [pod] = _recorded(folder / "kubectl_describe_pod_redis-747ffc844f-f9ghd_app-24a.txt").objects
    assert pod.claims == ["redis-standard-pvc"] and pod.events[0].reason == "FailedScheduling"
    [row] = _recorded(folder / "kubectl_get_by_name_persistentvolumeclaim_redis-standard-pvc_app-24a.txt").rows
    assert row.get("STORAGECLASS") == "standard-v2" and row.get("STATUS") == "Pending"


@needs_shared
def test_recorded_job_pod_and_node_selector() -> None:
    job_case = SHARED / "holmesgpt" / "test_investigate" / "07_job_syntax_error"
    [job] = _recorded(job_case / "kubectl_describe_job.txt").objects
    assert job.kind == "Job" and job.fields["Backoff Limit"] == "4" and "5 Failed" in job.fields["Pods Statuses"]
    assert job.containers[0].command == ["/bin/sh"] and job.containers[0].args[0] == "-c"
    [pod] = _recorded(job_case / "kubectl_describe_2s4j2.txt").objects
    assert (pod.status, pod.containers[0].state.reason, pod.containers[0].state.exit_code) == ("Failed", "Error", 2)
    selector = SHARED / "holmesgpt" / "test_ask_holmes" / "13a_pending_node_selector_basic"
    [pending] = _recorded(selector / "kubectl_describe.txt").objects
    assert pending.node_selector == {"label": "someLabel"} and pending.status == "Pending"
    nodes = _recorded(selector / "kubectl_get_by_kind_in_cluster.txt").rows
    assert len(nodes) == 2 and all("kubernetes.io/hostname=" in r.get("LABELS") for r in nodes)


@needs_shared
def test_recorded_yaml_manifest_and_events_table() -> None:
    folder = SHARED / "holmesgpt" / "test_investigate" / "03_cpu_throttling"
    [pod] = _recorded(folder / "kubectl_get_yaml.txt").objects
    assert pod.containers[0].limits["cpu"] == "10m" and pod.containers[0].command == ["stress", "--cpu", "100"]
    events = _recorded(folder / "kubectl_events.txt").events
    assert {e.reason for e in events} >= {"Scheduled", "Pulled", "Started"}
