"""Candidate causes read from Kubernetes facts: what each object's state and events say is wrong.

Every hypothesis names the object (kind, namespace, name), the cause and its specifics (the
image, the node selector, the storage class, the command, the probe), and cites the describe
line or event row it rests on. A state that is only a symptom (CrashLoopBackOff, a pod Pending
on an unbound claim) is marked so, and ranks below the cause that explains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from warroom.agents.offline.findings import Hypothesis
from warroom.data.answers import Citation
from warroom.data.evidence.kube import Container, KubeEvent, KubeFacts, KubeObject

_QUOTED = re.compile(r'"([^"]+)"')
_PULL_IMAGE = re.compile(r'(?:Failed to pull image|pulling image|Back-off pulling image)\s+"([^"]+)"', re.I)
_TAINT = re.compile(r"untolerated taint(?:s)?\(?s?\)?\s*(\{[^}]*\})", re.I)
_INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")
_CLAIM_SC = re.compile(r'storageclass[\w.]*\s+"([^"]+)" not found', re.I)


def cite_event(event: KubeEvent) -> Citation:
    count = f" (x{event.count})" if event.count > 1 else ""
    return Citation(source=f"{event.source}:{event.line_no}" if event.line_no else event.source,
                    detail=f"{event.type} {event.reason}{count}: {event.message}"[:240])


def cite_at(obj: KubeObject, line_no: int, detail: str) -> Citation:
    return Citation(source=f"{obj.source}:{line_no}" if line_no else obj.source, detail=detail[:240])


def merged(facts: KubeFacts) -> list[KubeObject]:
    """One object per kind/namespace/name (the same pod described in two files is one pod), events joined."""
    seen: dict[tuple[str, str, str], KubeObject] = {}
    for obj in facts.objects:
        key = (obj.kind.lower(), obj.namespace, obj.name)
        if key not in seen:
            seen[key] = obj
            continue
        have = {(e.reason, e.message) for e in seen[key].events}
        seen[key].events += [e for e in obj.events if (e.reason, e.message) not in have]
        if not seen[key].containers:
            seen[key].containers = obj.containers
    return list(seen.values())


def node_labels(facts: KubeFacts) -> dict[str, dict[str, str]]:
    """Node name -> labels, from node objects and ``kubectl get nodes --show-labels`` rows."""
    nodes = {o.name: dict(o.labels) for o in facts.objects if o.kind == "Node"}
    for row in facts.rows:
        if "ROLES" in row.cells and "VERSION" in row.cells:
            labels = nodes.setdefault(row.get("NAME"), {})
            for item in row.get("LABELS").split(","):
                if "=" in item:
                    k, v = item.split("=", 1)
                    labels.setdefault(k, v)
    return nodes


def _mk(family: str, obj: KubeObject, statement: str, confidence: float, cites: Iterable[Citation],
        symptom: bool = False, explains: str = "") -> Hypothesis:
    return Hypothesis(family=family, subject=obj.ref, statement=statement, confidence=confidence,
                      evidence_for=list(cites)[:4], symptom=symptom, explains=explains)


def _pull_reason(message: str) -> str:
    low = message.lower()
    if "may require authorization" in low or "pull access denied" in low or "insufficient_scope" in low:
        return ("the registry refuses the pull: the repository does not exist under that name or needs credentials "
                "(pull access denied; check the image name and the pod's imagePullSecrets)")
    if "not found" in low or "manifest unknown" in low or "does not exist" in low:
        return "the image or its tag does not exist in the registry"
    if "unauthorized" in low or "denied" in low or "authentication required" in low:
        return "the registry refuses access (a missing or wrong imagePullSecret, or a private image)"
    if "no such host" in low or "dial tcp" in low or "i/o timeout" in low:
        return "the registry cannot be reached from the node"
    if "invalid reference format" in low or "invalidimagename" in low:
        return "the image reference is not a valid image name"
    return ""


def _container_hypotheses(obj: KubeObject, c: Container) -> list[Hypothesis]:
    out = []
    where = f"container `{c.name}` of {obj.kind.lower()} `{obj.name}`" + (f" (namespace {obj.namespace})" if obj.namespace else "")
    reasons = {c.state.reason, c.last_state.reason}
    state_line = c.state.line_no or c.line_no
    if reasons & {"ErrImagePull", "ImagePullBackOff", "InvalidImageName"}:
        pulls = [e for e in obj.events if _PULL_IMAGE.search(e.message) or "ErrImagePull" in e.message]
        failing = [e for e in pulls if e.type == "Warning"] or pulls
        image = next((m.group(1) for e in failing if (m := _PULL_IMAGE.search(e.message))), c.image)
        detail = next((e.message for e in failing if _pull_reason(e.message)), c.state.message)
        why = _pull_reason(detail) or (detail[:160] if detail else "the pull fails")
        out.append(_mk("image_pull", obj, f"The {where} cannot start because its image `{image}` cannot be pulled: "
                       f"{why} ({c.state.reason}).", 0.92,
                       [*(cite_event(e) for e in failing[:2]), cite_at(obj, state_line, f"Reason: {c.state.reason}")]))
    if "OOMKilled" in reasons or 137 in (c.state.exit_code, c.last_state.exit_code):
        limit = c.limits.get("memory")
        state = c.last_state if c.last_state.reason == "OOMKilled" or c.last_state.exit_code == 137 else c.state
        restarts = f", {c.restarts} restarts" if c.restarts else ""
        bound = (f"exceeds its memory limit of {limit}" if limit else "runs out of memory (it has no memory limit, "
                 "so the node's memory ran out)")
        out.append(_mk("oom_kill", obj, f"The {where} is OOM-killed: it {bound} and the kernel kills it "
                       f"(OOMKilled, exit code 137{restarts}).", 0.93,
                       [cite_at(obj, state.line_no, f"Reason: {state.reason or 'OOMKilled'}, Exit Code: {state.exit_code}")]))
    if "CreateContainerConfigError" in reasons or "CreateContainerError" in reasons:
        message = c.state.message or next((e.message for e in obj.events if e.reason == "Failed"), "")
        out.append(_mk("container_config", obj, f"The {where} cannot be created: {message or c.state.reason}.", 0.9,
                       [cite_at(obj, state_line, f"Reason: {c.state.reason} {c.state.message}")]))
    if "CrashLoopBackOff" in reasons:
        last = c.last_state
        code = f", exit code {last.exit_code}" if last.exit_code is not None else ""
        said = f": {last.message}" if last.message else ""
        out.append(_mk("crash_loop", obj, f"The {where} is in CrashLoopBackOff: it exits on start (last state "
                       f"{last.reason or 'Terminated'}{code}{said}) and has restarted {c.restarts or 'several'} times.",
                       0.6, [cite_at(obj, state_line, "Reason: CrashLoopBackOff"),
                             *([cite_at(obj, last.line_no, f"Last State: {last.reason} {last.message}")] if last.line_no else [])],
                       symptom=True))
    return out


# "0/6 nodes are available: 2 Insufficient memory, 4 node(s) didn't match Pod's node affinity/selector."
_AVAILABLE = re.compile(r"(\d+)/(\d+) nodes are available:\s*(.*?)(?:\.\s+preemption:|\.?\s*$)", re.I | re.S)
_PART = re.compile(r"(\d+)\s+(.+)")


def _breakdown(msg: str) -> tuple[int, list[tuple[int, str]]]:
    """The scheduler's count of nodes and why each group of them cannot take the pod."""
    found = _AVAILABLE.search(msg)
    if not found:
        return 0, []
    parts = []
    for piece in re.split(r",\s*(?=\d+\s)", found.group(3)):
        if part := _PART.match(piece.strip()):
            parts.append((int(part.group(1)), part.group(2).strip().rstrip(".")))
    return int(found.group(2)), parts


