"""Web view benchmark: from an append to the text in a watcher's browser, and what one watcher costs.

Run: ``python bench/web_view.py [--notes N]``. Starts ``warroom serve`` on the demo incident, opens its
war room in headless Chromium (the system ``chromium``), then appends N notes one at a time from
another connection and times each until xterm.js in the page shows it. The baseline, measured in the
same run: the same appends seen by a bare tail of the store at the war room's poll interval (0.25 s),
which is the part of the delay the design sets; the rest is fold, paint, websocket and xterm.js.
Also prints the resident memory of the browser's app process. Nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.browser import Page, chromium_path, start_chromium, stop_chromium  # noqa: E402
from warroom.agents.offline.demo.incident import create_demo_incident  # noqa: E402
from warroom.data import events as ev  # noqa: E402
from warroom.data.store import EventStore  # noqa: E402

POLL = 0.25  # the war room's (warroom.screens.war_room.POLL_SECONDS)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


def _session_rss_mb(server_pid: int) -> float | None:
    """The resident memory of the server's child process (the browser's ``warroom serve --session``)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{server_pid}$", text, re.M) and (m := re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)):
            return int(m[1]) / 1024
    return None


async def _tail(db: Path, incident_id: str, seen: dict[str, float], stop: asyncio.Event) -> None:
    """The baseline: a bare follower of the store at the war room's poll interval."""
    async with await EventStore.open(db) as store:
        last = (await store.events(incident_id))[-1].seq
        while not stop.is_set():
            for event in await store.events(incident_id, since=last):
                last = event.seq
                if isinstance(event, ev.NoteAdded):
                    seen.setdefault(event.text, time.monotonic())
            await asyncio.sleep(POLL)


async def main(notes: int) -> None:
    binary = chromium_path()
    if binary is None:
        print("web view: chromium is not installed (Debian: apt-get install chromium); skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "web.db"
        async with await EventStore.open(db) as store:
            demo = await create_demo_incident(store, db, now=datetime.now(timezone.utc), actor="bench", say=lambda _: None)
        said = Path(tmp) / "serve.out"
        with said.open("wb") as out:
            server = subprocess.Popen([sys.executable, "-m", "warroom", "--db", str(db), "serve", "--port", "0"],
                                      stdout=out, stderr=subprocess.DEVNULL, cwd=tmp,
                                      env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
        browser = None
        page = None
        try:
            while not (match := re.search(r"http://127\.0\.0\.1:\d+/", said.read_text())):
                if server.poll() is not None:
                    raise SystemExit("warroom serve did not start")
                await asyncio.sleep(0.05)
            browser, devtools = await start_chromium(binary, Path(tmp) / "profile")
            page = await Page.open(devtools)
            started = time.monotonic()
            await page.navigate(match[0])
            await page.wait_for_text(demo.incident_id, timeout=30)
            listed = time.monotonic() - started
            await page.focus_terminal()
            await page.press("enter")
            await page.wait_for_text("SLA clocks", "declared", timeout=30)
            opened = time.monotonic() - started
            seen: dict[str, float] = {}
            stop = asyncio.Event()
            tail = asyncio.create_task(_tail(db, demo.incident_id, seen, stop))
            await asyncio.sleep(POLL)
            browser_delays: list[float] = []
            tail_delays: list[float] = []
            async with await EventStore.open(db) as writer:
                for i in range(notes):
                    text = f"bench note {i:04d}"
                    await writer.append(ev.NoteAdded(incident_id=demo.incident_id, at=datetime.now(timezone.utc),
                                                     actor="bench", text=text))  # fmt: skip
                    appended = time.monotonic()
                    await page.wait_for_text(text, timeout=30, poll=0.01)
                    browser_delays.append(time.monotonic() - appended)
                    while text not in seen:
                        await asyncio.sleep(0.01)
                    tail_delays.append(seen[text] - appended)
                    await asyncio.sleep(0.1 + (i % 5) * 0.037)  # not in step with the poll
            stop.set()
            await tail
            rss = _session_rss_mb(server.pid)
        finally:
            if page is not None:
                await page.close()
            if browser is not None:
                stop_chromium(browser)
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(f"web view: page to incident list {listed:.2f} s, to the war room {opened:.2f} s")
    print(f"web view: append to browser text ({notes} notes): {_ms(browser_delays)}")
    print(f"web view: append to a bare store tail every {POLL} s (baseline): {_ms(tail_delays)}")
    if rss is not None:
        print(f"web view: one browser's app process: {rss:.0f} MB resident")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=30)
    asyncio.run(main(parser.parse_args().notes))
