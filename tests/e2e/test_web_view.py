"""``warroom serve`` in a real browser: headless Chromium loads the page and watches the demo incident.

Real parts only: the ``warroom serve`` command on 127.0.0.1 (textual-serve starting one app process
for the browser), Debian's ``chromium`` driven over the DevTools protocol, a real SQLite file, and
``warroom note`` run as another process. Skipped, with the reason, where chromium is not installed.
The watcher's test runs once on the SQLite file and once on a real PostgreSQL database (the test
session's server from ``tests/pg_server.py``): serve, the CLI's note and the checks all use its URL.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.e2e.browser import Page, chromium_path, start_chromium, stop_chromium
from tests.screens.helpers import events_of
from warroom.agents.offline.demo.incident import create_demo_incident
from warroom.data.store import EventStore
from warroom.data.store_api import is_database_url, open_store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = chromium_path()

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")


def _env(files: Path | None = None) -> dict[str, str]:
    """The environment of warroom's processes; ``files``: their user data dir (where a URL's evidence files go)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("WARROOM_SERVE_TOKEN", None)
    env.pop("WARROOM_DB", None)
    if files is not None:
        env["XDG_DATA_HOME"] = str(files)
    return env


def _warroom(db: str | Path, *words: str) -> list[str]:
    return [sys.executable, "-m", "warroom", "--db", str(db), "--as", "browser-test", *words]


async def _demo(db: str | Path, files: Path) -> str:
    """The demo incident in the store at ``db``; its evidence files under ``files`` when ``db`` is a URL."""
    anchor = files / "warroom" / "warroom.db" if is_database_url(db) else Path(db)  # serve's default path there
    anchor.parent.mkdir(parents=True, exist_ok=True)
    store = await open_store(db, path=anchor) if is_database_url(db) else await open_store(db)
    try:
        demo = await create_demo_incident(store, anchor, now=datetime.now(timezone.utc), actor="demo", say=lambda line: None)
        return demo.incident_id
    finally:
        await store.close()


async def kinds(db: str | Path, incident_id: str) -> list[str]:
    store = await open_store(db)
    try:
        return [e.kind for e in await store.events(incident_id)]
    finally:
        await store.close()


async def _declared(db: Path) -> str:
    """A plain incident (the demo's evidence is not needed to show who may decide)."""
    from warroom.data.models import Severity

    store = await EventStore.open(db)
    try:
        declared = await store.declare(datetime.now(timezone.utc), title="Payments API timeouts", severity=Severity.P2,
                                       actor="alertmanager")  # fmt: skip
        return declared.incident_id
    finally:
        await store.close()


@contextmanager
def _serving(tmp_path: Path, *options: str, token: str = "", db: str | Path | None = None) -> Iterator[tuple[str | Path, str]]:
    """``warroom serve --port 0 OPTIONS`` on ``db`` (default: a fresh SQLite file); yields it and the page's address."""
    db = tmp_path / "web.db" if db is None else db
    said, errors = tmp_path / "serve.out", tmp_path / "serve.err"
    env = _env(tmp_path / "files") | ({"WARROOM_SERVE_TOKEN": token} if token else {})
    with said.open("wb") as out, errors.open("wb") as err:  # files, not pipes: nothing can block the server
        process = subprocess.Popen(_warroom(db, "serve", "--port", "0", *options), stdout=out, stderr=err, env=env,
                                   cwd=tmp_path)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not (match := re.search(r"(http://127\.0\.0\.1:\d+/)", said.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, f"warroom serve did not start: {errors.read_text()[-2000:]}"
            time.sleep(0.05)
        yield db, match.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, errors.read_text()[-2000:]


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    assert CHROMIUM is not None
    browser, devtools = await start_chromium(CHROMIUM, tmp_path / "profile")
    opened: Page | None = None
    try:
        opened = await Page.open(devtools)
        yield opened
    finally:
        if opened is not None:
            await opened.close()
        stop_chromium(browser)


@pytest.mark.timeout(90)
async def test_a_watcher_sees_the_demo_war_room_follow_the_cli_and_cannot_decide(tmp_path: Path, page: Page,
                                                                                  db_location: str | Path) -> None:  # fmt: skip
    with _serving(tmp_path, db=db_location) as (db, url):
        assert "read-only" in (tmp_path / "serve.out").read_text()
        await _watch_and_try_to_decide(page, db, url, tmp_path / "files")


async def _watch_and_try_to_decide(page: Page, db: str | Path, url: str, files: Path) -> None:
    incident_id = await _demo(db, files)
    await page.navigate(url)
    listed = await page.wait_for_text(incident_id, "read-only view", timeout=20)
    assert "CheckoutHigh5xxRate" in listed

    await page.focus_terminal()
    await page.press("enter")  # the incident list's first row: the demo incident
    # the header, the four panes, the first event on the timeline and the acknowledge clock on the SLA board
    await page.wait_for_text(incident_id, "[read-only]", "Timeline", "Phases", "Agent output", "SLA clocks", "declared",
                             "Acknowledge", timeout=15)  # fmt: skip

    note = f"seen from the CLI {os.getpid()}"
    added = subprocess.run(_warroom(db, "note", incident_id, note), env=_env(files), capture_output=True, timeout=30)
    assert added.returncode == 0, added.stderr.decode()
    recorded = time.monotonic()
    await page.wait_for_text(note, timeout=2.0)
    assert time.monotonic() - recorded < 2.0

    before = await kinds(db, incident_id)
    for key in ("a", "n", "s", "x"):  # acknowledge, note, severity, resolve: each would open a modal or record
        await page.press(key)
    await asyncio.sleep(1.0)
    after = await page.screen_text()
    for modal_title in ("Note to the timeline", "Severity: Impact", "Resolve the incident"):
        assert modal_title not in after
    assert await kinds(db, incident_id) == before


@pytest.mark.timeout(60)
async def test_decisions_are_served_only_to_a_browser_that_presents_the_token(tmp_path: Path, page: Page) -> None:
    token = f"token-{os.getpid()}-0123456789abcdef"
    with _serving(tmp_path, "--allow-decisions", token=token) as (db, url):
        incident_id = await _declared(db)
        await page.navigate(url)
        await _wait_for_body(page, "needs its token")  # the server's 403: no terminal, no app process
        assert await page.screen_text() == ""
        await page.navigate(f"{url}?token={token}")
        listed = await page.wait_for_text(incident_id, "Payments API timeouts", timeout=20)
        assert "read-only" not in listed
        assert "token" not in str(await page.evaluate("window.location.href"))  # the cookie carries it from here
        await page.focus_terminal()
        await page.press("enter")
        await page.wait_for_text("Timeline", "SLA clocks", "declared", timeout=15)
        await page.press("n")
        await page.wait_for_text("Note to the timeline", timeout=5)
        for key in "from the browser":
            await page.press(key)
        await page.press("enter")
        deadline = time.monotonic() + 5
        while not (notes := await events_of(db, incident_id, "note.added")):
            assert time.monotonic() < deadline, "the note typed in the browser was not recorded"
            await asyncio.sleep(0.05)
        assert [(n.text, n.actor) for n in notes] == [("from the browser", "browser-test")]
        await page.wait_for_text("from the browser", absent=("Note to the timeline",), timeout=5)  # on the timeline


async def _wait_for_body(page: Page, needle: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in str(await page.evaluate("document.body ? document.body.innerText : ''")):
        assert time.monotonic() < deadline, f"the page never said {needle!r}"
        await asyncio.sleep(0.05)
