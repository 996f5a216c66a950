from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.receivers import HttpReceiver, SmtpReceiver, start_http, start_smtp


@pytest.fixture
def http_rx() -> Iterator[HttpReceiver]:
    rx = start_http()
    yield rx
    rx.close()


@pytest.fixture
def smtp_rx() -> Iterator[SmtpReceiver]:
    rx = start_smtp()
    yield rx
    rx.close()
