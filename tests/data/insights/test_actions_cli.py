"""``warroom actions`` through a real subprocess on the seeded history."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

from tests.data.insights.conftest import NOW, action_state
from warroom.data.insights import overdue_actions


def warroom(db_path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warroom", "actions", *args, "--db", str(db_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


async def test_overdue_actions_for_the_incident_list(history_store) -> None:
    rows = overdue_actions(await history_store.incidents(), NOW)
    assert [r.reference for r in rows] == [f"INC-2026-{i + 1:04d}:A1" for i in range(60) if action_state(i) == "open"]
    assert all(r.overdue for r in rows)


async def test_list_filter_and_done(history_store, db_path) -> None:
    out = warroom(db_path, "--overdue", "--json")
    assert out.returncode == 0, out.stderr
    overdue = json.loads(out.stdout)
    # the CLI judges "overdue" by the wall clock: the seeded "Future work" (due NOW + 10 days) is overdue
    # once that day has passed, so the expected list is the data layer's at the same clock
    expected = overdue_actions(await history_store.incidents(), datetime.now(timezone.utc))
    assert len(overdue) == len(expected) >= 9 and all(r["overdue"] and r["status"] == "open" for r in overdue)
    out = warroom(db_path, "--owner", "ALICE", "--json")
    assert {r["owner"] for r in json.loads(out.stdout)} == {"alice"}
    text = warroom(db_path, "--overdue").stdout
    assert "INC-2026-0008:A1" in text and "(OVERDUE)" in text

    done = warroom(db_path, "done", "INC-2026-0008:A1")
    assert done.returncode == 0 and "INC-2026-0008:A1 done" in done.stdout
    events = await history_store.events("INC-2026-0008")
    assert events[-1].kind == "action.updated" and events[-1].status.value == "done"
    assert events[-1].actor == "tester"
    assert len(json.loads(warroom(db_path, "--overdue", "--json").stdout)) == len(expected) - 1

    unique = warroom(db_path, "done", "F1")  # only incident 60 has F1
    assert unique.returncode == 0 and "INC-2026-0060:F1 done" in unique.stdout


async def test_bad_references_are_clear_and_change_nothing(history_store, db_path) -> None:
    before = await history_store.last_seq()
    cases = {
        "A1": "is in 60 incidents; name one: INC-2026-0001:A1",
        "INC-2026-0008:ZZ": "INC-2026-0008 has no action item 'ZZ'",
        "INC-2099-0001:A1": "no incident INC-2099-0001",
        "nope": "no action item 'nope' in any incident",
        "INC-2026-0002:A1": "is already done",
        "\x1b[2J": "give an action as INC-YYYY-NNNN:ITEM",
        "x" * 5000: "give an action as INC-YYYY-NNNN:ITEM",
    }
    for ref, message in cases.items():
        out = warroom(db_path, "done", ref)
        assert out.returncode == 2, ref
        assert message in out.stderr and "\x1b" not in out.stderr and len(out.stderr) < 400, out.stderr
    assert await history_store.last_seq() == before


async def test_hostile_titles_and_owners_print_inert(store, db_path) -> None:
    from warroom.data import events as ev

    declared = await store.declare(NOW, title="t", service="svc|\n\x1b[31mred")
    iid = declared.incident_id
    await store.append(ev.ActionItemAdded(incident_id=iid, at=NOW, item_id="H1", owner="\x1b]8;;http://x\x07eve\u202e",
                                          title="line one\nline two \x1b[2J" + "x" * 1900, due=NOW))  # fmt: skip
    out = warroom(db_path)
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout
    (row,) = [line for line in out.stdout.splitlines() if line.startswith(f"{iid}:H1")]
    assert "line one line two" in row and "eve" in row and len(row) < 200
    stats = subprocess.run([sys.executable, "-m", "warroom", "stats", "--markdown", "--db", str(db_path)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert stats.returncode == 0 and "\x1b" not in stats.stdout
    assert "| svc\\| red |" in stats.stdout  # one table row: pipe escaped, newline and escape removed
