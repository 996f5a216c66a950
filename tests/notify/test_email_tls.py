"""Email over STARTTLS (with AUTH) and implicit TLS to a real aiosmtpd server with a certificate made here.

The server's certificate is self-signed for 127.0.0.1; ``ca_file`` trusts it. Without it the
certificate is refused and the notification is given up with that reason (retrying cannot help).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.notify.receivers import _Handler
from warroom.agents.outbox import Outbox
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.notify import attach_outbox
from warroom.data.store import EventStore

# aiosmtpd warns for AUTH without STARTTLS; with implicit TLS the whole session is already encrypted.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
T0 = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
PASSWORD = "smtp-pass-4f9c2a7d"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate can be made")
    root = tmp_path_factory.mktemp("tls")
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"warroom" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[str, int, _Handler]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    handler, port = _Handler(), _port()
    if request.param == "starttls":
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                authenticator=_authenticator, auth_required=True)  # fmt: skip
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context, server_hostname="127.0.0.1",
                                authenticator=_authenticator, auth_required=True, auth_require_tls=False)  # fmt: skip
    controller.start()
    yield request.param, port, handler
    controller.stop()


def _config(security: str, port: int, ca_file: Path | None) -> str:
    trust = f'ca_file = "{ca_file}"\n' if ca_file else ""
    return f"""
[notify.email]
host = "127.0.0.1"
port = {port}
from = "warroom@example.com"
security = "{security}"
username = "warroom"
password_env = "SMTP_PASSWORD"
{trust}to = {{ management = ["m@example.com"] }}
"""


async def _send(db: Path, text: str) -> Any:
    config = parse_config(text)
    async with await EventStore.open(db) as store:
        attach_outbox(store, config)
        iid = (await store.declare(T0, title="TLS mail")).incident_id
        await store.append(ev.ManagementNotified(incident_id=iid, at=T0, actor="alice", reason="by key", message="Revenue at risk."))
        await Outbox(store, config.notify, env={"SMTP_PASSWORD": PASSWORD}, now=lambda: T0).send_due()
        return next(iter((await store.load(iid)).notifications.values()))


async def test_email_over_tls_with_a_password_from_the_environment(tmp_path: Path, tls_server: tuple[str, int, _Handler],
                                                                    certificate: tuple[Path, Path]) -> None:  # fmt: skip
    security, port, handler = tls_server
    n = await _send(tmp_path / "w.db", _config(security, port, certificate[0]))
    assert n.state == "delivered", n.last_error
    (mail,) = handler.mails
    assert mail.recipients == ["m@example.com"] and b"Revenue at risk." in mail.data
    assert PASSWORD.encode() not in (tmp_path / "w.db").read_bytes()


async def test_an_untrusted_certificate_is_refused_and_given_up(tmp_path: Path, tls_server: tuple[str, int, _Handler]) -> None:
    security, port, handler = tls_server
    n = await _send(tmp_path / "w.db", _config(security, port, None))
    assert n.state == "failed" and "certificate was refused" in n.last_error, n.last_error
    assert not handler.mails
