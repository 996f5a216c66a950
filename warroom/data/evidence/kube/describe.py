"""``kubectl describe`` output (pod, deployment, replicaset, job, node, pvc, pv...) into :class:`KubeObject` s.

The output is an indented outline of ``Key: value`` lines with a few tables (Conditions, Events)
and bare lines (a command's arguments, label continuations). It is read as a tree by
indentation, then each object's parts are picked out by their keys. Several objects in one text
(``kubectl describe pods``) are split on the column-0 ``Name:`` lines. The kind comes from the
caller when known, else from which keys the object has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.data.evidence.kube.models import Container, ContainerState, KubeEvent, KubeObject
from warroom.data.evidence.kube.tables import parse_columns

_KEY = re.compile(r"^( *)([A-Za-z][\w .()/-]{0,48}?):(?:[ \t]+(.*?))?\s*$")
_COUNT = re.compile(r"\(x(\d+) over [^)]*\)")
_KIND_KEYS = (  # (kind, keys that only this kind's describe has)
    ("Job", ("Backoff Limit", "Completions", "Pods Statuses")),
    ("CronJob", ("Schedule", "Concurrency Policy")),
    ("Deployment", ("StrategyType", "RollingUpdateStrategy")),
    ("StatefulSet", ("Update Strategy", "Pods Status")),
    ("ReplicaSet", ("Replicas", "Pods Status")),
    ("Node", ("Taints", "Unschedulable", "System Info")),
    ("PersistentVolumeClaim", ("Access Modes", "StorageClass", "Used By")),
    ("PersistentVolume", ("Reclaim Policy", "Source")),
    ("Pod", ("Containers", "QoS Class", "Controlled By", "IP")),
)


@dataclass
class _Node:
    indent: int
    key: str
    value: str
    line_no: int
    children: list[_Node] = field(default_factory=list)
    text: list[tuple[int, str]] = field(default_factory=list)  # bare lines under it: (line_no, text)

    def child(self, key: str) -> _Node | None:
        return next((c for c in self.children if c.key == key), None)

    def get(self, key: str) -> str:
        node = self.child(key)
        return node.value if node else ""


def _tree(lines: list[tuple[int, str]]) -> _Node:
    root = _Node(-1, "", "", 0)
    stack = [root]
    table: _Node | None = None  # an Events/Conditions node whose table rows follow
    for line_no, line in lines:
        if not line.strip():
            table = None if table and table.key != "Events" else table
            continue
        indent = len(line) - len(line.lstrip(" "))
        if table is not None and indent > table.indent and (table.key == "Events" or not _KEY.match(line)):
            table.text.append((line_no, line))
            continue
        table = None
        m = _KEY.match(line)
        while len(stack) > 1 and stack[-1].indent >= indent:
            stack.pop()
        if m is None or (m.group(2).count(" ") > 3):
            stack[-1].text.append((line_no, line.strip()))
            continue
        node = _Node(indent, m.group(2).strip(), (m.group(3) or "").strip(), line_no)
        stack[-1].children.append(node)
        stack.append(node)
        if node.key in ("Events", "Conditions") and not node.value:
            table = node
    return root


def _kind(node: _Node, hint: str) -> str:
    if hint:
        return hint
    keys = {c.key for c in node.children}
    # The kind with the most of its own keys (a ReplicaSet's Replicas and Pods Status beat the Pods Status a
    # StatefulSet shares); on a tie the first listed.
    scores = [(sum(k in keys for k in marks), -i, kind) for i, (kind, marks) in enumerate(_KIND_KEYS)]
    best = max(scores)
    return best[2] if best[0] else "Object"


def _state(node: _Node | None) -> ContainerState:
    if node is None:
        return ContainerState()
    code = node.get("Exit Code")
    return ContainerState(node.value, node.get("Reason"), node.get("Message"),
                          int(code) if code.lstrip("-").isdigit() else None, node.line_no)


def _pairs(node: _Node | None) -> dict[str, str]:
    if node is None:
        return {}
    return {c.key: c.value for c in node.children}


def _items(node: _Node | None) -> list[str]:
    if node is None:
        return []
    if node.value and node.value != "<none>":
        return [node.value]
    return [text for _, text in node.text] + [f"{c.key}: {c.value}".strip() for c in node.children]


def _containers(section: _Node | None, init: bool = False) -> list[Container]:
    out = []
    for c in section.children if section else []:
        restarts = c.get("Restart Count")
        ready = c.get("Ready")
        env = {e.key: e.value for e in c.child("Environment").children} if c.child("Environment") else {}
        out.append(Container(
            name=c.key, image=c.get("Image"), command=_items(c.child("Command")), args=_items(c.child("Args")),
            state=_state(c.child("State")), last_state=_state(c.child("Last State")),
            ready={"True": True, "False": False}.get(ready), restarts=int(restarts) if restarts.isdigit() else None,
            limits=_pairs(c.child("Limits")), requests=_pairs(c.child("Requests")), env=env,
            probes={k: c.get(k) for k in ("Liveness", "Readiness", "Startup") if c.get(k)}, init=init,
            line_no=c.line_no))
    return out


_EVENT_ROW = re.compile(r"^\s*(Normal|Warning)\s+(\S+)\s+(\S+(?:\s+\(x\d+ over [^)]*\))?)\s+(\S+(?:, \S+)?)\s+(.*)$")


def _events(node: _Node | None, obj: str, source: str) -> list[KubeEvent]:
    """The Events table: rows read by their fixed shape (type, reason, age, from, message), which holds even
    when the columns are not aligned (copied, re-wrapped output); other rows by the header's columns."""
    if node is None or not node.text:
        return []
    out = []
    rest = []
    for line_no, line in node.text:
        m = _EVENT_ROW.match(line)
        if m is None:
            rest.append((line_no, line))
            continue
        kind, reason, age, origin, message = m.groups()
        count = _COUNT.search(age)
        out.append(KubeEvent(kind, reason, message.strip(), obj, age, origin, int(count.group(1)) if count else 1,
                             source, line_no))
    if out:
        return out
    for cells, line_no in parse_columns(rest):
        message = cells.get("MESSAGE", "")
        count = _COUNT.search(cells.get("AGE", ""))
        out.append(KubeEvent(cells.get("TYPE", ""), cells.get("REASON", ""), message, obj, cells.get("AGE", ""),
                             cells.get("FROM", ""), int(count.group(1)) if count else 1, source, line_no))
    return out


