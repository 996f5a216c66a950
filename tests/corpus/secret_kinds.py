"""A secrets corpus: seeded instances of 40 kinds in the forms people paste them, and look-alikes.

Each instance is ``(kind, text, secret)``: ``text`` is a line (or a few) as it turns up in a note,
a log or a runbook, ``secret`` the substring that must never be seen again once ``text`` is
redacted. Values are generated from a seed, so no real credential is committed, and long and
random enough that finding one anywhere is proof of a leak. Forms: plain, split across lines
(a terminal or a mail client wrapped it), and base64-encoded (a Kubernetes Secret, a Docker
config). ``LOOK_ALIKES`` are lines that must come back unchanged: ids, digests, timestamps and
prose about passwords that hold no secret.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
LOWER = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
BASE64 = ALNUM + "+/"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

Instance = tuple[str, str, str]


def _r(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    # a digit and a letter in every value: a random run of letters alone reads as a word
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if n < 4 or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)) or not (
            set(alphabet) & set(string.ascii_letters) and set(alphabet) & set(string.digits)
        ):
            return value


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _plain(rng: random.Random) -> list[Instance]:  # noqa: PLR0915 - one line a kind reads best
    out: list[Instance] = []

    def add(kind: str, make: Callable[[str], str], secret: str) -> None:
        out.append((kind, make(secret), secret))

    add("aws-access-key", lambda s: f"s3 put failed for key id {s} (403)", "AKIA" + _r(rng, 16, UPPER))
    add("aws-secret-key", lambda s: f"aws_secret_access_key = {s}", _r(rng, 40, BASE64))
    add("github-token", lambda s: f"git clone https://{s}@github.com/acme/api.git", "ghp_" + _r(rng, 36))
    add("github-fine-grained", lambda s: f"GH_TOKEN={s}", "github_pat_" + _r(rng, 22) + "_" + _r(rng, 59))
    add("gitlab-token", lambda s: f"curl -H 'PRIVATE-TOKEN: {s}' gitlab.example/api", "glpat-" + _r(rng, 20))
    add("gitlab-runner", lambda s: f"runner registered with {s}", "glrt-" + _r(rng, 24))
    add("slack-token", lambda s: f"slack post failed with {s}", "xoxb-" + _r(rng, 11, string.digits) + "-" + _r(rng, 24))
    add("slack-webhook", lambda s: f"webhook https://hooks.slack.com/services/{s} returned 410",
        "T" + _r(rng, 8, UPPER) + "/B" + _r(rng, 8, UPPER) + "/" + _r(rng, 24))
    add("stripe-key", lambda s: f"charge failed using {s}", "sk_live_" + _r(rng, 24))
    add("stripe-webhook", lambda s: f"signing secret {s} rotated?", "whsec_" + _r(rng, 32))
    add("anthropic-key", lambda s: f"export ANTHROPIC_API_KEY={s}", "sk-ant-api03-" + _r(rng, 48))
    add("openai-key", lambda s: f"openai 401 for {s}", "sk-proj-" + _r(rng, 48))
    add("gcp-api-key", lambda s: f"GET /maps/api/geocode?key={s}", "AIza" + _r(rng, 35))
    add("gcp-oauth", lambda s: f"token {s} expired at 09:14", "ya29." + _r(rng, 60))
    add("bearer-token", lambda s: f"Authorization: Bearer {s}", _r(rng, 40))
    add("basic-auth", lambda s: f"Authorization: Basic {s}", _b64("svc-report:" + _r(rng, 18)))
    add("url-password", lambda s: f"DATABASE_URL=postgres://orders:{s}@db-1:5432/orders", _r(rng, 20))
    add("jwt", lambda s: f"rejected {s}", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi" + _r(rng, 20) + "." + _r(rng, 43))
    add("cookie", lambda s: f"Cookie: session={s}; theme=dark", _r(rng, 32))
    add("conn-string", lambda s: f"Server=sql-3;User Id=sa;Password={s};Timeout=30", _r(rng, 18))
    add("password-assignment", lambda s: f"login failed password={s}", _r(rng, 16) + "!")
    add("private-key", lambda s: f"-----BEGIN OPENSSH PRIVATE KEY-----\n{s}\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEA" + _r(rng, 64, BASE64))
    add("npm-token", lambda s: f"//registry.npmjs.org/:_authToken={s}", "npm_" + _r(rng, 36))
    add("pypi-token", lambda s: f"twine upload -u __token__ -p {s}", "pypi-AgEIcHlwaS5vcmc" + _r(rng, 60))
    add("sendgrid-key", lambda s: f"mail send failed {s}", "SG." + _r(rng, 22) + "." + _r(rng, 43))
    add("twilio-key", lambda s: f"twilio api key {s} disabled", "SK" + _r(rng, 32, HEX))
    add("vault-token", lambda s: f"VAULT_TOKEN was {s} on the runner", "hvs." + _r(rng, 28))
    add("telegram-bot", lambda s: f"bot api https://api.telegram.org/bot{s}/sendMessage",
        _r(rng, 10, string.digits) + ":" + _r(rng, 35))
    add("discord-webhook", lambda s: f"https://discord.com/api/webhooks/{_r(rng, 18, string.digits)}/{s}",
        _r(rng, 68, LOWER))
    add("shopify-token", lambda s: f"shop admin token {s}", "shpat_" + _r(rng, 32, HEX))
    add("age-secret-key", lambda s: f"# backup key: {s}", "AGE-SECRET-KEY-1" + _r(rng, 58, BECH32))
    add("azure-storage", lambda s: f"DefaultEndpointsProtocol=https;AccountName=logs;AccountKey={s};",
        _r(rng, 86, BASE64) + "==")
    add("digitalocean-token", lambda s: f"doctl auth init -t {s}", "dop_v1_" + _r(rng, 64, HEX))
    add("grafana-token", lambda s: f"grafana cloud {s}", "glc_" + _r(rng, 40))
    add("square-token", lambda s: f"square {s}", "sq0atp-" + _r(rng, 22))
    add("cli-aws-configure", lambda s: f"$ aws configure set aws_secret_access_key {s}", _r(rng, 40, BASE64))
    add("cli-curl-user", lambda s: f"curl -u deploy:{s} https://ci.internal/job", _r(rng, 16))
    add("cli-mysql", lambda s: f"mysql -h db-2 -u root -p{s} orders", _r(rng, 14))
    add("cli-sshpass", lambda s: f"sshpass -p {s} ssh ops@bastion", _r(rng, 14))
    add("cli-flag", lambda s: f"deploy --api-key {s} --region eu-west-1", _r(rng, 30))
    add("prose-password", lambda s: f"FYI the password is {s} until we rotate", _r(rng, 12) + "#")
    add("quoted-spaces", lambda s: f'admin_password: "{s}"',
        " ".join(_r(rng, 6, string.ascii_lowercase) for _ in range(4)))
    add("docker-auth", lambda s: '{"auths": {"ghcr.io": {"auth": "' + s + '"}}}', _b64("bot:" + _r(rng, 24)))
    return out


def _split(rng: random.Random) -> list[Instance]:
    """Secrets a terminal, a pager or a mail client wrapped at the line end."""
    out: list[Instance] = []
    key = "AKIA" + _r(rng, 16, UPPER)
    out.append(("split-aws-access-key", f"the key is {key[:11]}\n{key[11:]} per the console", key[11:]))
    token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOi" + _r(rng, 30) + "." + _r(rng, 40)
    out.append(("split-jwt", f"Authorization header: {token[:40]}\n    {token[40:]}", token[40:]))
    gh = "ghp_" + _r(rng, 36)
    out.append(("split-github-token", f"curl -H \"token {gh[:20]}\\\n{gh[20:]}\" api", gh[20:]))
    return out


def _encoded(rng: random.Random) -> list[Instance]:
    """Secrets in base64: a Kubernetes Secret's data, an env dump, a pasted config."""
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + _r(rng, 60, BASE64) + "\n-----END RSA PRIVATE KEY-----\n"
    gh = "ghp_" + _r(rng, 36)
    pw = "password=" + _r(rng, 18)
    return [
        ("base64-private-key", f"  tls.key: {_b64(pem)}", _b64(pem)),
        ("base64-github-token", f"  GITHUB_TOKEN: {_b64(gh)}", _b64(gh)),
        ("base64-password", f"echo {_b64(pw)} | base64 -d", _b64(pw)),
    ]


