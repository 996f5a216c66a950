"""Every decision from the command line, through the same path as the keys: ack, assign, severity, escalate,
mitigate, update, resolve, close, gate; refusals are one sentence with exit 2; show --json is the whole state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.agents.conftest import ScriptedBackend
from warroom.agents.registry import register_backend
from warroom.app import cli


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_decisions_without_a_playbook(tmp_path: Path, capsys: Any, db_location: str | Path) -> None:
    db = ["--db", str(db_location), "--as", "alice"]  # once on a SQLite file, once on PostgreSQL
    code, out, _ = _run(capsys, "new", "Checkout down", "--no-tui", "--severity", "P2", *db)
    incident = out.strip().splitlines()[-1]
    assert _run(capsys, "ack", incident, *db)[1].count("\n") == 2  # acknowledged + incident commander
    code, out, _ = _run(capsys, "ack", incident, *db)
    assert (code, out) == (0, f"{incident}: already acknowledged\n")  # acknowledging twice records one
    assert "Technical Lead: bob" in _run(capsys, "assign", incident, "technical-lead", "bob", *db)[1]
    code, out, _ = _run(capsys, "severity", incident, "--impact", "high", "--urgency", "medium", "--reason", "EU", *db)
    assert code == 0 and "Severity set to P1 (impact HIGH, urgency MEDIUM): EU" in out
    assert "Escalated to Tier 2" in _run(capsys, "escalate", incident, "tier2", "--reason", "db team", *db)[1]
    assert "Management notification published" in _run(capsys, "escalate", incident, "management", *db)[1]
    code, _, err = _run(capsys, "escalate", incident, "management", *db)
    assert code == 2 and err.count("\n") == 1 and "already been notified" in err
    code, _, err = _run(capsys, "mitigate", incident, "rollback", *db)
    assert code == 2 and "rollback needs its rollback plan" in err
    code, _, err = _run(capsys, "mitigate", incident, "hotfix", "--plan", "p", *db)
    assert code == 2 and "--approved-by" in err
    assert "rollback plan: redeploy v1" in _run(capsys, "mitigate", incident, "rollback", "--plan", "redeploy v1", *db)[1]
    code, out, _ = _run(capsys, "update", incident, "status-page", *db)  # no text: the first draft, for customers
    assert code == 0 and "We are aware of an issue" in out
    (tmp_path / "u.txt").write_text("Internal channel: rollback done.\n", encoding="utf-8")
    assert "Internal channel: rollback done." in _run(capsys, "update", incident, "internal", "--file", str(tmp_path / "u.txt"), *db)[1]
    (tmp_path / "bin").write_bytes(b"\x00\x01")
    assert _run(capsys, "update", incident, "internal", "--file", str(tmp_path / "bin"), *db)[0] == 2
    code, _, err = _run(capsys, "close", incident, *db)
    assert code == 2 and "resolve" in err.lower()  # not resolved yet
    assert "Resolved: rollback validated" in _run(capsys, "resolve", incident, "--validation", "5xx 0.1%", *db)[1]
    assert _run(capsys, "gate", incident, *db)[1] == f"{incident}: no playbook decision is waiting\n"
    code, out, _ = _run(capsys, "close", incident, "--out", str(tmp_path / "out"), *db)
    assert code == 0 and (tmp_path / "out" / incident / "incident-record.md").is_file()
    code, out, _ = _run(capsys, "show", incident, "--json", *db)
    state = json.loads(out)
    assert state["status"] == "CLOSED" and state["roles"]["technical_lead"] == "bob" and state["severity"] == "P1"
    for bad in (["severity", incident, "--impact", "x", "--urgency", "low"], ["escalate", incident, "tier9"],
                ["assign", incident, "chef", "bob"], ["update", incident, "twitter", "--text", "x"],
                ["ack", "INC-2026-9999"], ["ack", "../etc"]):  # fmt: skip
        code, _, err = _run(capsys, *bad, *db)
        assert code == 2 and err.startswith("warroom: ") and err.count("\n") == 1, (bad, err)


def test_gate_and_keys_answer_the_playbook_from_the_command_line(capsys: Any, db_location: str | Path) -> None:
    register_backend("scripted", lambda config: ScriptedBackend(severity="P0", impact="HIGH", urgency="HIGH"))
    db = ["--db", str(db_location), "--as", "alice"]
    incident = _run(capsys, "new", "Checkout down", "--no-tui", "--severity", "P2", *db)[1].strip().splitlines()[-1]
    assert _run(capsys, "run", incident, "--backend", "scripted", *db)[0] == 3  # waits at the priority gate
    code, out, _ = _run(capsys, "gate", incident, *db)
    assert code == 0 and out.startswith("itil:priority: Set the priority to P0") and "approve (recommended" in out
    code, _, err = _run(capsys, "gate", incident, "--answer", "maybe", *db)
    assert code == 2 and "'maybe' is not one of approve, decline" in err
    code, out, _ = _run(capsys, "severity", incident, "--impact", "high", "--urgency", "medium", *db)  # the s key's path
    assert "Decision at severity: decline: severity set to P1" in out and "Severity set to P1" in out
    assert _run(capsys, "run", incident, "--backend", "scripted", *db)[0] == 3  # next gate: tier 2
    code, out, _ = _run(capsys, "gate", incident, "--answer", "recommended", "--reason", "as advised", *db)
    assert code == 0 and "Decision at tier 2 escalation: approve: as advised" in out and "Escalated to Tier 2" in out
