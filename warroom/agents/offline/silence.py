"""A log line that should be there and is not: handlers whose spans stop carrying their own log line.

When a system logs in (nearly) every request handler — most spans of every logging service
have at least one log line with their span id — a handler whose spans carry none, or stop
carrying one at some moment, is failing silently: the usual reading is an exception thrown
before the log statement, swallowed or only visible to the callers (whose errors then follow).
This needs traces and logs that name the span id; without them it says nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from warroom.agents.offline.findings import Hypothesis
from warroom.agents.offline.signatures import workload
from warroom.data.answers import Citation

MIN_SPANS = 10
MIN_NORM = 0.8  # below this share of logged spans, the system does not log per request and nothing is expected


def _split(points: list[tuple[datetime, bool]]) -> tuple[datetime, int, int, int, int] | None:
    """The moment the spans stop carrying a log line: (at, logged before, spans before, logged after, spans after)."""
    points.sort()
    total_logged = sum(logged for _, logged in points)
    best, best_score, logged_before = None, -1, 0
    for index, (at, logged) in enumerate(points):
        before_n, after_n = index, len(points) - index
        after_logged = total_logged - logged_before
        score = logged_before + (after_n - after_logged)
        if before_n >= 3 and logged_before >= 0.8 * before_n and after_logged <= 0.3 * after_n and score > best_score:
            best, best_score = (at, logged_before, before_n, after_logged, after_n), score
        logged_before += logged
    return best


def silent_handlers(spans: list[tuple[str, str, str, str, datetime | None]], logged: set[tuple[str, str]],
                    source: str) -> list[Hypothesis]:
    """Hypotheses for handlers whose expected log line is missing (see the module docstring).

    ``spans`` are (pod, operation, span id, parent id, start). A request's handling in a pod is its
    entry span (the parent is in another pod, or there is none) with the pod's spans below it; it
    counts as logged when any of them carries a log line of that pod.
    """
    by_id = {span: (who, op, parent) for who, op, span, parent, _ in spans}
    children: dict[str, list[str]] = defaultdict(list)
    for who, _, span, parent, _ in spans:
        if parent in by_id and by_id[parent][0] == who:
            children[parent].append(span)

    def handled_with_log(span: str, who: str) -> bool:
        stack = [span]
        while stack:
            current = stack.pop()
            if (who, current) in logged:
                return True
            stack += children.get(current, ())
        return False

    logging_pods = {pod for pod, _ in logged}
    by_op: dict[tuple[str, str], list[tuple[datetime | None, bool]]] = defaultdict(list)
    inner: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for who, op, span, parent, start in spans:
        if who not in logging_pods or (parent in by_id and by_id[parent][0] == who):
            continue  # a pod that never logs expects nothing; an inner span is part of its entry span's handling
        by_op[(who, op)].append((start, handled_with_log(span, who)))
        inner[(who, op)].update(by_id[c][1] for c in children.get(span, ()))
    ratios = {key: sum(flag for _, flag in items) / len(items) for key, items in by_op.items() if len(items) >= MIN_SPANS}
    if len(ratios) < 3:
        return []
    ordered = sorted(ratios.values())
    norm = ordered[len(ordered) // 2]
    if norm < MIN_NORM:
        return []
    services = {workload(who) for who, _ in ratios}
    out = []
    candidates = [(len(by_op[key]) * (norm - ratio), key) for key, ratio in ratios.items() if ratio <= norm - 0.5]
    for missing, (who, op) in sorted(candidates, reverse=True)[:2]:
        items = by_op[(who, op)]
        n, with_log = len(items), sum(flag for _, flag in items)
        split = _split([(at, flag) for at, flag in items if at is not None])
        if split:
            at, lb, nb, la, na = split
            when = (f" since {at:%Y-%m-%d %H:%M:%S}Z ({lb} of the {nb} requests before then logged, {la} of the {na} "
                    "after)")
        else:
            when = " throughout the attached window"
        handler = inner[(who, op)].most_common(1)
        named = f"`{handler[0][0]}` (`{op}`)" if handler else f"`{op}`"
        service = workload(who)
        statement = (f"`{service}` (pod `{who}`) fails silently in its {named} handler: {n - with_log} of the {n} "
                     f"requests it handled there logged nothing{when}, while the other handlers of the "
                     f"{len(services) - 1} logging services log in {norm:.0%} of their requests. An expected log line "
                     "is missing: the handler most likely throws an exception before it logs (none is logged), and its "
                     "callers' errors follow from it.")
        out.append(Hypothesis(family="missing_log_line", subject=f"service {service}", statement=statement,
                              confidence=round(min(0.8, 0.5 + missing / 200), 2),
                              evidence_for=[Citation(source=source, detail=f"{op} on {who}: {with_log}/{n} requests "
                                                     f"logged; median handler {norm:.0%}")],
                              explains="explains errors in the services that call it; no exception text is in the logs"))
    return out
