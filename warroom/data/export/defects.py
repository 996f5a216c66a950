"""The export's self-check: leftovers a rendered document must never contain.

``find_defects`` is used by the tests on every exported file and by
``tidy`` (the renderer's post-pass) for the empty-heading rule. Text inside
fenced code blocks is quoted material (an agent's command, a log excerpt) and
is not checked for template syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from warroom.data.export.markdown import code_spans

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+\S")
_TEMPLATE = re.compile(r"(?<!\\)\{\{|(?<!\\)\{%|(?<!\\)\{#|(?<!\\)%\}|(?<!\\)\}\}")
_PLACEHOLDER = re.compile(r"(?<!\\)\{[A-Za-z_][\w .|/-]{0,60}(?<!\\)\}")
_LEAK = re.compile(r"(?:^|[:|(]\s*|\*\*\s)(None|null|undefined|NaN)\s*(?=$|[|)])")


def prose_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """``(line number, line, inside a code fence)`` for each line of ``text``."""
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            yield number, line, True
            continue
        if match:
            fence = match.group(1)
            yield number, line, True
            continue
        yield number, line, False


def empty_headings(text: str) -> list[int]:
    """Line numbers (1-based) of headings followed by no content before the next same-or-higher heading."""
    lines = list(prose_lines(text))
    found = []
    for index, (number, line, in_code) in enumerate(lines):
        heading = None if in_code else _HEADING.match(line)
        if not heading:
            continue
        level = len(heading.group(1))
        has_content = False
        for _, following, following_code in lines[index + 1 :]:
            if not following.strip():
                continue
            next_heading = None if following_code else _HEADING.match(following)
            if next_heading and len(next_heading.group(1)) <= level:
                break
            if next_heading:
                continue  # a subsection; it counts only if it has content itself
            has_content = True
            break
        if not has_content:
            found.append(number)
    return found


def find_defects(files: Mapping[str, str]) -> list[str]:
    """Every defect in ``files`` (path → text), as ``"path:line: what"`` strings, in a stable order."""
    defects: list[str] = []
    for path in sorted(files):
        text = files[path]
        if not text.strip():
            defects.append(f"{path}:1: the file is empty")
            continue
        if not text.endswith("\n") or text.endswith("\n\n"):
            defects.append(f"{path}: the file must end with exactly one newline")
        if path.endswith(".csv"):
            continue
        for number, line, in_code in prose_lines(text):
            if line != line.rstrip():
                defects.append(f"{path}:{number}: trailing whitespace")
            if in_code:
                continue
            line = "".join(piece for is_code, piece in code_spans(line) if not is_code)  # quoted material
            if _TEMPLATE.search(line):
                defects.append(f"{path}:{number}: unrendered template syntax: {line.strip()[:80]}")
            if _PLACEHOLDER.search(line):
                defects.append(f"{path}:{number}: placeholder left in: {line.strip()[:80]}")
            if _LEAK.search(line):
                defects.append(f"{path}:{number}: a missing value leaked as text: {line.strip()[:80]}")
        for number in empty_headings(text):
            defects.append(f"{path}:{number}: heading with no content")
    return defects
