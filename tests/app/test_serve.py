"""``warroom serve``: what it refuses, and the gate in front of textual-serve (a real server on 127.0.0.1).

The gate tests run the real aiohttp application with a stand-in session command that leaves a file
behind, so "no app process was started" is something the test can see.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from warroom.app.cli import main
from warroom.app.commands.serve import TOKEN_VARIABLE, session_command
from warroom.app.context import CommandContext
from warroom.app.web_view import TOKEN_COOKIE, WebView

TOKEN = "s3cret-token-for-tests-0123456789"


def _refused(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    assert main(list(words)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("warroom: ") and "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_decisions_need_a_token_of_some_length(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db = str(tmp_path / "w.db")
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    assert TOKEN_VARIABLE in _refused(capsys, "--db", db, "serve", "--allow-decisions")
    monkeypatch.setenv(TOKEN_VARIABLE, "short")
    assert "16 characters" in _refused(capsys, "--db", db, "serve", "--allow-decisions")
    assert not (tmp_path / "w.db").exists()  # refused before anything was opened


def test_read_only_and_allow_decisions_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--read-only", "--allow-decisions"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_bad_port_address_or_database_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db = str(tmp_path / "w.db")
    assert "0 to 65535" in _refused(capsys, "--db", db, "serve", "--port", "70000")
    assert "--public-url" in _refused(capsys, "--db", db, "serve", "--public-url", "javascript:alert(1)")
    (tmp_path / "junk.db").write_bytes(b"\x00\xffnot a database" * 100)
    _refused(capsys, "--db", str(tmp_path / "junk.db"), "serve", "--port", "0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
        assert f"127.0.0.1:{port}" in _refused(capsys, "--db", db, "serve", "--port", str(port), "--allow-decisions")
    assert TOKEN_VARIABLE not in os.environ  # taken out before any session could inherit it


def test_the_session_command_runs_this_program_on_the_same_database(tmp_path: Path) -> None:
    db = tmp_path / "a folder with spaces" / "w.db"
    db.parent.mkdir()
    args = argparse.Namespace(db=str(db), actor="ann o'neil", config=None, allow_decisions=False)
    words = shlex.split(session_command(args, CommandContext.from_args(args)))
    assert words[:4] == ["exec", sys.executable, "-m", "warroom"]
    assert words[words.index("--db") + 1] == str(db.resolve()) and words[words.index("--as") + 1] == "ann o'neil"
    assert words[-2:] == ["serve", "--session"]
    args.allow_decisions = True
    assert shlex.split(session_command(args, CommandContext.from_args(args)))[-1] == "--allow-decisions"
    args.db = "postgresql://warroom:hunter2-password@db.example/warroom"
    command = session_command(args, CommandContext.from_args(args))
    assert "hunter2" not in command and "--db" not in command  # the sessions get the URL as WARROOM_DB


# -- the gate, on a real server ---------------------------------------------------------------------


async def _served(view: WebView) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(view.make_app(), shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def gated(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """A server that allows decisions (token ``TOKEN``); its session command touches a file and quits."""
    marker = tmp_path / "sessions"
    command = f"echo started >> {shlex.quote(str(marker))}; exec true"
    runner, url = await _served(WebView(command, host="127.0.0.1", port=0, title="t", token=TOKEN))
    try:
        yield url, marker
    finally:
        await runner.cleanup()


async def test_without_the_token_neither_the_page_nor_a_session(gated: tuple[str, Path]) -> None:
    url, marker = gated
    async with aiohttp.ClientSession() as http:
        for address in (f"{url}/", f"{url}/?token=wrong", f"{url}/?token=", f"{url}/download/x"):
            async with http.get(address, allow_redirects=False) as answer:
                assert answer.status == 403, address
                assert "token" in await answer.text()
        async with http.get(f"{url}/", headers={"Authorization": "Bearer nope"}) as answer:
            assert answer.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{url}/ws")
        assert refused.value.status == 403
        async with http.get(f"{url}/static/js/textual.js") as answer:
            assert answer.status == 200  # textual-serve's own script holds nothing of ours
    assert not marker.exists(), "a session was started without the token"


async def test_the_token_once_gives_a_cookie_that_opens_the_page_and_a_session(gated: tuple[str, Path]) -> None:
    url, marker = gated
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # unsafe: keeps an IP's cookies
        async with http.get(f"{url}/?token={TOKEN}&fontsize=14", allow_redirects=False) as answer:
            assert answer.status == 303
            assert answer.headers["Location"] == "/?fontsize=14"  # the token leaves the address bar
            cookie = answer.cookies[TOKEN_COOKIE]
            assert cookie.value == TOKEN and cookie["httponly"] and cookie["samesite"] == "Strict"
        async with http.get(f"{url}/?fontsize=14") as answer:  # the cookie jar sends it now
            assert answer.status == 200
            assert f'data-session-websocket-url="ws://{url.split("//")[1]}/ws"' in await answer.text()
        socket_ = await http.ws_connect(f"{url}/ws?width=100&height=30")
        await socket_.close()
    async with aiohttp.ClientSession() as script:
        socket_ = await script.ws_connect(f"{url}/ws", headers={"Authorization": f"Bearer {TOKEN}"})
        await socket_.close()
    for _ in range(100):
        if marker.exists() and marker.read_text().count("started") == 2:
            break
        await asyncio.sleep(0.05)
    assert marker.read_text().count("started") == 2


async def test_a_page_from_another_site_cannot_open_even_a_read_only_session(tmp_path: Path) -> None:
    marker = tmp_path / "sessions"
    view = WebView(f"echo started >> {shlex.quote(str(marker))}; exec true", host="127.0.0.1", port=0, title="t")
    runner, url = await _served(view)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/") as answer:
                assert answer.status == 200  # read-only: no token asked
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{url}/ws", headers={"Origin": "http://evil.example"})
            assert refused.value.status == 403
            socket_ = await http.ws_connect(f"{url}/ws", headers={"Origin": url})
            await socket_.close()
            headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "warroom.example.com"}
            async with http.get(f"{url}/", headers=headers) as answer:
                page = await answer.text()
            assert 'data-session-websocket-url="wss://warroom.example.com/ws"' in page
            assert "https://warroom.example.com/static/js/textual.js" in page
            assert "googleapis" not in page and "https://warroom.example.com/static/fonts/RobotoMono" in page
            async with http.get(f"{url}/static/fonts/RobotoMono-VariableFont_wght.ttf") as answer:
                assert answer.status == 200  # the font the page names is there
            for hostile in ('evil.example"><b id=x>', "evil.example x"):
                async with http.get(f"{url}/", headers={"X-Forwarded-Host": hostile}) as answer:
                    assert "evil.example" not in await answer.text() and answer.status == 200  # ignored, not repeated
    finally:
        await runner.cleanup()


async def test_a_name_pointed_at_this_server_by_someone_else_is_refused(tmp_path: Path) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 must not reach the war room as evil.example."""
    marker = tmp_path / "sessions"
    view = WebView(f"echo started >> {shlex.quote(str(marker))}; exec true", host="127.0.0.1", port=0, title="t",
                   public_url="https://warroom.example.com")  # fmt: skip
    runner, url = await _served(view)
    port = url.rsplit(":", 1)[1]
    try:
        async with aiohttp.ClientSession() as http:
            for name in (f"evil.example:{port}", "evil.example", "127.0.0.1.evil.example"):
                async with http.get(f"{url}/", headers={"Host": name}) as answer:
                    assert answer.status == 421 and "--public-url" in await answer.text(), name
                with pytest.raises(aiohttp.WSServerHandshakeError):
                    await http.ws_connect(f"{url}/ws", headers={"Host": name, "Origin": f"http://{name}"})
            for name in (f"localhost:{port}", "warroom.example.com", f"127.0.0.1:{port}"):
                async with http.get(f"{url}/", headers={"Host": name}) as answer:
                    assert answer.status == 200, name
                    assert 'data-session-websocket-url="wss://warroom.example.com/ws"' in await answer.text()
        assert not marker.exists()
    finally:
        await runner.cleanup()


