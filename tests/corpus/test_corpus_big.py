"""Huge and binary inputs through real ``python -m warroom`` processes (built in tmp at test time).

A 10 MB alert payload, a 50 MB single-line log, a 200 MB file of NUL bytes (sparse), and the
offline investigation of an incident whose evidence is the whole hostile log set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus.conftest import ROOT, unsafe
from tests.corpus.generate import HOSTILE_TEXT, log_files


def warroom(*argv: str, db: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "warroom", "--db", str(db), *argv], capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL, cwd=db.parent)


def clean(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert not unsafe(proc.stdout) and not unsafe(proc.stderr)


def test_ten_megabyte_alert_payload(tmp_path: Path) -> None:
    alerts = [{"status": "firing", "labels": {"alertname": f"Big{i}", "severity": "critical", "service": "api"},
               "annotations": {"summary": "x" * 2000}, "startsAt": "2026-11-23T09:00:00Z"} for i in range(5000)]
    body = json.dumps({"version": "4", "status": "firing", "receiver": "r", "groupKey": "g", "alerts": alerts})
    path = tmp_path / "big.json"
    path.write_text(body)
    assert path.stat().st_size > 10_000_000
    proc = warroom("ingest", "alertmanager", str(path), db=tmp_path / "w.db")
    clean(proc)
    assert proc.returncode == 2 and "MiB" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w.db").exists() or "INC-" not in warroom("list", db=tmp_path / "w.db").stdout


def test_fifty_megabyte_single_line_log_and_200mb_of_nul(tmp_path: Path) -> None:
    line = tmp_path / "one-line.log"
    with open(line, "wb") as handle:
        handle.write(b"2026-11-23T09:00:00Z ERROR checkout-api ")
        handle.write(b"A" * (50 * 1024 * 1024))
        handle.write(b"\n2026-11-23T09:00:01Z ERROR checkout-api after the long line\n")
    nul = tmp_path / "nul.log"
    with open(nul, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB of NUL bytes, no disk used
    db = tmp_path / "w.db"
    proc = warroom("new", "huge logs", "--no-tui", "--service", "checkout-api", "--evidence", str(line), str(nul), db=db)
    clean(proc)
    assert proc.returncode == 0, proc.stderr
    incident = proc.stdout.strip()
    run = warroom("run", incident, "--auto", "--backend", "offline", db=db, timeout=150)
    clean(run)
    assert run.returncode in (0, 3), run.stderr[-500:]
    shown = warroom("show", incident, db=db)
    clean(shown)
    assert "one-line.log" in shown.stdout and "nul.log" in shown.stdout
    assert max(len(x) for x in shown.stdout.splitlines()) < 5000


def test_offline_run_over_the_hostile_log_set(tmp_path: Path) -> None:
    files = log_files(tmp_path / "logs")
    db = tmp_path / "w.db"
    proc = warroom("new", HOSTILE_TEXT[4], "--no-tui", "--service", "checkout-api", "--evidence", *files.values(), db=db)
    clean(proc)
    incident = proc.stdout.strip()
    run = warroom("run", incident, "--auto", db=db, timeout=150)
    clean(run)
    assert run.returncode in (0, 3), run.stderr[-500:]
    out = tmp_path / "export"
    exported = warroom("export", incident, "--out", str(out), db=db)
    clean(exported)
    assert exported.returncode == 0, exported.stderr
    for path in (out / incident).rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text, path


@pytest.mark.parametrize("argv", [
    ["ingest", "pagerduty", "/dev/null"],
    ["show", "\x1b[31mINC-2026-0001"],
    ["note", "INC-2026-0001", "x"],
    ["--config", "/dev/null", "run", "INC-2026-0001"],
    ["run", "INC-2026-0001", "--playbook", "/etc/passwd"],
])
def test_real_process_rejections(tmp_path: Path, argv: list[str]) -> None:
    proc = warroom(*argv, db=tmp_path / "w.db")
    clean(proc)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
