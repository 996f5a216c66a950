"""Headless Chromium driven over the Chrome DevTools protocol (127.0.0.1 only), for the web view tests.

A small CDP client on aiohttp's websocket (aiohttp comes with textual-serve): start the system
``chromium`` with ``--remote-debugging-port=0``, open one page, evaluate JavaScript in it and type
into it with real key events. The page's terminal is xterm.js drawing on a canvas, so its text is
read from xterm's own buffer (``terminal.buffer.active``): a script added before the page's own
catches the ``Terminal`` when textual-serve's page stores it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["Page", "chromium_path", "start_chromium"]

#: Runs before the page's scripts: keeps each xterm ``Terminal`` that textual-serve's page creates.
CATCH_TERMINAL = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    if (value && value.buffer && value.buffer.active) window.__terminals.push(value);
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
  },
});
"""

#: The screen's text, one line per terminal row ("" until the terminal exists).
SCREEN_TEXT = """
(() => {
  const term = window.__terminals[window.__terminals.length - 1];
  if (!term) return "";
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""

_KEYS = {"enter": ("Enter", 13, "\r"), "escape": ("Escape", 27, "\x1b")}


def chromium_path() -> str | None:
    """The system Chromium (Debian's ``chromium``), if installed."""
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


async def start_chromium(binary: str, profile: Path, *, timeout: float = 15.0) -> tuple[subprocess.Popen[bytes], str]:
    """Start headless Chromium; returns the process and its DevTools websocket address."""
    args = [binary, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
            "--window-size=1400,900", "about:blank"]  # fmt: skip
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root (CI runs as root)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    assert process.stderr is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: list[str] = []
    while loop.time() < deadline:
        line = (await asyncio.wait_for(loop.run_in_executor(None, process.stderr.readline), timeout)).decode(errors="replace")
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if match := re.search(r"DevTools listening on (ws://\S+)", line):
            return process, match.group(1)
    stop_chromium(process)
    raise RuntimeError("chromium did not open its DevTools port: " + "".join(seen)[-2000:])


def stop_chromium(process: subprocess.Popen[bytes]) -> None:
    """End Chromium and every process it started (its own process group, which outlives the browser
    process itself for a moment after ``Browser.close``)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the whole group has already gone
    process.wait(timeout=10)


class Page:
    """One browser tab, attached over the browser's DevTools websocket."""

    def __init__(self, http: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._http = http
        self._socket = socket
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())
        self.session_id = ""

    @classmethod
    async def open(cls, devtools_url: str) -> "Page":
        http = aiohttp.ClientSession()
        socket = await http.ws_connect(devtools_url, max_msg_size=0)
        page = cls(http, socket)
        target = await page.send("Target.createTarget", url="about:blank")
        attached = await page.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        page.session_id = attached["sessionId"]
        await page.send("Page.enable")
        await page.send("Emulation.setFocusEmulationEnabled", enabled=True)  # keys reach it though no window has focus
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        return page

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            waiter = self._waiting.pop(data.get("id", -1), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(data)
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("the browser closed the DevTools connection"))

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command (to the page once attached); its result, or an error raised."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if self.session_id and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session_id
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[number] = waiter
        await self._socket.send_str(json.dumps(message))
        answer = await asyncio.wait_for(waiter, 15)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the page's JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen_text(self) -> str:
        """What the terminal in the page shows now."""
        return str(await self.evaluate(SCREEN_TEXT) or "")

    async def wait_for_text(self, *needles: str, absent: tuple[str, ...] = (), timeout: float = 10.0,
                            poll: float = 0.05) -> str:  # fmt: skip
        """The screen once every one of ``needles`` is on it and none of ``absent`` (fails with what it showed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        text = ""
        while loop.time() < deadline:
            text = await self.screen_text()
            if all(n in text for n in needles) and not any(a in text for a in absent):
                return text
            await asyncio.sleep(poll)
        raise AssertionError(f"the page never showed {needles!r} (without {absent!r}); it showed:\n{text}")

    async def focus_terminal(self) -> None:
        """Put the keyboard focus in the terminal (xterm's hidden text area), as a click on it would."""
        await self.evaluate("window.__terminals[window.__terminals.length - 1].focus()")

    async def press(self, key: str) -> None:
        """Type one key into the focused page (a letter, or ``enter`` / ``escape``), as real key events."""
        name, code, text = _KEYS.get(key, (key, ord(key.upper()) if len(key) == 1 else 0, key))
        common = {"key": name, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
        await self.send("Input.dispatchKeyEvent", type="keyDown", text=text, unmodifiedText=text, **common)
        await self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    async def close(self) -> None:
        try:
            await self.send("Browser.close")
        except (RuntimeError, ConnectionError, asyncio.TimeoutError):
            pass
        self._reader.cancel()
        await self._socket.close()
        await self._http.close()