def _why_nodes(reason: str, obj: KubeObject) -> str:
    """What a group of nodes lacks, said against the pod's own spec."""
    asks = {k: v for c in obj.containers for k, v in c.requests.items()}
    if short := _INSUFFICIENT.match(reason):
        name = short.group(1).rstrip(".")
        return f"have too little free {name} for its requests" + (f" ({name} {asks[name]})" if name in asks else "")
    if "affinity" in reason or "selector" in reason:
        wanted = ", ".join(f"{k}={v}" for k, v in obj.node_selector.items())
        return f"do not match its node selector `{wanted}`" if wanted else "do not match its node affinity"
    if taint := _TAINT.search(reason) or re.search(r"taint\s*(\{[^}]*\})", reason):
        return f"carry the taint {taint.group(1)}, which it does not tolerate"
    if "unschedulable" in reason:
        return "are cordoned (unschedulable)"
    if "volume node affinity" in reason:
        return "are outside its volume's zone (volume node affinity conflict)"
    if "free ports" in reason:
        return "have its host port in use"
    return f"are refused ({reason[:80]})"


def _scheduling(obj: KubeObject, event: KubeEvent, nodes: dict[str, dict[str, str]]) -> Hypothesis:
    msg = event.message
    pod = f"pod `{obj.name}`" + (f" (namespace {obj.namespace})" if obj.namespace else "")
    total, parts = _breakdown(msg)
    if len(parts) > 1:  # several reasons at once: each group of nodes fails for its own, none can take the pod
        said = "; ".join(f"{count} {_why_nodes(reason, obj)}" for count, reason in parts)
        return _mk("failed_scheduling", obj, f"The {pod} stays Pending: none of the {total} nodes can take it — {said} "
                   f"(FailedScheduling: {msg[:160]}).", 0.93, [cite_event(event)])
    if "node affinity" in msg or "selector" in msg:
        wanted = ", ".join(f"{k}={v}" for k, v in obj.node_selector.items()) or "its node affinity"
        if nodes and obj.node_selector:
            lacking = [n for n, labels in nodes.items()
                       if any(labels.get(k) != v for k, v in obj.node_selector.items())]
            which = (f"none of the {len(nodes)} nodes ({', '.join(sorted(nodes)[:4])}) has that label"
                     if len(lacking) == len(nodes) else f"{len(nodes) - len(lacking)} node(s) have it but cannot take it")
        else:
            which = "no node has that label"
        return _mk("failed_scheduling", obj, f"The {pod} stays Pending because its node selector `{wanted}` matches "
                   f"no node: {which} (FailedScheduling: {msg[:160]}).", 0.93, [cite_event(event)])
    if taint := _TAINT.search(msg):
        return _mk("failed_scheduling", obj, f"The {pod} stays Pending: the nodes carry the taint {taint.group(1)} that "
                   f"it does not tolerate (FailedScheduling: {msg[:160]}).", 0.9, [cite_event(event)])
    if short := [name.rstrip(".") for name in _INSUFFICIENT.findall(msg)]:
        asks = {k: v for c in obj.containers for k, v in c.requests.items()}
        wants = ", ".join(f"{k} {asks[k]}" for k in dict.fromkeys(short) if k in asks)
        return _mk("failed_scheduling", obj, f"The {pod} stays Pending: no node has enough free "
                   f"{' and '.join(dict.fromkeys(short))} for its requests{' (' + wants + ')' if wants else ''} "
                   f"(FailedScheduling: {msg[:160]}).", 0.9, [cite_event(event)])
    if "unbound" in msg and "PersistentVolumeClaim" in msg:
        claims = ", ".join(f"`{c}`" for c in obj.claims) or "its claim"
        return _mk("unbound_claim", obj, f"The {pod} stays Pending because its PersistentVolumeClaim {claims} is not "
                   f"bound (FailedScheduling: {msg[:160]}).", 0.7, [cite_event(event)], symptom=True)
    return _mk("failed_scheduling", obj, f"The {pod} stays Pending: the scheduler cannot place it ({msg[:200]}).", 0.75,
               [cite_event(event)])


