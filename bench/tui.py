"""TUI benchmarks: first frame, idle output, keystroke latency while an agent streams, memory.

Runs ``warroom open ID`` in a real pseudo-terminal (120×40) against a seeded
database and reads what it writes to the terminal:

* time to first frame with 10,000 events (the panes drawn) and to the data shown
  (the header with the incident id), against a bare Textual app as the baseline;
* bytes written per second while idle with the SLA clocks ticking;
* keystroke-to-repaint latency (``f`` cycles the timeline filter) while another
  process streams agent output into the incident;
* resident memory once 100,000 events are loaded.

Usage: ``python bench/tui.py`` (about a minute). Aims: first frame < 0.5 s,
idle < 300 B/s, memory < 200 MB. Figures are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warroom.data import events as ev
from warroom.data.models import Level, Severity
from warroom.data.store import EventStore

COLS, ROWS = 120, 40
T0 = datetime.now(timezone.utc) - timedelta(minutes=20)
BASELINE_APP = "from textual.app import App\nfrom textual.widgets import Static\nclass A(App):\n    def compose(self):\n        yield Static('Phases')\nA().run()\n"


async def seed(db: Path, count: int) -> str:
    """An open P1 incident with ``count`` events (notes, status updates, agent runs)."""
    store = await EventStore.open(db, synchronous="OFF")
    try:
        declared = await store.declare(T0, title="Checkout 502s", severity=Severity.P1, impact=Level.HIGH, urgency=Level.MEDIUM)
        iid = declared.incident_id
        batch: list[ev.BaseEvent] = []
        for i in range(count - 1):
            at = T0 + timedelta(milliseconds=i)
            if i % 100 == 0:
                batch.append(ev.AgentStepStarted(incident_id=iid, at=at, run_id=f"r{i}", step_id=f"step{i}", role="analyst", backend="offline"))
            elif i % 100 == 99:
                batch.append(ev.AgentStepFinished(incident_id=iid, at=at, run_id=f"r{i - 99}", output="done"))
            elif i % 100 < 50:
                batch.append(ev.AgentStepOutput(incident_id=iid, at=at, run_id=f"r{i - i % 100}", text=f"chunk {i} of findings\n"))
            else:
                batch.append(ev.NoteAdded(incident_id=iid, at=at, actor="bench", text=f"note {i}: 502 rate {i % 17}%"))
            if len(batch) >= 5_000:
                await store.append_many(batch)
                batch = []
        if batch:
            await store.append_many(batch)
        return iid
    finally:
        await store.close()


class Terminal:
    """A child process on a pty of COLS×ROWS; collects everything it writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True)
        os.close(slave)
        self.output = bytearray()

    def read(self, seconds: float) -> int:
        """Read for ``seconds``; returns the bytes read."""
        end = time.perf_counter() + seconds
        got = 0
        while (left := end - time.perf_counter()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                self.output += chunk
                got += len(chunk)
        return got

    def wait_for(self, needle: bytes, timeout: float = 60.0, start: int = 0) -> float:
        """Seconds since start until ``needle`` appears in the output after offset ``start``."""
        end = time.perf_counter() + timeout
        while needle not in self.output[start:]:
            if time.perf_counter() > end:
                raise TimeoutError(f"{needle!r} did not appear within {timeout}s")
            self.read(0.005)
        return time.perf_counter() - self.started

    def close(self) -> None:
        try:
            os.write(self.master, b"q")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "ANTHROPIC_API_KEY")}
    env.update(TERM="xterm-256color", WARROOM_DB=str(db), WARROOM_ACTOR="bench", COLUMNS=str(COLS), LINES=str(ROWS))
    return env


def warroom(*args: str) -> list[str]:
    return [sys.executable, "-m", "warroom", *args]


def first_frame(db: Path, iid: str) -> tuple[float, float]:
    term = Terminal(warroom("open", iid), env_for(db))
    try:
        frame = term.wait_for(b"Phases")
        data = term.wait_for(iid.encode())
        return frame, data
    finally:
        term.close()


