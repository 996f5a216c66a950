"""The test server's launcher: it skips only when PostgreSQL cannot run here, and says why."""

from __future__ import annotations

import pytest

from tests import pg_server as launcher


def test_no_binaries_is_the_one_reason_to_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher.shutil, "which", lambda name: None)
    monkeypatch.setattr(launcher.glob, "glob", lambda pattern: [])
    assert launcher.find_binaries() is None
    assert launcher.unavailable_reason() == (
        "PostgreSQL is not installed: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin")


def test_a_running_server_answers_on_its_own_socket(pg_server: launcher.PgServer) -> None:
    url = pg_server.database()
    assert pg_server.socket_dir in url
    assert pg_server.sql("SELECT current_database(), current_setting('listen_addresses')", url).strip() \
        == f"{launcher.name_of(url)}|"
    pg_server.drop(url)
