"""What Kubernetes text output reads into: objects, their containers, events and table rows.

These are facts as the cluster reported them (kind, namespace, name, phase, reasons, exact
messages), each with the file and line it came from, so a conclusion can cite them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KubeEvent:
    """One row of an Events table (``describe``) or of ``kubectl get events``."""

    type: str  # Normal | Warning
    reason: str  # FailedScheduling, BackOff, FailedMount, Unhealthy, ...
    message: str
    object: str = ""  # kind/name, e.g. Pod/web-1
    age: str = ""
    origin: str = ""  # the From column: kubelet, default-scheduler, ...
    count: int = 1  # "(x26 over 7m)" -> 26
    source: str = ""
    line_no: int = 0


@dataclass
class ContainerState:
    """A container's State or Last State block."""

    state: str = ""  # Running | Waiting | Terminated
    reason: str = ""  # CrashLoopBackOff, OOMKilled, Error, ErrImagePull, ...
    message: str = ""
    exit_code: int | None = None
    line_no: int = 0


@dataclass
class Container:
    """One container of a pod (or of a workload's pod template)."""

    name: str
    image: str = ""
    command: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    state: ContainerState = field(default_factory=ContainerState)
    last_state: ContainerState = field(default_factory=ContainerState)
    ready: bool | None = None
    restarts: int | None = None
    limits: dict[str, str] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    probes: dict[str, str] = field(default_factory=dict)  # Liveness/Readiness/Startup -> the probe line
    init: bool = False
    line_no: int = 0

    @property
    def full_command(self) -> str:
        return " ".join(self.command + self.args).strip()


@dataclass
class KubeObject:
    """One object: a pod, deployment, job, node, PVC... as ``describe`` or a manifest showed it."""

    kind: str
    name: str
    namespace: str = ""
    status: str = ""  # the phase (Pending, Running, Failed) or the STATUS column
    fields: dict[str, str] = field(default_factory=dict)  # top-level "Key: value" lines
    containers: list[Container] = field(default_factory=list)
    conditions: dict[str, str] = field(default_factory=dict)  # type -> status
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: list[str] = field(default_factory=list)
    taints: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    claims: list[str] = field(default_factory=list)  # PersistentVolumeClaims its volumes use
    events: list[KubeEvent] = field(default_factory=list)
    source: str = ""
    line_no: int = 0

    @property
    def ref(self) -> str:
        """``pod default/web-1`` (kind in lower case, namespace when known)."""
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind.lower()} {where}"


@dataclass
class TableRow:
    """One row of a ``kubectl get`` table (``-o wide``, ``top``): column name -> cell."""

    cells: dict[str, str]
    source: str = ""
    line_no: int = 0

    def get(self, column: str, default: str = "") -> str:
        return self.cells.get(column, default)


@dataclass
class KubeFacts:
    """Everything read from one piece of Kubernetes text output."""

    objects: list[KubeObject] = field(default_factory=list)
    events: list[KubeEvent] = field(default_factory=list)  # every event, the describe tables' included
    rows: list[TableRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.objects or self.events or self.rows)

    def extend(self, other: KubeFacts) -> None:
        self.objects += other.objects
        self.events += other.events
        self.rows += other.rows
