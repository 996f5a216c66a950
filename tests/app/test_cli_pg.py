"""Selecting PostgreSQL from the command line: ``--db URL``, ``$WARROOM_DB``, ``[store] url``; failures exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg_server import PgServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "warroom" / "data" / "alerts" / "samples" / "alertmanager-checkout.json"


def warroom(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "warroom", *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={**os.environ, "WARROOM_ACTOR": "dana", **(env or {})})  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_db_url_ingests_lists_and_notes_in_postgresql(pg_url: str, pg_server: PgServer, tmp_path: Path) -> None:
    out = warroom("--db", pg_url, "ingest", "alertmanager", str(SAMPLE))
    assert out.returncode == 0, out.stderr
    incident_id = out.stdout.split()[0]
    assert warroom("--db", pg_url, "note", incident_id, "rolled back").returncode == 0
    listed = json.loads(warroom("--db", pg_url, "list", "--json").stdout)
    assert [row["id"] for row in listed] == [incident_id]
    assert not (tmp_path / "default.db").exists()  # $WARROOM_DB (a file) was not used: --db decided
    rows = pg_server.sql("SELECT kind FROM events ORDER BY seq", pg_url).split()
    assert rows[0] == "incident.declared" and rows[-1] == "note.added"


def test_warroom_db_and_the_config_select_postgresql(pg_url: str, tmp_path: Path) -> None:
    declared = warroom("ingest", "alertmanager", str(SAMPLE), env={"WARROOM_DB": pg_url})
    assert declared.returncode == 0, declared.stderr
    config = tmp_path / "warroom.toml"
    config.write_text(f'[store]\nurl = "{pg_url}"\n')
    env = {"WARROOM_DB": "", "WARROOM_CONFIG": str(config)}
    listed = json.loads(warroom("list", "--json", env=env).stdout)
    assert [row["id"] for row in listed] == [declared.stdout.split()[0]]
    assert not (tmp_path / "default.db").exists()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (lambda s: s.url("no_such_database"), "database of postgresql://postgres@/no_such_database"),
        (lambda s: s.url("postgres", user="nobody"), "PostgreSQL refused the login for postgresql://nobody@/postgres"),
        (lambda s: "postgresql://ops:hunter2@127.0.0.1:9/warroom?connect_timeout=3",
         "cannot connect to the PostgreSQL server of postgresql://ops:***@127.0.0.1:9/warroom"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_sentence_and_exit_2(pg_server: PgServer, url: object, said: str) -> None:
    result = warroom("--db", url(pg_server), "list")  # type: ignore[operator]
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert said in result.stderr and result.stderr.startswith("warroom: ") and result.stderr.count("\n") == 1
    assert "hunter2" not in result.stderr


def test_a_config_store_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text('[store]\nurl = "mysql://db/warroom"\n')
    result = warroom("list", env={"WARROOM_DB": "", "WARROOM_CONFIG": str(config)})
    assert result.returncode == 2 and "store.url" in result.stderr and "postgresql://" in result.stderr


def test_show_stats_outbox_and_export_read_postgresql(pg_url: str, tmp_path: Path) -> None:
    incident_id = warroom("--db", pg_url, "ingest", "alertmanager", str(SAMPLE)).stdout.split()[0]
    assert warroom("--db", pg_url, "note", incident_id, "rolled back checkout-api").returncode == 0
    shown = warroom("--db", pg_url, "show", incident_id, "--kind", "note")
    assert shown.returncode == 0 and "rolled back checkout-api" in shown.stdout, shown.stderr
    stats = warroom("--db", pg_url, "stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout), stats.stderr
    outbox = warroom("--db", pg_url, "outbox", incident_id, "--json")  # no channels configured: nothing queued
    assert outbox.returncode == 0 and json.loads(outbox.stdout) == [], (outbox.stdout, outbox.stderr)
    exported = warroom("--db", pg_url, "export", incident_id, "--out", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    assert "rolled back checkout-api" in (tmp_path / "out" / incident_id / "timeline.md").read_text()
