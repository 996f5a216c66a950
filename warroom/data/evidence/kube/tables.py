"""Column-aligned tables: ``kubectl get`` (``-o wide``, ``--show-labels``), ``get events``, ``top``, and the
Events/Conditions tables inside ``describe``.

kubectl pads every column to its widest cell, so a header's words mark where each column
starts; a cell is the text from its column's start to the next one's (the last column takes the
rest of the line). A header is a line of upper-case column names (``NAME``, ``LAST SEEN``,
``CPU(cores)``...) or, inside ``describe``, of capitalised ones (``Type  Reason  Age  From  Message``).
"""

from __future__ import annotations

import re

from warroom.data.evidence.kube.models import KubeEvent, TableRow

_HEADER_WORD = re.compile(r"^[A-Z][A-Z0-9()%/_.-]*$")
_FIRST = ("NAME", "NAMESPACE", "LAST", "TYPE", "KIND")
_COLUMN = re.compile(r"\S+(?: \S+)*")
_RULE = re.compile(r"^\s*-{2,}(?:\s+-{2,})*\s*$")
_COUNT = re.compile(r"\(x(\d+) over [^)]*\)|^(\d+)$")


def _starts(header: str) -> list[tuple[int, str]]:
    """(start column, upper-case name) of each column; names are separated by two or more spaces,
    except upper-case headers whose names are single words or known two-word names."""
    found = []
    for m in re.finditer(r"\S+", header):
        word = m.group(0)
        if found and header[m.start() - 2:m.start()] != "  " and (found[-1][1] + " " + word.upper()) in _TWO_WORDS:
            found[-1] = (found[-1][0], found[-1][1] + " " + word.upper())
            continue
        found.append((m.start(), word.upper()))
    return found


_TWO_WORDS = {"LAST SEEN", "NOMINATED NODE", "READINESS GATES", "ACCESS MODES", "INTERNAL-IP", "EXTERNAL IP",
              "CLUSTER IP", "OS IMAGE", "KERNEL VERSION", "CONTAINER RUNTIME", "FIRST SEEN"}


def _cells(line: str, starts: list[tuple[int, str]]) -> dict[str, str]:
    cells = {}
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(line)
        if start > 0 and start < len(line) and line[start - 1] != " ":  # a wide cell spilled over: move to its end
            start = line.find(" ", start) + 1 or len(line)
        cells[name] = line[start:end].strip() if index + 1 < len(starts) else line[start:].strip()
    return cells


def is_header(line: str) -> bool:
    """Whether ``line`` is the header of a ``kubectl get`` table (``NAME  READY  STATUS ...``)."""
    words = line.split()
    return len(words) >= 2 and not line[:1].isspace() and words[0] in _FIRST and all(_HEADER_WORD.match(w) for w in words)


def parse_columns(lines: list[tuple[int, str]]) -> list[tuple[dict[str, str], int]]:
    """The rows of a table given as ``(line_no, text)``, its first non-rule line being the header."""
    body = [(n, line.rstrip()) for n, line in lines if line.strip() and not _RULE.match(line)]
    if not body:
        return []
    offset = len(body[0][1]) - len(body[0][1].lstrip())
    starts = _starts(body[0][1].strip())
    out = []
    for line_no, line in body[1:]:
        text = line[offset:] if line[:offset].strip() == "" else line.strip()
        if text.strip() in ("<none>",):
            continue
        out.append((_cells(text, starts), line_no))
    return out


def parse_tables(lines: list[tuple[int, str]], source: str = "") -> tuple[list[TableRow], list[KubeEvent]]:
    """Every ``kubectl get``-style table in ``lines``: its rows, and the rows of event tables as events."""
    rows: list[TableRow] = []
    events: list[KubeEvent] = []
    starts: list[tuple[int, str]] | None = None
    for line_no, line in lines:
        line = line.rstrip("\r\n")
        if is_header(line):
            starts = _starts(line)
            continue
        if starts is None or not line.strip():
            starts = None if not line.strip() else starts
            continue
        if len(line) - len(line.lstrip()) > 0 and len(starts) > 1:
            continue  # indented text under a table is not a row of it
        cells = _cells(line, starts)
        row = TableRow(cells, source, line_no)
        rows.append(row)
        if "REASON" in cells and ("MESSAGE" in cells or "OBJECT" in cells):
            count = _COUNT.search(cells.get("COUNT", "") or cells.get("LAST SEEN", ""))
            events.append(KubeEvent(cells.get("TYPE", ""), cells["REASON"], cells.get("MESSAGE", ""),
                                    cells.get("OBJECT", cells.get("INVOLVED OBJECT", "")), cells.get("LAST SEEN", ""),
                                    cells.get("SOURCE", cells.get("FROM", "")),
                                    int(next((g for g in count.groups() if g), "1")) if count else 1, source, line_no))
    return rows, events