def _event_hypotheses(obj: KubeObject, nodes: dict[str, dict[str, str]]) -> list[Hypothesis]:
    out = []
    name = f"{obj.kind.lower()} `{obj.name}`" + (f" (namespace {obj.namespace})" if obj.namespace else "")
    for event in obj.events:
        reason, msg = event.reason, event.message
        if reason == "FailedScheduling":
            out.append(_scheduling(obj, event, nodes))
        elif reason in ("ProvisioningFailed", "FailedBinding"):
            sc = _CLAIM_SC.search(msg) or (re.search(r'storageclass[^"]*"([^"]+)"', msg, re.I) if obj.fields.get("StorageClass") else None)
            users = obj.fields.get("Used By", "")
            used = f", so {users} that mounts it cannot start" if users and users != "<none>" else ""
            if sc:
                out.append(_mk("pvc_storage_class", obj, f"The PersistentVolumeClaim `{obj.name}`"
                               f"{' (namespace ' + obj.namespace + ')' if obj.namespace else ''} cannot bind: its "
                               f"StorageClass `{sc.group(1)}` does not exist ({msg[:120]}){used}.", 0.95, [cite_event(event)],
                               explains="explains the pods Pending on an unbound claim"))
            else:
                out.append(_mk("pvc_unbound", obj, f"The {name} cannot bind: {msg[:200]}{used}.", 0.85, [cite_event(event)]))
        elif reason in ("FailedMount", "FailedAttachVolume"):
            out.append(_mk("failed_mount", obj, f"The {name} cannot start because a volume cannot be mounted: {msg[:200]}.",
                           0.88, [cite_event(event)]))
        elif reason == "Unhealthy":
            probe = "liveness" if "Liveness" in msg else "readiness" if "Readiness" in msg else "startup" if "Startup" in msg else "health"
            out.append(_mk("probe_failure", obj, f"The {name} fails its {probe} probe: {msg[:200]}"
                           + (" (the kubelet restarts it)." if probe == "liveness" else "."), 0.72, [cite_event(event)]))
        elif reason == "Evicted" or "evicted" in msg.lower() and reason in ("Evicted", "Killing"):
            out.append(_mk("eviction", obj, f"The {name} was evicted from its node: {msg[:200]}.", 0.85, [cite_event(event)]))
        elif reason in ("BackoffLimitExceeded", "DeadlineExceeded"):
            out.append(_mk("job_failed", obj, f"The {name} failed: {msg[:200]} ({reason}).", 0.7, [cite_event(event)],
                           symptom=True))
        elif reason in ("NodeNotReady", "NodeHasDiskPressure", "NodeHasMemoryPressure", "OOMKilling", "SystemOOM"):
            out.append(_mk("node_problem", obj, f"The {name} reports {reason}: {msg[:200]}.", 0.75, [cite_event(event)]))
        elif reason == "Failed" and (pulled := _PULL_IMAGE.search(msg)) and not _pull_states(obj):
            why = _pull_reason(msg) or msg[:160]
            out.append(_mk("image_pull", obj, f"The {name} cannot start because its image `{pulled.group(1)}` cannot "
                           f"be pulled: {why} (ErrImagePull).", 0.9, [cite_event(event)]))
        elif reason == "FailedCreate":
            out.append(_mk("failed_create", obj, f"The {name} cannot create its pods: {_create_refusal(msg)}.", 0.85,
                           [cite_event(event)]))
    return out


