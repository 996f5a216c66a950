"""Fixtures for the Claude backend: the fake Messages API, an incident, an evidence folder, fast retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.agents.claude.fake_messages_api import FakeMessagesAPI
from warroom.agents.anthropic_backend import AnthropicBackend
from warroom.agents.backend import StepRequest, Task
from warroom.agents.claude.retry import RetryPolicy
from warroom.data.config import AnthropicSettings, Config
from warroom.data.models import Incident, Level, Severity

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TEST_KEY = "sk-ant-api03-test-key-for-the-fake-server-only"


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    """The fake API on 127.0.0.1:<free port>; the SDK finds it through ``ANTHROPIC_BASE_URL``."""
    api = FakeMessagesAPI().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    try:
        yield api
    finally:
        api.stop()


class Sleeps:
    """An injected sleep that records the delays asked for and waits only a millisecond."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.delays.append(seconds)
        await asyncio.sleep(0.001)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_backend(sleeps: Sleeps):
    """``make_backend(**kw)``: a backend with tiny, recorded backoff delays; ``[anthropic]`` keys in ``kw``
    (``max_step_tokens=...``) go through the real config model, the rest to the backend (``clock=...``)."""
    created: list[AnthropicBackend] = []

    def make(max_retries: int = 2, max_budget_usd: float | None = None, model: str = "claude-sonnet-4-6", **kw):
        keys = {k: kw.pop(k) for k in list(kw) if k in AnthropicSettings.model_fields}
        settings = AnthropicSettings(model=model, max_budget_usd=max_budget_usd, max_retries=max_retries, **keys)
        policy = RetryPolicy(max_retries=max_retries, base_delay=0.01, max_delay=0.05, sleep=sleeps, rng=lambda: 0.5)
        backend = AnthropicBackend(Config(anthropic=settings), retry=policy, **kw)
        created.append(backend)
        return backend

    return make


def incident(**fields) -> Incident:
    base = dict(
        incident_id="INC-2026-0001", title="Checkout 502s", severity=Severity.P1, impact=Level.HIGH,
        urgency=Level.HIGH, detected_at=T0, declared_at=T0, updated_at=T0,
    )
    base.update(fields)
    return Incident(**base)


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "app.log").write_text(
        "2026-11-23T08:58:00Z INFO checkout ok\n"
        "2026-11-23T09:00:05Z ERROR checkout upstream db timeout after 3000ms\n"
        "2026-11-23T09:00:06Z ERROR checkout upstream db timeout after 3000ms\n"
        "2026-11-23T09:01:00Z INFO pool exhausted max=10\n"
    )
    return root


def request(evidence_root: Path | str = "", **fields) -> StepRequest:
    base = dict(
        run_id="run-1", step_id="tier2_hypothesis", task=Task.TIER2_HYPOTHESIS, role="Tier 2 engineer",
        title="Tier 2 hypothesis", prompt="Form a hypothesis with evidence and a test plan.",
        system="Incident INC-2026-0001: checkout returns 502 since 09:00 UTC.", incident=incident(),
        evidence_root=str(evidence_root),
    )
    base.update(fields)
    return StepRequest(**base)


class Chunks:
    """An ``emit`` that records the chunks in order."""

    def __init__(self) -> None:
        self.items: list[str] = []

    async def __call__(self, text: str) -> None:
        self.items.append(text)

    @property
    def text(self) -> str:
        return "".join(self.items)


@pytest.fixture
def chunks() -> Chunks:
    return Chunks()