async def test_hostile_messages_from_a_browser_neither_end_the_session_nor_reach_the_app_unbounded(tmp_path: Path) -> None:
    """Garbage, binary, a wrong-typed key and an absurd terminal size: the session goes on, the size is bounded."""
    received = tmp_path / "stdin"
    stand_in = "\n".join([  # records what reaches the app, and quits when told to, as an app does
        "import os", "print('__GANGLION__', flush=True)", f"out = open({str(received)!r}, 'wb', 0)",
        "while (chunk := os.read(0, 65536)):", "    out.write(chunk)", "    if b'\"quit\"' in chunk: break",
    ])  # fmt: skip
    view = WebView(f"exec {shlex.quote(sys.executable)} -c {shlex.quote(stand_in)}", host="127.0.0.1", port=0, title="t")
    runner, url = await _served(view)
    try:
        async with aiohttp.ClientSession() as http:
            socket_ = await http.ws_connect(f"{url}/ws?width=99999999&height=-3")
            for junk in ("not json", "[]", '["stdin"]', '{"a": 1, "b": 2}', '["stdin", 123]', '["resize", "big"]',
                         '["resize", {"width": 1e400, "height": 1000000000}]', "\x00\xff" * 1000):  # fmt: skip
                await socket_.send_str(junk)
            await socket_.send_bytes(b"\x00" * 4096)
            await socket_.send_json(["stdin", "q"])
            await socket_.send_json(["ping", "still there"])
            answer = await socket_.receive_json(timeout=10)
            assert answer == ["pong", "still there"]
            await socket_.close()
        for _ in range(200):
            if received.exists() and b'"quit"' in received.read_bytes():
                break
            await asyncio.sleep(0.05)
        sent = received.read_bytes()
    finally:
        await runner.cleanup()
    assert b'"width": 80, "height": 200' in sent  # 1e400 is no number; a billion rows is 200
    assert b"D\x00\x00\x00\x01q" in sent  # the one real key reached the app


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{pid}$", status.read_text(), re.M):
                found.append(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to find the session process")
async def test_a_browser_session_ends_when_its_server_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves the server no chance to stop its sessions: each notices and quits by itself."""
    said = tmp_path / "serve.out"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    env.pop(TOKEN_VARIABLE, None)
    with said.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "warroom", "--db", str(tmp_path / "w.db"), "serve", "--port", "0"],
                                  stdout=out, stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    session = None
    try:
        for _ in range(400):
            if match := re.search(r"http://127\.0\.0\.1:\d+", said.read_text()):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("warroom serve did not start")
        async with aiohttp.ClientSession() as http:
            socket_ = await http.ws_connect(f"{match[0]}/ws?width=80&height=24")
            await socket_.receive(timeout=30)  # the app's first bytes: the session is running
            (session,) = _children(server.pid)
            server.kill()
            server.wait()
            await socket_.close()
        for _ in range(300):  # it checks every second and then has 5 s to quit
            if not Path(f"/proc/{session}").exists() or "zombie" in Path(f"/proc/{session}/status").read_text():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the session outlived its server")
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
        if session is not None and Path(f"/proc/{session}").exists():
            os.kill(session, signal.SIGKILL)
