"""Manifests (``kubectl get -o yaml`` / ``-o json``, a ``List`` of them) into :class:`KubeObject` s.

JSON is decoded with the standard library; YAML with :func:`load_yaml`, a reader for the block
subset kubectl writes (mappings, ``-`` sequences, plain and quoted scalars, ``|`` blocks, ``{}`` and
``[]``), so no YAML library is needed. Anything it cannot read is reported, not guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from warroom.data.evidence.kube.models import Container, ContainerState, KubeEvent, KubeObject

_PAIR = re.compile(r"^([^\s#'\"][^:]*?|\"[^\"]*\"|'[^']*'):(?:\s+(.*))?$")


class YamlSubsetError(ValueError):
    """The text uses YAML this reader does not handle (anchors, flow mappings with content...)."""


def _scalar(text: str) -> Any:
    text = text.strip()
    if text in ("", "~", "null"):
        return None if text else ""
    if text[:1] in "[{" and text[-1:] in "]}":  # a flow collection: JSON-compatible ones are read, others kept as text
        try:
            return json.loads(text)
        except ValueError:
            inner = [_scalar(part) for part in text[1:-1].split(",") if part.strip()]
            return inner if text[:1] == "[" else text
    if text[:1] in "\"'" and text[-1:] == text[:1] and len(text) >= 2:
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def load_yaml(text: str) -> Any:
    """The document in ``text`` (the first one, when there are several)."""
    lines = [(len(line) - len(line.lstrip(" ")), line.strip()) for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    lines = [item for item in lines if item[1] not in ("---",)] if lines and lines[0][1] == "---" else lines
    value, _ = _block(lines, 0, lines[0][0] if lines else 0)
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if i >= len(lines):
        return None, i
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _mapping(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        m = _PAIR.match(lines[i][1])
        if m is None:
            raise YamlSubsetError(f"line {lines[i][1][:60]!r} is not a key: value pair")
        key, rest = _scalar(m.group(1)), (m.group(2) or "").strip()
        i += 1
        if rest in ("|", "|-", ">", ">-", "|+"):
            body = []
            while i < len(lines) and lines[i][0] > indent:
                body.append(lines[i][1])
                i += 1
            out[str(key)] = "\n".join(body)
        elif rest:
            out[str(key)] = _scalar(rest)
        elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))):
            out[str(key)], i = _block(lines, i, lines[i][0])
        else:
            out[str(key)] = None
    return out, i


def _sequence(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and (lines[i][1].startswith("- ") or lines[i][1] == "-"):
        rest = lines[i][1][2:].strip()
        if not rest:
            value, i = _block(lines, i + 1, lines[i + 1][0]) if i + 1 < len(lines) else (None, i + 1)
            out.append(value)
        elif _PAIR.match(rest) and not rest.startswith(("\"", "'")):
            inner = indent + 2
            sub = [(inner, rest)]
            j = i + 1
            while j < len(lines) and lines[j][0] >= inner:
                sub.append(lines[j])
                j += 1
            value, _ = _mapping(sub, 0, inner)
            out.append(value)
            i = j
        else:
            out.append(_scalar(rest))
            i += 1
    return out, i


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value not in (None, "") else []


def _state(status: dict[str, Any]) -> ContainerState:
    for state, body in (status or {}).items():
        if isinstance(body, dict):
            code = body.get("exitCode")
            return ContainerState(state[:1].upper() + state[1:], _text(body.get("reason")), _text(body.get("message")),
                                  code if isinstance(code, int) else None)
    return ContainerState()


def from_manifest(doc: Any, source: str = "") -> list[KubeObject]:
    """The objects of a manifest (a ``List``'s items too); [] when ``doc`` is not a Kubernetes object."""
    if not isinstance(doc, dict):
        return []
    if isinstance(doc.get("items"), list):
        return [obj for item in doc["items"] for obj in from_manifest(item, source)]
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(doc.get("kind"), str):
        return []
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    status = doc.get("status") if isinstance(doc.get("status"), dict) else {}
    pod_spec = spec.get("template", {}).get("spec", spec) if isinstance(spec.get("template"), dict) else spec
    pod_spec = pod_spec.get("jobTemplate", pod_spec) if isinstance(pod_spec, dict) else {}
    obj = KubeObject(kind=doc["kind"], name=_text(meta.get("name")), namespace=_text(meta.get("namespace")),
                     status=_text(status.get("phase")), source=source)
    obj.labels = {str(k): _text(v) for k, v in (meta.get("labels") or {}).items()} if isinstance(meta.get("labels"), dict) else {}
    if isinstance(pod_spec.get("nodeSelector"), dict):
        obj.node_selector = {str(k): _text(v) for k, v in pod_spec["nodeSelector"].items()}
    statuses = {s.get("name"): s for s in status.get("containerStatuses") or [] if isinstance(s, dict)}
    for c in pod_spec.get("containers") or []:
        if not isinstance(c, dict):
            continue
        resources = c.get("resources") if isinstance(c.get("resources"), dict) else {}
        st = statuses.get(c.get("name"), {})
        obj.containers.append(Container(
            name=_text(c.get("name")), image=_text(c.get("image")), command=[_text(x) for x in _list(c.get("command"))],
            args=[_text(x) for x in _list(c.get("args"))], state=_state(st.get("state")),
            last_state=_state(st.get("lastState")), ready=st.get("ready"), restarts=st.get("restartCount"),
            limits={k: _text(v) for k, v in (resources.get("limits") or {}).items()},
            requests={k: _text(v) for k, v in (resources.get("requests") or {}).items()},
            env={_text(e.get("name")): _text(e.get("value")) for e in c.get("env") or [] if isinstance(e, dict)}))
    for cond in status.get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type"):
            obj.conditions[str(cond["type"])] = _text(cond.get("status"))
            if cond.get("reason") and cond.get("status") in ("False", False):
                obj.events.append(KubeEvent("Warning", _text(cond.get("reason")), _text(cond.get("message")),
                                            f"{obj.kind}/{obj.name}", source=source))
    if spec.get("storageClassName"):
        obj.fields["StorageClass"] = _text(spec["storageClassName"])
    if doc["kind"] == "Event":
        involved = doc.get("involvedObject") or {}
        obj.events.append(KubeEvent(_text(doc.get("type")), _text(doc.get("reason")), _text(doc.get("message")),
                                    f"{_text(involved.get('kind'))}/{_text(involved.get('name'))}",
                                    count=doc.get("count") if isinstance(doc.get("count"), int) else 1, source=source))
    return [obj]


def parse_manifest(text: str, source: str = "") -> list[KubeObject]:
    """Objects from JSON or YAML manifest text; [] when it is neither a manifest nor readable."""
    stripped = text.lstrip()
    try:
        doc = json.loads(stripped) if stripped[:1] in "{[" else load_yaml(text)
    except (ValueError, RecursionError, IndexError):
        return []
    if isinstance(doc, list):
        return [obj for item in doc for obj in from_manifest(item, source)]
    return from_manifest(doc, source)
