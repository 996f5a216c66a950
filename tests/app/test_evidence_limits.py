"""``[evidence] max_bytes / max_lines``: how much of one evidence file is read, set in ``warroom.toml``."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.app.test_cli import fails, warroom
from warroom.data.config import ConfigError, parse_config
from warroom.data.evidence_limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_LINES, parse_size

LINE = b"2026-11-23T09:00:00Z ERROR api connection pool exhausted (active=50 idle=0)\n"


def test_the_limits_default_and_take_sizes_with_units() -> None:
    config = parse_config("")
    assert (config.evidence.max_bytes, config.evidence.max_lines) == (DEFAULT_MAX_BYTES, DEFAULT_MAX_LINES)
    config = parse_config('[evidence]\nmax_bytes = "64MB"\nmax_lines = 5000\n')
    assert (config.evidence.max_bytes, config.evidence.max_lines) == (64 << 20, 5000)
    assert parse_size("2 GiB") == 2 << 30 and parse_size("512kb") == 512 << 10 and parse_size(4096) == 4096


@pytest.mark.parametrize(("text", "message"), [
    ('max_bytes = "lots"', "is not a size"),
    ('max_bytes = "12PB"', "is not a size"),
    ("max_bytes = 10", "greater than or equal to 1024"),
    ("max_bytes = true", "expected a size"),
    ("max_lines = 0", "greater than or equal to 1"),
    ('max_lines = "many"', "max_lines"),
    ("max_files = 3", "max_files"),
])  # fmt: skip
def test_bad_limits_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"[evidence]\n{text}\n", "w.toml")
    assert "w.toml" in str(caught.value) and message in str(caught.value)


def test_a_gzip_bomb_is_read_up_to_the_configured_lines_and_the_investigation_says_so(tmp_path: Path) -> None:
    bomb = tmp_path / "api.log.gz"
    bomb.write_bytes(gzip.compress(LINE * 50_000, 9))  # ~4 MB of lines in a few KB
    config = tmp_path / "warroom.toml"
    config.write_text("[evidence]\nmax_lines = 2000\n")
    db = tmp_path / "w.db"
    new = warroom(db, "--config", str(config), "new", "checkout 5xx", "--no-tui", "--evidence", str(bomb))
    assert new.returncode == 0, new.stderr
    run = warroom(db, "--config", str(config), "run", new.stdout.strip(), "--auto", "--backend", "offline")
    assert run.returncode == 0, run.stderr
    exported = warroom(db, "export", new.stdout.strip(), "--out", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    step = (tmp_path / "out" / new.stdout.strip() / "appendix" / "tier1-response.md").read_text()
    assert "api.log.gz: stopped after 2,000 lines" in step and "the rest was left out" in step


def test_a_bad_evidence_section_stops_the_command_before_anything_is_written(tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text('[evidence]\nmax_bytes = "huge"\n')
    db = tmp_path / "w.db"
    fails(warroom(db, "--config", str(config), "new", "checkout 5xx", "--no-tui"), "is not a size")
    assert not db.exists()