def baseline_frame() -> float:
    term = Terminal([sys.executable, "-c", BASELINE_APP], env_for(Path("/nonexistent")))
    try:
        return term.wait_for(b"Phases")
    finally:
        term.proc.kill()
        term.proc.wait()
        os.close(term.master)


def idle_bytes_per_second(db: Path, iid: str, seconds: float = 10.0) -> float:
    term = Terminal(warroom("open", iid), env_for(db))
    try:
        term.wait_for(iid.encode())
        term.read(2.0)  # let the first clock ticks and layout settle
        return term.read(seconds) / seconds
    finally:
        term.close()


STREAMER = """
import asyncio, sys
from datetime import datetime, timezone
from warroom.data import events as ev
from warroom.data.store import EventStore

async def main(db, iid, seconds):
    store = await EventStore.open(db)
    run = "bench-stream"
    await store.append(ev.AgentStepStarted(incident_id=iid, at=datetime.now(timezone.utc), run_id=run, step_id="stream", role="analyst", backend="offline"))
    loop = asyncio.get_running_loop(); end = loop.time() + seconds; n = 0
    while loop.time() < end:
        n += 1
        await store.append(ev.AgentStepOutput(incident_id=iid, at=datetime.now(timezone.utc), run_id=run, text=f"token {n} of the streamed analysis "))
        await asyncio.sleep(0.05)
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""


def keystroke_latency(db: Path, iid: str) -> list[float]:
    term = Terminal(warroom("open", iid), env_for(db))
    streamer = subprocess.Popen([sys.executable, "-c", STREAMER, str(db), iid, "20"], env=env_for(db))
    latencies = []
    try:
        term.wait_for(iid.encode())
        term.read(1.0)
        for name in [b"decisions", b"agents", b"comms", b"notes"] * 3:
            mark = len(term.output)
            sent = time.perf_counter()
            os.write(term.master, b"f")
            term.wait_for(b"Timeline \xc2\xb7 " + name, start=mark, timeout=10)
            latencies.append(time.perf_counter() - sent)
            term.read(0.2)
            if name == b"notes":
                os.write(term.master, b"f")  # back to all
                term.read(0.3)
    finally:
        streamer.kill()
        streamer.wait()
        term.close()
    return latencies


def rss_mb(db: Path, iid: str, total: int) -> float:
    term = Terminal(warroom("open", iid), env_for(db))
    try:
        term.wait_for(iid.encode(), timeout=120)
        deadline = time.perf_counter() + 120
        needle = f"{total:,}".encode()  # the timeline title shows the row count once caught up
        while needle not in term.output and time.perf_counter() < deadline:
            term.read(0.2)
        term.read(1.0)
        status = Path(f"/proc/{term.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024
    finally:
        term.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db10 = Path(tmp) / "ten-thousand.db"
        db100 = Path(tmp) / "hundred-thousand.db"
        iid10 = asyncio.run(seed(db10, 10_000))
        baseline = baseline_frame()
        frame, data = first_frame(db10, iid10)
        print(f"first frame, 10,000 events:        {frame:6.3f} s   (data shown {data:.3f} s; bare Textual app {baseline:.3f} s; aim < 0.5 s)")
        idle = idle_bytes_per_second(db10, iid10)
        print(f"idle output at {COLS}x{ROWS}:             {idle:6.0f} B/s (aim < 300 B/s)")
        lat = sorted(keystroke_latency(db10, iid10))
        print(f"keystroke→repaint while streaming: median {1000 * lat[len(lat) // 2]:.0f} ms, max {1000 * lat[-1]:.0f} ms ({len(lat)} keys)")
        iid100 = asyncio.run(seed(db100, 100_000))
        timeline_rows = 100_000 - 1 - 100_000 // 100 * 49  # agent stream chunks are not timeline rows
        print(f"resident memory, 100,000 events:   {rss_mb(db100, iid100, timeline_rows):6.0f} MB (aim < 200 MB)")


if __name__ == "__main__":
    main()