def _labels(value: str, node: _Node) -> dict[str, str]:
    items = ([value] if value and value != "<none>" else []) + [t for _, t in node.text]
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in items)


def _object(node: _Node, hint: str, source: str) -> KubeObject:
    top = node.children
    fields = {c.key: c.value for c in top if c.value}
    kind = _kind(node, hint)
    name = node.get("Name")
    obj = KubeObject(kind=kind, name=name, namespace=node.get("Namespace"), source=source,
                     line_no=node.child("Name").line_no if node.child("Name") else 0, fields=fields)
    obj.status = node.get("Status") or node.get("Phase")
    template = node.child("Pod Template")
    holder = template if template is not None else node
    obj.containers = _containers(holder.child("Init Containers"), True) + _containers(holder.child("Containers"))
    conditions = node.child("Conditions")
    if conditions is not None:
        for cells, _ in parse_columns(conditions.text):
            if cells.get("TYPE"):
                obj.conditions[cells["TYPE"]] = cells.get("STATUS", "")
    selectors = holder.child("Node-Selectors") or node.child("Node-Selectors")
    for item in _items(selectors):
        key, _, value = item.partition("=")
        obj.node_selector[key.strip()] = value.strip()
    obj.tolerations = _items(holder.child("Tolerations") or node.child("Tolerations"))
    obj.taints = [t for t in _items(node.child("Taints")) if t != "<none>"]
    labels = node.child("Labels")
    if labels is not None:
        obj.labels = _labels(labels.value, labels)
    volumes = holder.child("Volumes") or node.child("Volumes")
    obj.claims = [v.get("ClaimName") for v in (volumes.children if volumes else []) if v.get("ClaimName")]
    obj.events = _events(node.child("Events"), f"{kind}/{name}", source)
    return obj


def parse_describe(lines: list[tuple[int, str]], source: str = "", kind: str = "") -> list[KubeObject]:
    """The objects in ``kubectl describe`` output given as ``(line_no, text)`` pairs ([] when it is not that)."""
    chunks: list[list[tuple[int, str]]] = []
    for line_no, line in lines:
        if line.startswith("Name:"):
            chunks.append([])
        if chunks:
            chunks[-1].append((line_no, line.rstrip("\r\n")))
    objects = []
    for chunk in chunks:
        root = _tree(chunk)
        keys = {c.key for c in root.children}
        if "Name" in keys and len(keys) >= 3:
            objects.append(_object(root, _canonical_kind(kind), source))
    return objects


_KINDS = {k.lower(): k for k, _ in _KIND_KEYS} | {"pvc": "PersistentVolumeClaim", "pv": "PersistentVolume",
                                                  "po": "Pod", "pods": "Pod", "deploy": "Deployment", "no": "Node",
                                                  "nodes": "Node", "jobs": "Job"}


def _canonical_kind(kind: str) -> str:
    return _KINDS.get(kind.lower().strip(), kind[:1].upper() + kind[1:] if kind else "")
