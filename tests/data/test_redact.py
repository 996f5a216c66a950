"""Redaction: every kind of secret is replaced by a typed marker; ordinary log text is left alone."""

from __future__ import annotations

import hashlib
import json

import pytest

from warroom.data.redact import MARKER, is_sensitive_key, marker, redact, redact_obj

# Secrets are assembled from pieces so this file itself does not trip secret scanners.
B64_40 = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
PEM_BODY = "\n".join(["MIIEowIBAAKCAQEA" + "x" * 48] * 4)
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# (kind, text containing the secret, the secret itself)
CASES: list[tuple[str, str, str]] = [
    ("aws-access-key", "using key AKIA" + "IOSFODNN7EXAMPLE for s3", "AKIA" + "IOSFODNN7EXAMPLE"),
    ("aws-access-key", "sts creds ASIA" + "Y34FZKBOKMUTVV7A issued", "ASIA" + "Y34FZKBOKMUTVV7A"),
    ("aws-secret-key", f"aws_secret_access_key = {B64_40}", B64_40),
    ("aws-secret-key", f'export AWS_SECRET_ACCESS_KEY="{B64_40}"', B64_40),
    ("gcp-api-key", "GET /maps?key=AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY HTTP/1.1", "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
    ("gcp-oauth-token", "token ya29." + "a0AfH6SMBx3kQ7pZc9vT2LmN8qR4sW", "ya29." + "a0AfH6SMBx3kQ7pZc9vT2LmN8qR4sW"),
    (
        "private-key",
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"}',
        "MIIEvQIBADANBg",
    ),
    (
        "azure-key",
        "DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
    ),
    (
        "azure-sas-signature",
        "https://acct.blob.core.windows.net/c/b?sv=2021-08-06&se=2026-01-01&sr=b&sp=r&sig=Zm9vYmFyYmF6cXV4cXV1eA%3D%3D",
        "Zm9vYmFyYmF6cXV4cXV1eA",
    ),
    ("github-token", "git clone https://ghp_" + "1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTUVwxyz@github.com/o/r", "ghp_" + "1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTUVwxyz"),
    ("github-token", "GH_TOKEN=github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "github_pat_" + "11ABCDEFG0123456789"),
    ("gitlab-token", "PRIVATE-TOKEN: glpat-" + "xYz123AbC456dEf789gHi", "glpat-" + "xYz123AbC456dEf789gHi"),
    ("slack-token", "slack client init token=xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-" + "123456789012"),
    ("slack-webhook", "POST https://hooks.slack.com/services/T00000000/B00000000/" + "XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("stripe-key", "stripe.api_key = 'sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc'", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("stripe-key", "webhook secret whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("anthropic-key", "ANTHROPIC_API_KEY=sk-ant-" + "api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdEFGH", "sk-ant-" + "api03-AbCdEfGhIj"),
    ("openai-key", "client = OpenAI(api_key='sk-proj-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd')", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"),
    ("npm-token", "//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("sendgrid-key", "SENDGRID=SG." + "ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr", "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc"),
    ("jwt", f"request cookie jwt {JWT} rejected", JWT),
    ("bearer-token", "Authorization: Bearer 8f3a9c2e1b7d4f60a5e2c9b8d7f6e5a4", "8f3a9c2e1b7d4f60a5e2c9b8d7f6e5a4"),
    ("authorization", "Authorization: Basic dXNlcjpodW50ZXIyaHVudGVy", "dXNlcjpodW50ZXIyaHVudGVy"),
    ("url-password", "connecting to postgres://app:S3cr3tPa55@db.internal:5432/orders", "S3cr3tPa55"),
    ("url-password", "redis://:r3d1sPassw0rd@cache-1:6379/0 connection refused", "r3d1sPassw0rd"),
    ("url-password", "mongodb+srv://svc:p@ss:w0rd@cluster0.mongodb.net/db", "ss:w0rd"),
    ("private-key", f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA"),
    ("private-key", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}\n(truncated)", "MIIEowIBAAKCAQEA"),
    ("private-key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----", "lQOYBF"),
    ("cookie", "Cookie: session_id=9f8e7d6c5b4a; csrftoken=Zx81kdP0q", "9f8e7d6c5b4a"),
    ("cookie", "Set-Cookie: sid=s%3Aabc123def456.SiGn; Path=/; HttpOnly; Secure", "s%3Aabc123def456"),
    ("password", "db connect failed password=hunter2 host=db1", "hunter2"),
    ("password", '{"user": "admin", "password": "correct horse"}', "correct"),
    ("password", "Server=tcp:db;Database=orders;User Id=sa;Password=Pa$$w0rd!;", "Pa$$w0rd!"),
    ("password", "DB_PASS: Tr0ub4dor&3", "Tr0ub4dor"),
    ("secret", "client_secret=8Q~yZk3n-abcdefghij&grant_type=client_credentials", "8Q~yZk3n-abcdefghij"),
    ("api-key", "x-api-key: 0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("token", "GITLAB_RUNNER_TOKEN=GR1348941aBcDeFgHiJkLmN", "GR1348941aBcDeFgHiJkLmN"),
]


@pytest.mark.parametrize(("kind", "text", "secret"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_secret_kind_is_redacted_with_a_typed_marker(kind: str, text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[redacted: " in out
    assert redact(out) == out  # idempotent


def test_markers_name_the_kind() -> None:
    aws = "AKIA" + "IOSFODNN7EXAMPLE"
    assert redact(f"key {aws}") == f"key {marker('aws-access-key', aws)}"
    assert redact("postgres://app:pw1234@db/x") == f"postgres://app:{marker('url-password', 'pw1234')}@db/x"
    assert redact("password=hunter2 host=db1") == f"password={marker('password', 'hunter2')} host=db1"
    assert (
        redact("Authorization: Bearer abcdefgh12345678")
        == f"Authorization: Bearer {marker('bearer-token', 'abcdefgh12345678')}"
    )
    assert redact(f"tok {JWT}.") == f"tok {marker('jwt', JWT)}."
    assert (
        redact("Set-Cookie: sid=abc123; Path=/; HttpOnly")
        == f"Set-Cookie: sid={marker('cookie', 'abc123')}; Path=/; HttpOnly"
    )


def test_a_marker_fingerprints_the_secret_so_two_secrets_differ_and_one_secret_repeats() -> None:
    out = redact("password=hunter2 password=hunter3 password=hunter2")
    first, second, third = MARKER.findall(out)
    assert first == third != second
    assert first == "[redacted: password …" + hashlib.sha256(b"hunter2").hexdigest()[-4:] + "]"


def test_at_least_ten_kinds_are_covered() -> None:
    kinds = {redact(text).split("[redacted: ")[1].split(" ")[0] for _, text, _ in CASES}
    assert len(kinds) >= 15


ORDINARY = [
    "2026-11-23T09:00:01.123Z INFO request_id=3f2b8c1e-4a5d-4e6f-9a7b-1c2d3e4f5a6b status=200 latency_ms=12",
    "Nov 23 09:00:01 web-1 nginx[123]: 10.0.0.1 - - [23/Nov/2026:09:00:01 +0000] \"GET /api/orders HTTP/1.1\" 502",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (HEAD -> main)",
    "sha256: e3b0c44298fc1c149afbfc8996fb92427ae41e4649b934ca495991b7852b855",
    "md5=d41d8cd98f00b204e9800998ecf8427e size=0",
    "input_tokens=523 output_tokens=88 cache_read_input_tokens=400",
    "ssh: Failed password for root from 203.0.113.9 port 22 ssh2",
    "upstream http://10.0.0.5:8080/healthz timed out after 3.0s",
    "see https://runbooks.example.com/db/failover#promote for the procedure",
    "bypass=1 compass=north monkey=banana cache_key=user:42 idempotency_key=ord-991",
    "token refresh failed; retrying in 5s (attempt 3/5)",
    "password=null password=\"\" api_key=${API_KEY} secret={{ vault.secret }}",
    "pod/checkout-7d9f8b6c5d-x2kq9 OOMKilled exit=137 restarts=4",
    "Deploy 1.42.0 by alice: 'Revert \"raise pool size\"' files=config/db.yaml",
    "the session cookie is missing",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
]


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_log_text_is_left_alone(line: str) -> None:
    assert redact(line) == line


def test_text_around_a_secret_is_intact_and_lines_keep_their_count() -> None:
    log = "\n".join(
        [
            "09:00:01 INFO start",
            "09:00:02 ERROR db url=postgres://u:hunter22@db/x failed",
            "09:00:03 INFO done",
        ]
    )
    out = redact(log)
    assert out.splitlines()[0] == "09:00:01 INFO start"
    assert out.splitlines()[2] == "09:00:03 INFO done"
    assert out.count("\n") == log.count("\n")
    assert "hunter22" not in out


def test_all_cases_in_one_text_are_idempotent() -> None:
    blob = "\n".join(text for _, text, _ in CASES)
    once = redact(blob)
    assert redact(once) == once
    for _, _, secret in CASES:
        assert secret not in once


def test_redact_obj_walks_json_and_redacts_sensitive_keys_whole() -> None:
    doc = {
        "headers": {"Authorization": "Token abc", "Cookie": "a=b", "Accept": "text/plain"},
        "db": {"password": "correct horse battery", "host": "db1"},
        "items": ["ok", "key AKIA" + "IOSFODNN7EXAMPLE", 3, None, ("postgres://u:pw99@h/x",)],
        "api_key": "zzz",
        "count": 7,
    }
    out = redact_obj(doc)
    text = json.dumps(out)
    for secret in ("Token abc", "a=b", "correct horse", "AKIA", "pw99", "zzz"):
        assert secret not in text
    assert out["headers"]["Accept"] == "text/plain"
    assert out["db"]["host"] == "db1"
    assert out["count"] == 7 and out["items"][3] is None
    assert isinstance(out["items"][4], tuple)
    assert redact_obj(out) == out
    assert doc["api_key"] == "zzz"  # the input is not modified


def test_sensitive_key_names() -> None:
    for name in ("password", "DB_PASSWORD", "api-key", "X-Api-Key", "AWS_SECRET_ACCESS_KEY", "github_token", "pwd"):
        assert is_sensitive_key(name), name
    for name in ("input_tokens", "bypass", "cache_key", "keyboard", "host", "tokenizer"):
        assert not is_sensitive_key(name), name


def test_hostile_input_does_not_break_redaction() -> None:
    assert redact("") == ""
    weird = "\x00\x1b[31m password=\udcff \ufeff" + "a" * 10_000 + "://" + ":" * 5000 + "@" * 5000
    out = redact(weird)
    assert isinstance(out, str)
    assert redact(out) == out
    big = ("2026-11-23 INFO ok line with nothing secret\n" * 50_000) + "token=abcdef123456\n"
    out = redact(big)
    assert "abcdef123456" not in out and len(out) < len(big) + 40


def test_a_jwt_is_one_secret_even_when_it_contains_other_token_prefixes():
    jwt = "eyJI5R5ecR45XtuH3gIhQSG" + ".eyJH8620jalh7X97UE0xazfmkAcRfZzFT" + ".H-LclOB35anyfifehVgfMnm2E4Hsr-tILTOo0LH7MBh"
    assert redact(f"jwt={jwt}") == f"jwt={marker('jwt', jwt)}"
    inner = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4AKIA" + "ABCDEFGHIJKLMNOP" + "In0.c2lnbmF0dXJlX3ZhbHVl"
    assert redact(f"t {inner} end") == f"t {marker('jwt', inner)} end"


def test_random_secrets_from_many_seeds_leave_no_fragment():
    """Seeded random values for 14 kinds in the contexts they appear in: no 8-character fragment survives."""
    from tests.agents.claude.test_secrets_budget_structured import _many_secrets

    for seed in range(40):
        for kind, line, secret in _many_secrets(seed, 2):
            out = redact(line)
            core = secret.split("_")[-1] if kind in ("github", "stripe") else secret
            assert not any(core[i : i + 8] in out for i in range(len(core) - 8)), (kind, line, out)
            assert redact(out) == out
