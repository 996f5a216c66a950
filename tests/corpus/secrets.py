"""Planted secrets: 60 seeded random values of 15 kinds, written into realistic evidence files.

Every value is generated (seeded, reproducible) so no real-looking credential is committed,
and each is long and random enough that finding it anywhere is proof of a leak.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits


def _r(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def plant(root: Path, seed: int = 7, per_kind: int = 4) -> dict[str, list[str]]:
    """Write ``logs/app.log``, ``logs/worker.log``, ``runbook.md`` and ``config.env`` holding the secrets.

    Returns ``{kind: [secret values]}`` - the exact strings that must never be seen again.
    """
    rng = random.Random(seed)
    kinds: dict[str, list[str]] = {}
    lines: list[str] = []
    docs: list[str] = []
    stamp = iter(f"2026-11-23T09:{m:02d}:{s:02d}Z" for m in range(0, 60) for s in range(0, 60, 7))

    def log(level: str, text: str) -> None:
        lines.append(f"{next(stamp)} {level} checkout-api {text}")

    for i in range(per_kind):
        secret = {
            "aws-access-key": "AKIA" + _r(rng, 16, UPPER),
            "aws-secret-key": _r(rng, 40, ALNUM + "/+"),
            "github-token": "ghp_" + _r(rng, 36),
            "slack-token": "xoxb-" + _r(rng, 12, string.digits) + "-" + _r(rng, 24),
            "stripe-key": "sk_live_" + _r(rng, 28),
            "anthropic-key": "sk-ant-api03-" + _r(rng, 40),
            "gcp-api-key": "AIza" + _r(rng, 35),
            "bearer-token": _r(rng, 44),
            "url-password": "Pw" + _r(rng, 18),
            "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi" + _r(rng, 16) + "." + _r(rng, 32),
            "cookie": "sess" + _r(rng, 30),
            "conn-string-password": "Cs" + _r(rng, 18),
            "password-assignment": "Pa" + _r(rng, 16) + "!",
            "private-key": "MIIE" + _r(rng, 60, ALNUM + "+/"),
            "npm-token": "npm_" + _r(rng, 36),
        }
        for kind, value in secret.items():
            kinds.setdefault(kind, []).append(value)
        s = secret
        log("ERROR", f"s3 upload failed key_id={s['aws-access-key']} aws_secret_access_key={s['aws-secret-key']}")
        log("ERROR", f"git fetch https://{s['github-token']}@github.com/acme/checkout failed: 502")
        log("WARN", f"slack notify failed token {s['slack-token']}")
        log("ERROR", f"payment upstream 502 using {s['stripe-key']}")
        log("ERROR", f"agent env ANTHROPIC_API_KEY={s['anthropic-key']} request failed 502")
        log("ERROR", f"GET https://maps.googleapis.com/geo?key={s['gcp-api-key']} 502")
        log("ERROR", f"upstream 502 headers Authorization: Bearer {s['bearer-token']}")
        log("ERROR", f"db connect postgres://orders:{s['url-password']}@db-1:5432/orders refused (502)")
        log("WARN", f"rejected token {s['jwt']}")
        log("ERROR", f"request 502 Cookie: session={s['cookie']}; theme=dark")
        log("ERROR", f"Server=tcp:sql-{i};User Id=sa;Password={s['conn-string-password']}; timeout 502")
        log("ERROR", f"login failed password={s['password-assignment']}")
        log("ERROR", f"npm publish failed //registry.npmjs.org/:_authToken={s['npm-token']}")
        docs.append(f"-----BEGIN RSA PRIVATE KEY-----\n{s['private-key']}\n-----END RSA PRIVATE KEY-----")
    (root / "logs").mkdir(parents=True, exist_ok=True)
    half = len(lines) // 2
    (root / "logs" / "app.log").write_text("\n".join(lines[:half]) + "\n")
    (root / "logs" / "worker.log").write_text("\n".join(lines[half:]) + "\n")
    (root / "runbook.md").write_text("# Checkout failover\n\nUse the deploy key:\n\n" + "\n\n".join(docs) + "\n")
    (root / "config.env").write_text(
        "\n".join(f"STRIPE_KEY={v}" for v in kinds["stripe-key"])
        + "\n" + "\n".join(f"DATABASE_URL=postgres://app:{v}@db:5432/app" for v in kinds["url-password"]) + "\n")
    return kinds


def leaked(text: str, kinds: dict[str, list[str]]) -> list[str]:
    """The planted secrets found in ``text`` as ``kind: value-prefix`` (empty when none leaked)."""
    return [f"{kind}: {value[:12]}..." for kind, values in kinds.items() for value in values if value in text]