_QUOTA = re.compile(r"exceeded quota: ([\w.-]+), requested: ([^,]+?), used: ([^,]+?), limited: ([^,\s]+)")


def _create_refusal(msg: str) -> str:
    """Why a controller cannot create pods, said plainly when it is a ResourceQuota (else the message)."""
    if quota := _QUOTA.search(msg):
        def amounts(text: str) -> dict[str, str]:
            return dict(item.split("=", 1) for item in text.split(",") if "=" in item)

        asked, used, limit = (amounts(quota.group(i)) for i in (2, 3, 4))
        said = "; ".join(f"{k}: requested {asked[k]}, used {used.get(k, '?')} of {limit.get(k, '?')}" for k in asked)
        return f"the namespace's ResourceQuota `{quota.group(1)}` has no room left ({said})"
    return msg[:200]


def _pull_states(obj: KubeObject) -> bool:
    """Whether a container's own state says its image cannot be pulled (that hypothesis is made from it)."""
    return any({c.state.reason, c.last_state.reason} & {"ErrImagePull", "ImagePullBackOff", "InvalidImageName"}
               for c in obj.containers)


def _node_hypotheses(obj: KubeObject) -> list[Hypothesis]:
    out = []
    for condition, status in obj.conditions.items():
        if (condition == "Ready" and status in ("False", "Unknown")) or \
                (condition in ("MemoryPressure", "DiskPressure", "PIDPressure") and status == "True"):
            out.append(_mk("node_problem", obj, f"Node `{obj.name}` is {'NotReady' if condition == 'Ready' else 'under ' + condition}"
                           f" ({condition}={status}); its pods are evicted or cannot be scheduled there.", 0.8,
                           [cite_at(obj, obj.line_no, f"{condition} {status}")]))
    return out


_KINDS = {"pod": "Pod", "deployment": "Deployment", "replicaset": "ReplicaSet", "job": "Job", "node": "Node",
          "persistentvolumeclaim": "PersistentVolumeClaim", "statefulset": "StatefulSet", "daemonset": "DaemonSet",
          "cronjob": "CronJob", "service": "Service"}  # fmt: skip


