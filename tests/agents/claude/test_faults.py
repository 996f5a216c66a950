"""Faults from the API: retried with backoff (retry-after honoured), then a clean StepFailed; the loop never stalls."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from tests.agents.claude.conftest import Chunks, Sleeps, request
from tests.agents.claude.fake_messages_api import Fault, FakeMessagesAPI, Reply, Text
from warroom.agents.backend import StepFailed

OK = Reply([Text("Recovered answer.")])


async def test_429_honours_retry_after(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks, sleeps: Sleeps):
    fake_api.script(Fault(429, "rate_limit_error", headers={"retry-after": "7"}), OK)
    result = await make_backend().run_step(request(), chunks)
    assert result.output == "Recovered answer."
    assert sleeps.delays == [7.0]
    assert len(fake_api.requests) == 2


async def test_retry_after_ms_is_preferred(fake_api: FakeMessagesAPI, make_backend, chunks, sleeps: Sleeps):
    fake_api.script(Fault(429, "rate_limit_error", headers={"retry-after-ms": "1500", "retry-after": "9"}), OK)
    await make_backend().run_step(request(), chunks)
    assert sleeps.delays == [1.5]


@pytest.mark.parametrize(("status", "kind"), [(500, "api_error"), (529, "overloaded_error"), (503, "api_error")])
async def test_server_errors_are_retried_with_exponential_backoff(
    fake_api: FakeMessagesAPI, make_backend, chunks, sleeps: Sleeps, status: int, kind: str
):
    fake_api.script(Fault(status, kind), Fault(status, kind), OK)
    result = await make_backend(max_retries=2).run_step(request(), chunks)
    assert result.output == "Recovered answer."
    # base 0.01 s doubling, jitter factor 0.75 with rng=0.5
    assert sleeps.delays == pytest.approx([0.0075, 0.015])


async def test_persistent_overload_fails_cleanly_after_the_retries(fake_api: FakeMessagesAPI, make_backend, chunks, sleeps):
    fake_api.script(*[Fault(529, "overloaded_error", "Overloaded")] * 4)
    with pytest.raises(StepFailed, match=r"after 4 attempts: OverloadedError \(HTTP 529, overloaded_error: Overloaded\)"):
        await make_backend(max_retries=3).run_step(request(), chunks)
    assert len(fake_api.requests) == 4 and len(sleeps.delays) == 3
    assert sleeps.delays == sorted(sleeps.delays)


async def test_a_client_error_is_not_retried(fake_api: FakeMessagesAPI, make_backend, chunks, sleeps):
    fake_api.script(Fault(401, "authentication_error", "invalid x-api-key"), OK)
    with pytest.raises(StepFailed, match=r"AuthenticationError \(HTTP 401, authentication_error: invalid x-api-key\)"):
        await make_backend().run_step(request(), chunks)
    assert len(fake_api.requests) == 1 and sleeps.delays == []


async def test_a_retry_after_beyond_the_limit_fails_instead_of_stalling(fake_api: FakeMessagesAPI, make_backend, chunks, sleeps):
    fake_api.script(Fault(429, "rate_limit_error", headers={"retry-after": "3600"}), OK)
    with pytest.raises(StepFailed, match="retry after 3600s"):
        await make_backend().run_step(request(), chunks)
    assert sleeps.delays == []


async def test_a_stream_cut_mid_message_is_retried(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    fake_api.script(Reply([Text("The first attempt breaks halfway through", chunk=4)], cut_after=6), OK)
    result = await make_backend().run_step(request(), chunks)
    assert result.output == "Recovered answer."
    assert chunks.items[0] == "The "
    assert "[the answer was cut off; retrying]" in chunks.text
    assert chunks.text.endswith("Recovered answer.")


async def test_a_stream_that_always_breaks_fails_cleanly(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(*[Reply([Text("partial answer text", chunk=3)], cut_after=5)] * 3)
    with pytest.raises(StepFailed, match="after 3 attempts: RemoteProtocolError"):
        await make_backend(max_retries=2).run_step(request(), chunks)


async def test_an_error_event_mid_stream_is_retried(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("overloaded halfway", chunk=3)], error_after=4), OK)
    result = await make_backend().run_step(request(), chunks)
    assert result.output == "Recovered answer."
    assert len(fake_api.requests) == 2


async def test_timeouts_are_retried_then_fail_without_stalling_the_loop(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(*[Reply([Text("too late")], delay=0.6)] * 2)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    with pytest.raises(StepFailed, match="after 2 attempts: APITimeoutError"):
        await make_backend(max_retries=1, timeout=0.15).run_step(request(), chunks)
    elapsed = time.perf_counter() - started
    task.cancel()
    assert len(fake_api.requests) == 2
    assert ticks >= elapsed / 0.01 * 0.5  # the event loop kept running while the calls waited


async def test_a_slow_response_within_the_timeout_succeeds(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("slow but fine")], delay=0.2))
    result = await make_backend(timeout=2.0).run_step(request(), chunks)
    assert result.output == "slow but fine"


async def test_connection_refused_is_retried_then_fails(monkeypatch, make_backend, chunks, sleeps: Sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(StepFailed, match="after 3 attempts: APIConnectionError"):
        await make_backend(max_retries=2).run_step(request(), chunks)
    assert len(sleeps.delays) == 2


async def test_other_steps_run_while_one_step_is_retrying(fake_api: FakeMessagesAPI, make_backend, chunks):
    """Two steps at once on one backend: the one that hits a fault does not hold up the other."""
    fake_api.script(Fault(529, "overloaded_error", delay=0.3), Reply([Text("fast")]), Reply([Text("retried")]))
    backend = make_backend()
    slow, fast = Chunks(), Chunks()
    results = await asyncio.gather(
        backend.run_step(request(run_id="a"), slow), backend.run_step(request(run_id="b"), fast)
    )
    assert sorted(r.output for r in results) == ["fast", "retried"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>502 Bad Gateway from the corporate proxy</body></html>", "text/html"),
        (b'event: message_start\ndata: {"type": "message_start", "message": {not json\n\n', "text/event-stream"),
        (b"", "text/event-stream"),
    ],
    ids=["proxy-html", "corrupt-event", "empty-stream"],
)
async def test_a_garbled_success_response_is_retried_then_fails_cleanly(
    fake_api: FakeMessagesAPI, make_backend, chunks, body: bytes, content_type: str
):
    from tests.agents.claude.fake_messages_api import Raw

    fake_api.script(Raw(body, content_type), OK)
    assert (await make_backend().run_step(request(), chunks)).output == "Recovered answer."
    fake_api.script(*[Raw(body, content_type)] * 2)
    with pytest.raises(StepFailed, match="after 2 attempts: StreamCut"):
        await make_backend(max_retries=1).run_step(request(), chunks)
