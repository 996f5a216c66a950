"""Kubernetes text output read for what it is, recognised by content (never by file name).

:func:`read_kube` takes the text of a file (or of a recorded tool call's output) and returns
the :class:`KubeFacts` in it: objects from ``kubectl describe`` and from ``-o yaml``/``-o json``
manifests, the rows of ``kubectl get`` / ``top`` tables, and every event (the Events tables of
``describe`` and ``kubectl get events``). Text that is none of these gives empty facts.
"""

from __future__ import annotations

import re

from warroom.data.evidence.kube.describe import parse_describe
from warroom.data.evidence.kube.manifest import YamlSubsetError, load_yaml, parse_manifest
from warroom.data.evidence.kube.models import Container, ContainerState, KubeEvent, KubeFacts, KubeObject, TableRow
from warroom.data.evidence.kube.tables import is_header, parse_tables

__all__ = ["Container", "ContainerState", "KubeEvent", "KubeFacts", "KubeObject", "TableRow", "YamlSubsetError",
           "load_yaml", "read_kube"]

_MANIFEST = re.compile(r"^(?:apiVersion|kind):\s*\S", re.MULTILINE)


def read_kube(text: str, source: str = "", kind: str = "", first_line: int = 1) -> KubeFacts:
    """The Kubernetes facts in ``text`` (line numbers start at ``first_line``); empty when there are none."""
    facts = KubeFacts()
    if not text.strip():
        return facts
    lines = list(enumerate(text.splitlines(), first_line))
    stripped = text.lstrip()
    if (stripped[:1] in "{[" and '"kind"' in text[:20000]) or _MANIFEST.match(stripped):
        facts.objects = parse_manifest(text, source)
        for obj in facts.objects:
            facts.events += obj.events
        if facts.objects:
            return facts
    if any(line.startswith("Name:") for _, line in lines):
        facts.objects = parse_describe(lines, source, kind)
        for obj in facts.objects:
            facts.events += obj.events
    if any(is_header(line) for _, line in lines):
        facts.rows, events = parse_tables(lines, source)
        facts.events += events
    return facts
