"""Export benchmark: time to export an incident of 10,000 events (aim: under 1 s).

Run: ``python bench/export.py [--events N] [--repeat R]``; ``--sizes [--million]`` prints instead the
time and peak memory of replay, ``show``, ``export`` and ``stats`` on one incident of 10k / 100k
(/ 1M) events, each in its own process (``bench/sizes.py``). The incident is a
busy P0: notes, agent runs with streamed chunks and multi-kilobyte documents,
status updates, action items, a review. Figures, best of R runs:

* ``fold only``: ``replay`` of the events (the floor: the export must fold them);
* ``record``: fold plus gathering documents, metrics and timeline rows;
* ``render``: every document rendered in memory (``render_incident``);
* ``export``: render plus the atomic write with fsync (``export_incident``).

Then the word count of each exported file, and of the set a reader reads (everything but
``timeline.md`` and ``appendix/``; the aim for the demo incident is 4,000, its review 1,200).

Nothing here asserts speed; it prints what it measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import sizes  # noqa: E402
from warroom.data import events as ev  # noqa: E402
from warroom.data.export import export_incident, render_incident  # noqa: E402
from warroom.data.export.record import build_record  # noqa: E402
from warroom.data.fold import replay  # noqa: E402
from warroom.data.models import Audience, Horizon, Level, MitigationStrategy, Severity  # noqa: E402

ID = "INC-2026-0042"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
DOCUMENT = "## Findings\n" + "\n".join(
    f"- pod checkout-{i} restarted {i % 7} times; p95 {120 + i} ms | error rate {i % 5}.{i % 10}%" for i in range(60)
)
ARTIFACTS = ("diagnostics/tier1-data.md", "root-cause-analysis.md", "mitigation-report.md", "triage-assessment.md")


def busy_incident(total: int) -> list[ev.BaseEvent]:
    """A P0 incident of ``total`` events with a realistic mix."""
    out: list[ev.BaseEvent] = []

    def add(cls: type[ev.BaseEvent], **fields: object) -> None:
        out.append(cls(incident_id=ID, at=T0 + timedelta(seconds=len(out)), seq=len(out) + 1, actor="alice", **fields))

    add(ev.IncidentDeclared, title="Checkout API returning 503", severity=Severity.P1, detected_at=T0,
        service="checkout-api", summary="Checkout fails for a third of users.")  # fmt: skip
    add(ev.Acknowledged)
    add(ev.SeveritySet, severity=Severity.P0, impact=Level.HIGH, urgency=Level.HIGH, reason="checkout down")
    run = 0
    while len(out) < total - 40:
        kind = len(out) % 10
        if kind < 5:
            add(ev.NoteAdded, text=f"observation {len(out)}: pool at {len(out) % 100}/100 | retry storm `x`")
        elif kind == 5:
            add(ev.StatusUpdatePublished, audience=Audience.STATUS_PAGE, text=f"Update {len(out)}: still investigating.")
        else:
            run += 1
            add(ev.AgentStepStarted, run_id=f"r{run}", step_id=f"step_{run % 40}", role="reliability-engineer",
                backend="offline")  # fmt: skip
            add(ev.AgentStepOutput, run_id=f"r{run}", text=DOCUMENT[:200])
            add(ev.AgentStepOutput, run_id=f"r{run}", text=DOCUMENT[200:400])
            add(ev.AgentStepFinished, run_id=f"r{run}", output=DOCUMENT, artifact=ARTIFACTS[run % len(ARTIFACTS)])
    add(ev.TierEscalated, tier=2, reason="needs the component owner")
    add(ev.ManagementNotified, reason="P0", message="[P0] checkout down")
    add(ev.MitigationExecuted, strategy=MitigationStrategy.ROLLBACK, outcome="succeeded", validation={"error_rate": "0.2%"})
    add(ev.IncidentResolved, resolution="rolled back")
    for i in range(20):
        add(ev.ActionItemAdded, item_id=f"A{i}", title=f"Action {i}", owner="bob", due=T0 + timedelta(days=7 + i),
            horizon=list(Horizon)[i % 3])  # fmt: skip
    for section in ("summary", "went_well", "could_improve", "lessons_technical"):
        add(ev.ReviewUpdated, section=section, text=f"{section} text\nsecond line")
    add(ev.ReviewCompleted)
    while len(out) < total - 1:
        add(ev.NoteAdded, text="post-review note")
    add(ev.IncidentClosed)
    return out


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    sizes.add_arguments(parser)
    args = parser.parse_args()
    if args.sizes:  # the 10k/100k(/1M) table of every reader instead
        sizes.run_from(args)
        return
    events = busy_incident(args.events)
    files = render_incident(events)
    size = sum(len(t.encode()) for t in files.values())
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        rows = [
            ("fold only (baseline)", best(lambda: replay(events), args.repeat)),
            ("record (fold + gather)", best(lambda: build_record(events), args.repeat)),
            ("render in memory", best(lambda: render_incident(events), args.repeat)),
            ("export (render + atomic write, fsync)", best(lambda: export_incident(events, Path(tmp)), args.repeat)),
        ]
    print(f"export benchmark: {len(events):,} events -> {len(files)} files, {size / 1024:,.0f} KiB (best of {args.repeat})")
    print(f"{'step':<40} {'seconds':>8} {'x fold':>8}")
    baseline = rows[0][1]
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>8.3f} {seconds / baseline:>8.1f}")
    verdict = "under" if rows[-1][1] < 1.0 else "OVER"
    print(f"aim: export of {len(events):,} events under 1 s -> {verdict} ({rows[-1][1]:.3f} s)")
    print_word_counts(files)


def reader_words(files: dict[str, str]) -> int:
    """Words in the documents a reader reads: every markdown file but the full timeline and the appendix."""
    return sum(len(text.split()) for path, text in files.items()
               if path.endswith(".md") and path != "timeline.md" and not path.startswith("appendix/"))  # fmt: skip


def print_word_counts(files: dict[str, str]) -> None:
    print(f"{'file':<48} {'words':>8}")
    for path, text in files.items():
        if path.endswith(".md"):
            print(f"{path:<48} {len(text.split()):>8,}")
    pir = len(files["post-incident-review.md"].split())
    print(f"set without timeline.md and appendix/: {reader_words(files):,} words; post-incident-review.md: {pir:,}")

if __name__ == "__main__":
    main()
