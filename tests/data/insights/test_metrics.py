"""The figures over the seeded history (see conftest) are exactly the known answers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from tests.data.insights.conftest import NOW, SERVICES, action_state, tier_of
from warroom.data.insights import compute_figures, load_history
from warroom.data.insights.report import render_markdown, render_plain


@pytest.fixture
async def figures(history_store):
    return compute_figures(await load_history(history_store), NOW)


async def test_mean_times_by_priority_are_exact(figures) -> None:
    expected = {  # seconds: P0, P1, P2, P3
        "mttd": (120, 120, 120, 120),
        "mtta": (60, 240, 1200, 3600),
        "mtte": (600, 1200, 3600, 7200),
        "mttr": (5400, 10800, 36000, 108000),
    }
    for key, values in expected.items():
        fig = figures.figure(key)
        assert [fig.by_priority[p].value for p in ("P0", "P1", "P2", "P3")] == list(values), key
        assert fig.overall.value == sum(values) / 4
        assert fig.overall.count == 60
    mtta = figures.figure("mtta")
    assert [mtta.by_priority[p].met for p in ("P0", "P1", "P2", "P3")] == [True, True, True, None]
    assert mtta.by_priority["P0"].within == 1.0


async def test_resolution_rate_by_tier_counts_the_tier_at_resolution(figures) -> None:
    for tier, hits in ((1, 42), (2, 12), (3, 6)):
        cell = figures.figure(f"tier{tier}").overall
        assert (cell.hits, cell.count, cell.met) == (hits, 60, True)
    checkout = figures.figure("tier1").by_service["checkout"]
    assert checkout.hits == sum(1 for i in range(0, 60, 3) if tier_of(i) == 1)


async def test_recurrence_review_and_actions(figures) -> None:
    rec = figures.figure("recurrence").overall
    assert (rec.hits, rec.count, rec.met) == (1, 55, True)
    assert figures.figure("recurrence").by_month["2026-09"].hits == 1  # incident 40, detected in September
    review = figures.figure("review")
    assert (review.overall.hits, review.overall.count, review.overall.met) == (27, 30, False)
    assert (review.by_priority["P0"].hits, review.by_priority["P0"].count) == (13, 15)
    assert (review.by_priority["P1"].hits, review.by_priority["P1"].count) == (14, 15)
    assert review.by_priority["P2"].met is None
    actions = figures.figure("actions")
    assert (actions.overall.hits, actions.overall.count, actions.overall.met) == (41, 60, False)
    for s, service in enumerate(SERVICES):
        ids = range(s, 60, 3)
        assert actions.by_service[service].hits == sum(action_state(i) == "on_time" for i in ids)


async def test_trend_by_month_and_since(history_store) -> None:
    history = await load_history(history_store)
    figures = compute_figures(history, NOW)
    assert figures.months == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert all(figures.figure("mttd").by_month[m].count == 10 for m in figures.months)
    later = compute_figures(history, NOW, since=datetime(2026, 8, 1, tzinfo=timezone.utc))
    assert later.incidents == 30 and later.months == ["2026-08", "2026-09", "2026-10"]
    assert later.figure("recurrence").overall.hits == 1  # matched against an earlier incident outside the window


async def test_plain_and_markdown_tables_carry_the_same_figures(figures) -> None:
    text, md = render_plain(figures), render_markdown(figures)
    for needle in ("21m 15s", "70% (42/60)", "90% (27/30) !", "68% (41/60) !", "2% (1/55)", "2026-10", "payments"):
        assert needle in text and needle in md, needle
    assert "MISSED" in text and "| Mean time to acknowledge |" in md


async def test_stats_cli_json_and_bad_since(history_store, db_path) -> None:
    run = lambda *a: subprocess.run([sys.executable, "-m", "warroom", "stats", "--db", str(db_path), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=60)  # fmt: skip
    out = run("--json", "--since", "2026-10-01")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["incidents"] == 10 and data["months"] == ["2026-10"]
    for bad in ("2026-13-01", "yesterday", "\x1b[31m", "9" * 5000):
        out = run("--since", bad)
        assert out.returncode == 2 and "is not a date: use YYYY-MM-DD" in out.stderr
        assert "\x1b" not in out.stderr and len(out.stderr) < 300


async def test_the_fast_read_gives_the_same_figures(history_store) -> None:
    full = compute_figures(await load_history(history_store), NOW)
    fast = compute_figures(await load_history(history_store, chunks=False), NOW)
    assert fast.to_json() == full.to_json()


def test_empty_history_says_so() -> None:
    figures = compute_figures([], NOW)
    assert figures.figure("mttr").overall.value is None
    assert "No incidents to measure." in render_plain(figures) and "No incidents to measure." in render_markdown(figures)


def test_stats_on_a_damaged_or_foreign_file_is_one_clear_line(tmp_path) -> None:
    for name, content in (("garbage.db", b"\x00\xff" * 4096), ("text.db", "SELECT 1; \x1b[31m".encode())):
        path = tmp_path / name
        path.write_bytes(content)
        out = subprocess.run([sys.executable, "-m", "warroom", "stats", "--db", str(path)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        assert out.returncode == 2 and "not an SQLite database" in out.stderr
        assert out.stderr.count("\n") == 1 and path.read_bytes() == content
