"""The hostile corpus through the CLI: every case exits cleanly, rejections are one line and write nothing.

All cases run through ``warroom.app.cli.main`` in one subprocess (see ``driver.py``); the big
files and a sample of these cases also run as real ``python -m warroom`` processes in
``test_corpus_big.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.corpus.conftest import incident_ids, problems, run_batch, seed_target, unsafe
from tests.corpus.generate import HOSTILE_TEXT, all_cases


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("corpus")
    db = root / "warroom.db"
    asyncio.run(seed_target(db, note=True))
    cases = all_cases(root / "files", str(db))
    results = run_batch([asdict(c) for c in cases], root)
    ids = incident_ids(db)
    after = run_batch([{"name": f"show-{i}", "argv": ["--db", str(db), "show", i], "db": str(db)} for i in ids]
                      + [{"name": "list", "argv": ["--db", str(db), "list"], "db": str(db)},
                         {"name": "list-json", "argv": ["--db", str(db), "list", "--json"], "db": str(db)}], root)
    return {"cases": cases, "results": results, "after": after, "ids": ids}


def _check(corpus: dict, prefixes: tuple[str, ...], minimum: int) -> None:
    chosen = [c for c in corpus["cases"] if c.name.startswith(prefixes)]
    assert len(chosen) >= minimum
    found = [p for c in chosen for p in problems(c.name, c.expect, corpus["results"][c.name])]
    assert not found, "\n".join(found[:30])


def test_corpus_has_at_least_200_cases(corpus: dict) -> None:
    assert len(corpus["cases"]) >= 200


def test_alert_payloads(corpus: dict) -> None:
    """Truncated, wrong types, nested, duplicate keys, unknown versions, encodings: all three formats."""
    _check(corpus, ("ingest-", "new-alerts-"), 150)
    rejected = [c.name for c in corpus["cases"] if c.name.startswith("ingest-") and corpus["results"][c.name]["rc"] == 2]
    accepted = [c.name for c in corpus["cases"] if c.name.startswith("ingest-") and corpus["results"][c.name]["rc"] == 0]
    assert len(rejected) > 60 and accepted, (len(rejected), len(accepted))


def test_titles_notes_and_actors(corpus: dict) -> None:
    _check(corpus, ("new-title-", "note-", "as-", "title-empty"), 90)


def test_incident_ids(corpus: dict) -> None:
    _check(corpus, ("id-",), 100)


def test_config_files(corpus: dict) -> None:
    _check(corpus, ("config-",), 15)
    for c in corpus["cases"]:
        if c.meta.get("config") and c.expect == "reject":
            assert "config" in corpus["results"][c.name]["stderr"].lower() or ".toml" in corpus["results"][c.name]["stderr"]


def test_playbook_files(corpus: dict) -> None:
    _check(corpus, ("playbook-",), 15)


def test_log_evidence(corpus: dict) -> None:
    _check(corpus, ("evidence-",), 12)


def test_export_destinations(corpus: dict) -> None:
    _check(corpus, ("export-",), 3)


def test_show_and_list_are_inert(corpus: dict) -> None:
    """Every incident the corpus created shows and lists without a raw escape, and literally."""
    after = corpus["after"]
    assert len(corpus["ids"]) > 30
    for name, result in after.items():
        assert result["rc"] == 0 and not result["crash"], (name, result["stderr"])
        assert not unsafe(result["stdout"]), (name, unsafe(result["stdout"]))
    shown = "".join(r["stdout"] for r in after.values())
    # markup is shown as typed, not applied or swallowed
    for literal in ("[bold red]PWNED[/bold red]", "[link=https://evil.example]click[/link]", "{{ 7*7 }}",
                    "<script>alert(1)</script>", "evil-rtl override"):
        assert literal in shown, literal
    assert "49" not in shown.split("{{ 7*7 }}")[0][-3:]
    assert HOSTILE_TEXT[0] in after["list"]["stdout"]
