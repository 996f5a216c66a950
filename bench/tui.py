"""TUI benchmarks at 1,000, 10,000 and 100,000 events (1,000,000 with ``--million``), beside a bare Textual app.

Runs ``warroom open ID`` in a real pseudo-terminal (120×40) against a seeded
database and reads what it writes to the terminal. For each size, and for a bare
Textual app in the same run:

* the first open's usable screen (the SLA clocks and the newest timeline row drawn):
  the store has no snapshot of the incident yet and replays it (and stores one);
* then, reopening: first frame (the panes drawn) and first usable screen;
* bytes written per second while idle (clocks ticking), after the screen settled;
* keystroke-to-repaint latency (``f`` cycles the timeline filter; the bare app
  relabels a line the same way) while another process streams agent output;
* resident memory once idle.

A measurement that fails (times out, the app dies) is printed as ``FAILED`` with
the reason and the run goes on. Usage: ``python bench/tui.py [--sizes 1000,10000]
[--million]``. Aims (#22, #19): usable within 1.5× the bare app's first frame,
key median ≤ 3× the bare app's and max ≤ 50 ms, idle ≤ 250 B/s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
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
LAST_NOTE = "the last note of the seed"
CLOCK_MARK = "Acknowledge \u00b7".encode()
FILTER_MARKS = [b"decisions", b"agents", b"comms", b"notes"]
BARE_APP = """
from textual.app import App
from textual.widgets import Static
NAMES = ["decisions", "agents", "comms", "notes", None]
class Bare(App):
    BINDINGS = [("f", "cycle", "Filter"), ("q", "quit", "Quit")]
    index = -1
    def compose(self):
        yield Static("Phases")
        yield Static("Timeline", id="title")
    def action_cycle(self):
        self.index = (self.index + 1) % len(NAMES)
        name = NAMES[self.index]
        self.query_one("#title", Static).update("Timeline" + (f" \u00b7 {name}" if name else ""))
