"""A real OpenSSH server on 127.0.0.1 and tmux on the far side, for driving warroom as a user would.

The server runs as this user with a throwaway host key and a user key made here by
``ssh-keygen``; it allows key logins only. Every tmux command goes through ``ssh`` like a
user's would. Skipped, with the reason, where ``sshd``, ``ssh`` or ``tmux`` are missing.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "warroom"
#: The far side runs this checkout's warroom with the venv's entry point.
WARROOM = f"PYTHONPATH={ROOT} {SCRIPT}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Remote:
    """Commands on the far side of a real SSH connection."""

    port: int
    key: Path
    user: str

    def ssh(self, command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ssh", "-i", str(self.key), "-p", str(self.port), "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
             f"{self.user}@127.0.0.1", command],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip


@dataclass
class Tmux:
    """One tmux session on the far side (its own server socket), driven through ``ssh``."""

    remote: Remote
    socket: str
    name: str = "warroom"

    def start(self, command: str, cwd: Path, size: tuple[int, int] = (160, 48)) -> None:
        quoted = command.replace("'", "'\\''")
        proc = self.remote.ssh(f"cd {cwd} && TERM=xterm-256color tmux -L {self.socket} new-session -d -s {self.name} "
                               f"-x {size[0]} -y {size[1]} '{quoted}'")
        assert proc.returncode == 0, proc.stderr

    def keys(self, *keys: str) -> None:
        """tmux key names (``Enter``, ``C-s``, ``Left``, ``Tab``, ``Space``) or single characters."""
        args = " ".join(f"'{k}'" for k in keys)
        proc = self.remote.ssh(f"tmux -L {self.socket} send-keys -t {self.name} {args}")
        assert proc.returncode == 0, proc.stderr

    def type(self, text: str) -> None:
        quoted = text.replace("'", "'\\''")
        proc = self.remote.ssh(f"tmux -L {self.socket} send-keys -t {self.name} -l '{quoted}'")
        assert proc.returncode == 0, proc.stderr

    def screen(self) -> str:
        return self.remote.ssh(f"tmux -L {self.socket} capture-pane -p -t {self.name}").stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{shown}")

    def kill(self) -> None:
        self.remote.ssh(f"tmux -L {self.socket} kill-server; "
                        f"rm -f \"${{TMUX_TMPDIR:-/tmp}}/tmux-$(id -u)/{self.socket}\"")


@pytest.fixture(scope="session")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    missing = [tool for tool in (SSHD, "ssh", "ssh-keygen", "tmux", "git") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"end-to-end over SSH (and the demo) needs {', '.join(missing)} (apt-get install openssh-server tmux)")
    if not SCRIPT.exists():
        pytest.skip(f"no warroom script beside {sys.executable}")
    root = tmp_path_factory.mktemp("sshd")
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True)
    (root / "authorized_keys").write_text((root / "user.pub").read_text())
    port = _free_port()
    config = root / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {root / 'host'}
PidFile {root / 'sshd.pid'}
AuthorizedKeysFile {root / 'authorized_keys'}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
""")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    remote = Remote(port=port, key=root / "user", user=getpass.getuser())
    try:
        deadline = time.monotonic() + 10
        while True:
            if server.poll() is not None:
                pytest.skip(f"sshd would not start: {server.stderr.read().decode()[-300:] if server.stderr else ''}")
            if remote.ssh("true", timeout=10).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise AssertionError("sshd did not accept the key login in 10 s")
            time.sleep(0.1)
        yield remote
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def tmux(remote: Remote, tmp_path: Path) -> Iterator[Callable[[str], Tmux]]:
    made: list[Tmux] = []

    def make(name: str) -> Tmux:
        session = Tmux(remote, socket=f"warroom-e2e-{uuid.uuid4().hex[:10]}-{name}")
        made.append(session)
        return session

    yield make
    for session in made:
        session.kill()


def kinds(db: Path, incident_id: str) -> list[str]:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return [r[0] for r in conn.execute("SELECT kind FROM events WHERE incident_id = ? ORDER BY seq", (incident_id,))]
    finally:
        conn.close()


def events(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT seq, incident_id, kind, data FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


def wait_kind(db: Path, incident_id: str, kind: str, count: int = 1, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists() and kinds(db, incident_id).count(kind) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {kind} x{count} on {incident_id}: {kinds(db, incident_id) if db.exists() else 'no db'}")


def finished_per_step(db: Path, incident_id: str) -> dict[str, int]:
    step_of: dict[str, str] = {}
    counts: dict[str, int] = {}
    for _, iid, kind, data in events(db):
        if iid != incident_id:
            continue
        payload = json.loads(data)
        if kind == "agent.started":
            step_of[payload["run_id"]] = payload["step_id"]
        elif kind == "agent.finished":
            step = step_of[payload["run_id"]]
            counts[step] = counts.get(step, 0) + 1
    return counts