def corpus(seed: int = 21, rounds: int = 3) -> list[Instance]:
    """``rounds`` seeded instances of every plain kind plus the split and encoded forms (>= 100 in all)."""
    rng = random.Random(seed)
    out: list[Instance] = []
    for _ in range(rounds):
        out += _plain(rng) + _split(rng) + _encoded(rng)
    return out


LOOK_ALIKES: tuple[str, ...] = (
    "request 7f3c1a9e-5b2d-4c8e-9f10-2a6b3c4d5e6f failed after 30002 ms",
    "deployed commit 3f9a1c0b7e2d4f6a8b0c1d2e3f4a5b6c7d8e9f01 to prod",
    "image ghcr.io/acme/api@sha256:9b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d pulled",
    "2026-11-23T09:14:07.123456Z WARN checkout-api latency p99=1834ms",
    "traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "the password is wrong for user svc-report (3 attempts)",
    "password_policy=strict min_length=12",
    "usage input_tokens=1834 output_tokens=212",
    "pod checkout-api-7d9f8b6c5-x2x4q restarted (OOMKilled)",
    "token expired for session of user 4411; refreshed",
    "--token-file /var/run/secrets/token was not readable",
    "set timeout 30 on the pool; set retries 3",
    "secret: ${DB_PASSWORD} is read from the environment",
    "password: <redacted in the runbook>",
    "AKIAPOLIS is the codename of the migration",
    "gzip of the payload: H4sIAAAAAAAAA+3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIA",
    "the api key was rotated at 09:20 after the leak",
    "md5 d41d8cd98f00b204e9800998ecf8427e of the empty file",
    "MySQL error 1045: Access denied for user 'root'@'10.0.3.4' (using password: YES)",
    "sk-learn pipeline finished in 12 s",
)