Bare().run()
"""


async def seed(db: Path, count: int) -> str:
    """An open P1 incident with ``count`` events (notes, agent runs with streamed chunks), a known last note."""
    store = await EventStore.open(db, synchronous="OFF")
    try:
        declared = await store.declare(T0, title="Checkout 502s", severity=Severity.P1, impact=Level.HIGH, urgency=Level.MEDIUM)
        iid = declared.incident_id
        batch: list[ev.BaseEvent] = []
        for i in range(count - 2):
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
        batch.append(ev.NoteAdded(incident_id=iid, at=T0 + timedelta(seconds=count), actor="bench", text=LAST_NOTE))
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
                except OSError:  # the child closed the terminal
                    break
                self.output += chunk
                got += len(chunk)
        return got

    def wait_for(self, needle: bytes, timeout: float, start: int = 0) -> float:
        """Seconds since start until ``needle`` appears in the output after offset ``start``."""
        end = time.perf_counter() + timeout
        while needle not in self.output[start:]:
            if self.proc.poll() is not None:
                tail = bytes(self.output[-300:]).decode("utf-8", "replace")
                raise RuntimeError(f"the app exited ({self.proc.returncode}) before {needle!r} appeared: …{tail!r}")
            if time.perf_counter() > end:
                raise TimeoutError(f"{needle!r} did not appear within {timeout:.0f} s")
            self.read(0.005)
        return time.perf_counter() - self.started

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024

    def close(self) -> None:
        try:
            os.write(self.master, b"q")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "ANTHROPIC_API_KEY", "WARROOM_CONFIG")}
    env.update(TERM="xterm-256color", WARROOM_DB=str(db), WARROOM_ACTOR="bench", COLUMNS=str(COLS), LINES=str(ROWS))
    return env


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


def keystrokes(term: Terminal) -> list[float]:
    """Seconds from each ``f`` to the timeline title naming the filter (three rounds of four)."""
    latencies = []
    for name in FILTER_MARKS * 3:
        mark = len(term.output)
        sent = time.perf_counter()
        os.write(term.master, b"f")
        term.wait_for(b"Timeline \xc2\xb7 " + name, timeout=10, start=mark)
        latencies.append(time.perf_counter() - sent)
        term.read(0.2)
        if name == b"notes":
            os.write(term.master, b"f")  # back to all
            term.read(0.3)
    return latencies


def failed(what: str, exc: BaseException) -> None:
    print(f"FAILED: {what}: {type(exc).__name__}: {exc}", flush=True)


def first_open(label: str, argv: list[str], env: dict[str, str], usable: list[bytes], timeout: float) -> float | None:
    """Seconds to the usable screen the first time an incident is opened (the store has no snapshot of it yet)."""
    term = Terminal(argv, env)
    try:
        return max(term.wait_for(needle, timeout) for needle in usable)
    except (TimeoutError, RuntimeError, OSError) as exc:
        failed(f"first open, {label}", exc)
        return None
    finally:
        term.read(1.0)  # the store writes its snapshot once the load is done
        term.close()


def measure(label: str, argv: list[str], env: dict[str, str], usable: list[bytes], timeout: float,
            stream: tuple[Path, str] | None) -> dict[str, object]:
    """One session: first frame, usable screen, idle output, memory, then keys (while an agent streams)."""
    found: dict[str, object] = {}
    term = Terminal(argv, env)
    try:
        found["frame"] = term.wait_for(b"Phases", timeout)
        found["usable"] = max(term.wait_for(needle, timeout) for needle in usable)
        term.read(2.0)  # the first clock ticks and the layout settle
        found["idle"] = term.read(10.0) / 10.0
        found["rss"] = term.rss_mb()
        streamer = None
        if stream is not None:
            streamer = subprocess.Popen([sys.executable, "-c", STREAMER, str(stream[0]), stream[1], "25"], env=env)
            term.read(1.0)
        try:
            found["keys"] = sorted(keystrokes(term))
        finally:
            if streamer is not None:
                streamer.kill()
                streamer.wait()
    except (TimeoutError, RuntimeError, OSError) as exc:
        failed(label, exc)
    finally:
        term.close()
    return found


def report(label: str, got: dict[str, object], bare: dict[str, object]) -> None:
    def seconds(key: str) -> str:
        return f"{got[key]:.3f} s" if key in got else "failed"

    bare_frame = f"{bare['frame']:.3f} s" if "frame" in bare else "failed"
    print(f"first frame, {label}: {seconds('frame')} (usable {seconds('usable')}; bare Textual app {bare_frame})")
    if "idle" in got:
        bare_idle = f"{bare['idle']:.0f} B/s" if "idle" in bare else "failed"
        print(f"idle output, {label}: {got['idle']:.0f} B/s (bare Textual app {bare_idle})")
    if "rss" in got:
        print(f"resident memory, {label}: {got['rss']:.0f} MB")
    if "keys" in got:
        keys = got["keys"]
        assert isinstance(keys, list)
        line = f"keystroke→repaint while streaming, {label}: median {1000 * keys[len(keys) // 2]:.0f} ms, max {1000 * keys[-1]:.0f} ms"
        if "keys" in bare:
            base = bare["keys"]
            assert isinstance(base, list)
            line += f" (bare Textual app median {1000 * base[len(base) // 2]:.0f} ms, max {1000 * base[-1]:.0f} ms)"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="event counts, comma-separated")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 events (seeding takes minutes)")
    parser.add_argument("--timeout", type=float, default=120.0, help="longest wait for a screen, seconds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] + ([1_000_000] if args.million else [])
    with tempfile.TemporaryDirectory() as tmp:
        bare = measure("bare Textual app", [sys.executable, "-c", BARE_APP], env_for(Path(tmp) / "none.db"),
                       [b"Phases"], args.timeout, None)  # fmt: skip
        for count in sizes:
            label = f"{count:,} events"
            db = Path(tmp) / f"{count}.db"
            try:
                started = time.perf_counter()
                iid = asyncio.run(seed(db, count))
                print(f"seeded {label} in {time.perf_counter() - started:.1f} s", flush=True)
            except Exception as exc:  # a seed that fails is one line; the other sizes still run
                failed(f"seeding {label}", exc)
                continue
            argv = [sys.executable, "-m", "warroom", "open", iid]
            marks = [CLOCK_MARK, LAST_NOTE.encode()]
            cold = first_open(label, argv, env_for(db), marks, args.timeout)  # replays all, stores a snapshot
            if cold is not None:
                print(f"first open, {label} (no snapshot yet): usable {cold:.3f} s", flush=True)
            got = measure(label, argv, env_for(db), marks, args.timeout, (db, iid))
            report(label, got, bare)
            db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
