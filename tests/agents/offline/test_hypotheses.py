"""Cause families and ranking rules of the offline investigator, on small realistic evidence written here."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.agents.offline.conftest import evidence_for
from warroom.agents.offline.analysis import analyse
from warroom.agents.offline.writers.common import headline, ranked_hypotheses
from warroom.data.alerts.alertmanager import parse_alertmanager

EVENTS_HEADER = "Events:\n  Type     Reason     Age   From     Message\n  ----     ------     ----  ----     -------\n"


def _pod(name: str, ns: str, state: str, extra_state: str = "", events: str = "", status: str = "Running",
         container: str = "app", image: str = "busybox:1.36", more: str = "") -> str:
    return (f"Name:         {name}\nNamespace:    {ns}\nStatus:       {status}\nContainers:\n  {container}:\n"
            f"    Image:          {image}\n    State:          {state}\n{extra_state}    Restart Count:  3\n{more}"
            f"Node-Selectors:  <none>\n" + (EVENTS_HEADER + events if events else "Events:  <none>\n"))


def conclude(tmp_path: Path, files: dict[str, str], title: str = "Investigation", alerts=None):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    evidence = evidence_for(tmp_path, [(name, "document") for name in files])
    analysis = analyse(evidence, str(tmp_path), alerts=alerts or [], title=title, key=str(tmp_path))
    return analysis, headline(analysis)[0]


def test_image_pull_names_the_pod_the_image_and_why(tmp_path: Path) -> None:
    events = ('  Warning  Failed     1m    kubelet  Failed to pull image "registry.acme.io/shop/cart:v9.9.9": rpc error: '
              'code = NotFound desc = manifest unknown\n  Warning  Failed     1m    kubelet  Error: ErrImagePull\n')
    _, text = conclude(tmp_path, {"cart.txt": _pod("cart-7d9-abcde", "shop", "Waiting", "      Reason:       ImagePullBackOff\n",
                                                     events, image="registry.acme.io/shop/cart:v9.9.9")})
    assert "cart-7d9-abcde" in text and "`registry.acme.io/shop/cart:v9.9.9`" in text
    assert "does not exist" in text and "the pod" not in text.lower().replace("the pod `", "")


def test_oom_kill_outranks_the_crash_loop_it_causes(tmp_path: Path) -> None:
    last = ("      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n"
            "      Exit Code:    137\n")
    more = "    Limits:\n      memory:  128Mi\n"
    analysis, text = conclude(tmp_path, {"d.txt": _pod("ledger-5f-abcde", "bank", "Waiting", last, more=more)})
    assert "OOM-killed" in text and "128Mi" in text and "ledger-5f-abcde" in text
    families = [h.family for h in analysis.hypotheses]
    assert families.index("oom_kill") < families.index("crash_loop")
    crash = next(h for h in analysis.hypotheses if h.family == "crash_loop")
    assert crash.symptom and "symptom" in crash.rank_note
    assert crash.evidence_against == ["it is a symptom: the evidence shows a cause behind it (oom kill of "
                                      f"{analysis.hypotheses[0].subject}, {analysis.hypotheses[0].confidence:.0%})"]
    assert analysis.hypotheses[0].family == "oom_kill" and analysis.hypotheses[0].evidence_against == []


def test_failed_scheduling_on_taints_and_on_resources(tmp_path: Path) -> None:
    taint = ("  Warning  FailedScheduling  1m  default-scheduler  0/3 nodes are available: 3 node(s) had untolerated "
             "taint {dedicated: gpu}. preemption: 0/3 nodes are available\n")
    _, text = conclude(tmp_path, {"t.txt": _pod("trainer-0", "ml", "Waiting", events=taint, status="Pending")})
    assert "trainer-0" in text and "{dedicated: gpu}" in text and "tolerate" in text
    cpu = ("  Warning  FailedScheduling  1m  default-scheduler  0/2 nodes are available: 2 Insufficient memory. "
           "preemption: 0/2 nodes are available\n")
    more = "    Requests:\n      memory:  64Gi\n"
    other = tmp_path / "other"
    other.mkdir()
    _, text = conclude(other, {"r.txt": _pod("etl-0", "data", "Waiting", events=cpu, status="Pending", more=more)})
    assert "etl-0" in text and "memory" in text and "64Gi" in text


def test_failed_scheduling_for_several_reasons_says_what_each_group_of_nodes_lacks(tmp_path: Path) -> None:
    mixed = ("  Warning  FailedScheduling  3m (x12 over 25m)  default-scheduler  0/7 nodes are available: 1 node(s) were "
             "unschedulable, 2 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/7 "
             "nodes are available: 7 Preemption is not helpful for scheduling.\n")
    more = "    Requests:\n      cpu:     6\n"
    pod = _pod("indexer-5b7c", "catalog", "Waiting", events=mixed, status="Pending", more=more)
    pod = pod.replace("Node-Selectors:  <none>", "Node-Selectors:  disktype=nvme")
    _, text = conclude(tmp_path, {"p.txt": pod})
    assert "`indexer-5b7c` (namespace catalog) stays Pending: none of the 7 nodes can take it" in text
    assert "1 are cordoned (unschedulable)" in text and "2 have too little free cpu for its requests (cpu 6)" in text
    assert "4 do not match its node selector `disktype=nvme`" in text


def test_a_dns_failure_in_a_log_names_the_host_and_who_logs_it(tmp_path: Path) -> None:
    log = ("2026-11-30T14:02:14.879Z ERROR [main] o.s.boot.SpringApplication : Application run failed\n"
           "Caused by: java.net.UnknownHostException: ledger-db.payments.svc.cluster.local: Name or service not known\n")
    (tmp_path / "ledger.log").write_text(log)
    evidence = evidence_for(tmp_path, [("ledger.log", "log")])
    text = headline(analyse(evidence, str(tmp_path), alerts=[], title="ledger down", key=str(tmp_path)))[0]
    assert "DNS resolution fails for `ledger-db.payments.svc.cluster.local`." in text and "ledger" in text.split(",")[0]


def test_missing_storage_class_explains_the_pending_pod(tmp_path: Path) -> None:
    pvc = ("Name:          pg-data\nNamespace:     db\nStorageClass:  fast-ssd\nStatus:        Pending\n"
           "Access Modes:\nUsed By:       pg-0\n" + EVENTS_HEADER +
           '  Warning  ProvisioningFailed  3m (x12 over 9m)  persistentvolume-controller  storageclass.storage.k8s.io '
           '"fast-ssd" not found\n')
    pod_events = ("  Warning  FailedScheduling  2m  default-scheduler  0/2 nodes are available: pod has unbound immediate "
                  "PersistentVolumeClaims. preemption: 0/2 nodes are available\n")
    analysis, text = conclude(tmp_path, {"pvc.txt": pvc, "pod.txt": _pod("pg-0", "db", "Waiting", events=pod_events,
                                                                          status="Pending")}, title="What is wrong with pg?")
    assert "`pg-data`" in text and "`fast-ssd` does not exist" in text and "pg-0" in text
    assert analysis.hypotheses[0].family == "pvc_storage_class"
    assert any(h.family == "unbound_claim" and h.symptom for h in analysis.hypotheses)


def test_failed_mount_probe_failure_and_eviction_are_named(tmp_path: Path) -> None:
    mount = ('  Warning  FailedMount  1m (x7 over 10m)  kubelet  MountVolume.SetUp failed for volume "conf" : configmap '
             '"report-conf" not found\n')
    _, text = conclude(tmp_path, {"m.txt": _pod("report-1", "bi", "Waiting", "      Reason:       ContainerCreating\n", mount)})
    assert "report-1" in text and 'configmap "report-conf" not found' in text
    probe = "  Warning  Unhealthy  30s (x9 over 4m)  kubelet  Liveness probe failed: Get \"http://10.1.2.3:8080/healthz\": dial tcp 10.1.2.3:8080: connect: connection refused\n"
    (tmp_path / "p").mkdir()
    _, text = conclude(tmp_path / "p", {"p.txt": _pod("api-1", "web", "Running", events=probe)})
    assert "api-1" in text and "liveness probe" in text and "10.1.2.3:8080" in text
    evicted = "  Warning  Evicted  5m  kubelet  The node was low on resource: ephemeral-storage. Container app was using 12Gi\n"
    (tmp_path / "e").mkdir()
    _, text = conclude(tmp_path / "e", {"e.txt": _pod("batch-9", "ops", "Terminated", events=evicted, status="Failed")})
    assert "batch-9" in text and "evicted" in text and "ephemeral-storage" in text


def test_failed_job_names_the_command_and_the_line_its_pods_die_on(tmp_path: Path) -> None:
    job = ("Name:             nightly-export\nNamespace:        etl\nBackoff Limit:    2\nCompletions:      1\n"
           "Pods Statuses:    0 Active (0 Ready) / 0 Succeeded / 3 Failed\nPod Template:\n  Containers:\n   export:\n"
           "    Image:      python:3.12\n    Command:\n      python\n      /jobs/export.py\n" + EVENTS_HEADER +
           "  Warning  BackoffLimitExceeded  2m  job-controller  Job has reached the specified backoff limit\n")
    pod = ("Name:         nightly-export-k2j4p\nNamespace:    etl\nStatus:       Failed\nControlled By:  Job/nightly-export\n"
           "Containers:\n  export:\n    Image:   python:3.12\n    State:          Terminated\n      Reason:       Error\n"
           "      Exit Code:    1\n")
    log = "Traceback (most recent call last):\n  File \"/jobs/export.py\", line 12\nModuleNotFoundError: No module named 'boto3'\n"
    _, text = conclude(tmp_path, {"job.txt": job, "pod.txt": pod, "logs-nightly-export-k2j4p.txt": log})
    assert "`nightly-export`" in text and "python /jobs/export.py" in text and "boto3" in text and "code 1" in text


def test_always_firing_alert_is_not_an_incident(tmp_path: Path) -> None:
    alerts = parse_alertmanager({"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "Watchdog",
                                 "severity": "none"}, "annotations": {"summary": "An alert that should always be firing"},
                                 "startsAt": "2026-03-01T10:00:00Z"}]})
    analysis, text = conclude(tmp_path, {"note.txt": "nothing else attached\n"}, alerts=alerts)
    assert analysis.not_incident and "not an incident" in text and "Watchdog" in text
    real = parse_alertmanager({"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "KubePodCrashLooping"},
                               "startsAt": "2026-03-01T10:00:00Z"}]})
    (tmp_path / "r").mkdir()
    analysis, _ = conclude(tmp_path / "r", {"note.txt": "nothing else attached\n"}, alerts=[*alerts, *real])
    assert not analysis.not_incident  # a real alert beside the watchdog is investigated


def test_the_object_the_incident_names_outranks_a_bystander(tmp_path: Path) -> None:
    oom = ("      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n"
           "      Exit Code:    137\n")
    pull = "      Reason:       ImagePullBackOff\n"
    files = {"a.txt": _pod("search-6b-aaaaa", "web", "Waiting", oom),
             "b.txt": _pod("ads-7c-bbbbb", "web", "Waiting", pull, image="ads:broken")}
    analysis, text = conclude(tmp_path, files, title="search is down")
    assert "search-6b-aaaaa" in text
    bystander = next(h for h in analysis.hypotheses if "ads-7c-bbbbb" in h.statement)
    assert "not about the object the incident names" in bystander.rank_note
    assert any(a.startswith(f"it is about {bystander.subject}, while the incident names ") and "search" in a
               for a in bystander.evidence_against), bystander.evidence_against
    assert not any("while the incident names" in a for a in analysis.hypotheses[0].evidence_against)


def test_new_after_onset_outranks_most_numerous_background(tmp_path: Path) -> None:
    start = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
    lines = []
    for minute in range(70):
        at = start + timedelta(minutes=minute)
        lines += [f"{at:%Y-%m-%dT%H:%M:%S}Z ERROR cache client: connect to redis-cache:6379 failed: Connection refused"] * 6
        if minute >= 60:
            lines += [f"{at:%Y-%m-%dT%H:%M:%S}Z ERROR java.lang.OutOfMemoryError: Java heap space in OrderWorker"] * 25
    analysis, text = conclude(tmp_path, {"orders.log": "\n".join(lines) + "\n"})
    assert analysis.onset is not None
    assert "memory" in text.lower() and "redis-cache" not in text
    background = next(h for h in analysis.hypotheses if h.family == "dependency_unavailable")
    assert background.new_after_onset is False and "background" in background.rank_note
    assert any("already in the logs before the onset" in a for a in background.evidence_against)
    shown = "\n".join(ranked_hypotheses(analysis))  # as the Tier 2 analysis and the RCA print it
    assert "Against (why it ranks lower): it was already in the logs before the onset" in shown


def test_nothing_recognised_says_so_and_what_would_settle_it(tmp_path: Path) -> None:
    analysis, text = conclude(tmp_path, {"app.log": "2026-01-01T00:00:00Z INFO all good\n" * 20})
    assert not analysis.hypotheses and "does not establish a cause" in text


def test_prometheus_alerts_response_and_nested_wrappers_are_alerts(tmp_path: Path) -> None:
    import json

    from warroom.data.evidence.alertfiles import looks_like_alerts, parse_alert_document

    prometheus = {"status": "success", "data": {"alerts": [
        {"labels": {"alertname": "Watchdog", "severity": "none"}, "annotations": {"summary": "always firing"},
         "state": "firing", "activeAt": "2026-03-01T10:00:00Z", "value": "1e+00"}]}}
    relay = {"delivery": {"id": 7, "payload": {"alert": {"labels": {"alertname": "HighLatency", "service": "cart"},
                                                         "startsAt": "2026-03-01T10:05:00Z"}}}}
    for doc, name in ((prometheus, "Watchdog"), (relay, "HighLatency")):
        assert looks_like_alerts(doc)
        [alert] = parse_alert_document(doc)
        assert alert.labels["alertname"] == name and alert.status == "firing" and alert.started_at is not None
    (tmp_path / "alerts.json").write_text(json.dumps(prometheus))
    analysis, text = conclude(tmp_path, {"alerts.json": json.dumps(prometheus)})
    assert analysis.not_incident and "not an incident" in text


def test_an_object_with_labels_and_annotations_is_not_an_alert() -> None:
    """A Kubernetes subject in an investigate request has labels and annotations but no alertname."""
    from warroom.data.evidence.alertfiles import looks_like_alerts, parse_alert_document

    request = {"title": "CPUThrottlingHigh", "description": "100% throttling of CPU for container stress",
               "subject": {"name": "frontend", "subject_type": "pod", "namespace": "default",
                           "labels": {}, "annotations": {}}}
    [alert] = parse_alert_document(request)
    assert "CPUThrottlingHigh" in alert.title
    nested = {"items": [{"labels": {"app": "web"}, "annotations": {}, "status": "Running"}]}
    assert not looks_like_alerts(nested)


def test_an_events_table_alone_names_the_pod_the_image_and_why_it_cannot_be_pulled(tmp_path: Path) -> None:
    table = (
        "LAST SEEN   TYPE      REASON    OBJECT                      MESSAGE\n"
        '4m          Normal    Pulling   pod/ledger-6f7d8-k2x9p      Pulling image "ghcr.io/acme-int/ledger:3.1.0"\n'
        '3m          Warning   Failed    pod/ledger-6f7d8-k2x9p      Failed to pull image "ghcr.io/acme-int/ledger:3.1.0": '
        "rpc error: code = Unknown desc = pull access denied, repository does not exist or may require authorization\n"
        "3m          Warning   Failed    pod/ledger-6f7d8-k2x9p      Error: ErrImagePull\n"
    )
    _, text = conclude(tmp_path, {"events.txt": table})
    assert "pod `ledger-6f7d8-k2x9p`" in text and "`ghcr.io/acme-int/ledger:3.1.0`" in text
    assert "pull access denied" in text and "imagePullSecrets" in text


def test_a_refused_connection_names_host_and_port(tmp_path: Path) -> None:
    log = "".join(f"2026-12-01 03:14:0{i},112 ERROR [checkout.cache] redis.exceptions.ConnectionError: Error 111 connecting "
                  f"to redis-master.cache.svc:6379. Connection refused.\n" for i in range(3))
    (tmp_path / "checkout.log").write_text(log)
    evidence = evidence_for(tmp_path, [("checkout.log", "log")])
    text = headline(analyse(evidence, str(tmp_path), alerts=[], title="checkout slow", key=str(tmp_path)))[0]
    assert "`redis-master.cache.svc:6379` refuses connections" in text and "checkout" in text


def test_a_replicaset_blocked_by_a_resource_quota_says_which_quota_and_how_full(tmp_path: Path) -> None:
    rs = ("Name:           billing-api-5c6d7\nNamespace:      billing\nSelector:       app=billing-api\n"
          "Controlled By:  Deployment/billing-api\nReplicas:       0 current / 2 desired\n"
          "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" + EVENTS_HEADER +
          '  Warning  FailedCreate  1m (x9 over 12m)  replicaset-controller  Error creating: pods "billing-api-5c6d7-" '
          "is forbidden: exceeded quota: billing-rq, requested: requests.cpu=2, used: requests.cpu=15, limited: "
          "requests.cpu=16\n")
    _, text = conclude(tmp_path, {"rs.txt": rs})
    assert text.startswith("The replicaset `billing-api-5c6d7` (namespace billing) cannot create its pods")
    assert "ResourceQuota `billing-rq` has no room left (requests.cpu: requested 2, used 15 of 16)" in text


def test_a_node_not_ready_in_a_get_nodes_table_is_named(tmp_path: Path) -> None:
    table = ("NAME        STATUS                     ROLES    AGE   VERSION\nworker-a    Ready                      <none>   9d    v1.30.1\n"
             "worker-b    NotReady                   <none>   9d    v1.30.1\nworker-c    Ready,SchedulingDisabled   <none>   9d    v1.30.1\n")
    analysis, text = conclude(tmp_path, {"nodes.txt": table})
    assert "Node `worker-b` is NotReady" in text
    assert any("Node `worker-c` is cordoned" in h.statement for h in analysis.hypotheses)


def test_an_expired_certificate_names_the_host_and_the_date(tmp_path: Path) -> None:
    log = "".join(f"2026-12-02T07:00:0{i}Z ERROR gateway: GET https://ledger.internal.example:8443/v1/balance failed: "
                  f"x509: certificate has expired or is not yet valid: current time 2026-12-02T07:00:0{i}Z is after "
                  f"2026-12-01T23:59:59Z\n" for i in range(3))
    (tmp_path / "gateway.log").write_text(log)
    evidence = evidence_for(tmp_path, [("gateway.log", "log")])
    text = headline(analyse(evidence, str(tmp_path), alerts=[], title="balance errors", key=str(tmp_path)))[0]
    assert "certificate of `ledger.internal.example:8443` expired on 2026-12-01T23:59:59Z" in text


def test_a_stuck_rollout_is_tied_to_what_its_new_pods_fail_on(tmp_path: Path) -> None:
    dep = ("Name:                   search\nNamespace:              web\nReplicas:               3 desired | 1 updated | 4 total "
           "| 3 available | 1 unavailable\nStrategyType:           RollingUpdate\nPod Template:\n  Containers:\n   search:\n"
           "    Image:      ghcr.io/acme/search:8.0.1\nConditions:\n  Type           Status  Reason\n  ----           ------  ------\n"
           "  Available      True    MinimumReplicasAvailable\n  Progressing    False   ProgressDeadlineExceeded\n"
           "OldReplicaSets:  search-5f6d7c8b9 (3/3 replicas created)\nNewReplicaSet:   search-7a8b9c6d5 (1/1 replicas created)\n"
           "Events:          <none>\n")
    pod = _pod("search-7a8b9c6d5-qq2ws", "web", "Waiting", "      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n"
               "      Reason:       OOMKilled\n      Exit Code:    137\n", image="ghcr.io/acme/search:8.0.1",
               more="    Limits:\n      memory:  512Mi\n")
    _, text = conclude(tmp_path, {"dep.txt": dep, "pod.txt": pod})
    assert text.startswith("The rollout of deployment `search` (namespace web) to `ghcr.io/acme/search:8.0.1` is stuck")
    assert "search-7a8b9c6d5-qq2ws" in text and "512Mi" in text