def with_listed_events(objects: list[KubeObject], facts: KubeFacts) -> list[KubeObject]:
    """``objects`` with the events of ``kubectl get events`` tables joined to the object each names
    (``pod/web-1``); an object that only the events name becomes an object of its own."""
    described = {id(e) for obj in objects for e in obj.events}
    by_ref = {(obj.kind.lower(), obj.name): obj for obj in objects}
    out = list(objects)
    for event in facts.events:
        if id(event) in described or "/" not in event.object:
            continue
        kind, _, name = event.object.partition("/")
        key = (_KINDS.get(kind.lower(), kind).lower(), name)
        obj = by_ref.get(key)
        if obj is None:
            obj = by_ref[key] = KubeObject(kind=_KINDS.get(kind.lower(), kind), name=name, source=event.source,
                                           line_no=event.line_no)
            out.append(obj)
        if all((e.reason, e.message) != (event.reason, event.message) for e in obj.events):
            obj.events.append(event)
    return out


def _row_hypotheses(facts: KubeFacts, described: set[tuple[str, str]]) -> list[Hypothesis]:
    """Nodes that ``kubectl get nodes`` shows NotReady or cordoned, when no describe says more of them."""
    out = []
    for row in facts.rows:
        if "ROLES" not in row.cells or "VERSION" not in row.cells or ("node", row.get("NAME")) in described:
            continue
        status, name = row.get("STATUS"), row.get("NAME")
        node = KubeObject(kind="Node", name=name, status=status, source=row.source, line_no=row.line_no)
        cite = cite_at(node, row.line_no, f"{name} {status}")
        if "NotReady" in status or "Unknown" in status:
            out.append(_mk("node_problem", node, f"Node `{name}` is NotReady (STATUS {status} in kubectl get nodes): "
                           "its pods are evicted or cannot be scheduled there.", 0.8, [cite]))
        elif "SchedulingDisabled" in status:
            out.append(_mk("node_problem", node, f"Node `{name}` is cordoned (STATUS {status}): no new pod is scheduled "
                           "there.", 0.6, [cite]))
    return out


def _stuck_rollouts(objects: list[KubeObject], found: list[Hypothesis]) -> list[Hypothesis]:
    """A Deployment whose rollout stopped progressing, tied to what its new pods fail on: the rollout is the
    object the responder acts on (roll back or fix), the pods' failure is why it is stuck."""
    out = []
    for dep in (o for o in objects if o.kind == "Deployment" and o.conditions.get("Progressing") == "False"):
        new_rs = dep.fields.get("NewReplicaSet", "").split(" ", 1)[0]
        if not new_rs or new_rs == "<none>":
            continue
        prefix = f"pod {dep.namespace + '/' if dep.namespace else ''}{new_rs}-"
        why = next((h for h in found if h.subject.startswith(prefix) and not h.symptom), None)
        images = ", ".join(f"`{c.image}`" for c in dep.containers if c.image)
        where = f"deployment `{dep.name}`" + (f" (namespace {dep.namespace})" if dep.namespace else "")
        cause = why.statement.rstrip(".") if why else "its new pods do not become available"
        replicas = dep.fields.get("Replicas", "")
        out.append(_mk("rollout_stuck", dep, f"The rollout of {where}{' to ' + images if images else ''} is stuck "
                       f"(Progressing=False{'; replicas ' + replicas if replicas else ''}): {cause[:1].lower() + cause[1:]}.",
                       min(0.95, (why.confidence if why else 0.6) + 0.03),
                       [cite_at(dep, dep.line_no, f"Progressing False; NewReplicaSet {new_rs}"),
                        *(why.evidence_for[:2] if why else [])],
                       explains="explains the new pods' failure as the rollout's"))
    return out


def kube_hypotheses(facts: KubeFacts) -> list[Hypothesis]:
    """Every candidate cause the Kubernetes facts support, unranked."""
    nodes = node_labels(facts)
    out: list[Hypothesis] = _row_hypotheses(facts, {(o.kind.lower(), o.name) for o in facts.objects})
    objects = with_listed_events(merged(facts), facts)
    for obj in objects:
        for c in obj.containers:
            out += _container_hypotheses(obj, c)
        out += _event_hypotheses(obj, nodes)
        if obj.kind == "Node":
            out += _node_hypotheses(obj)
    return out + _stuck_rollouts(objects, out)
