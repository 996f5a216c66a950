"""Secret redaction: nothing secret leaves the machine or reaches an export.

``redact(text)`` replaces credentials found in evidence, prompts and model output
with a typed, fingerprinted marker such as ``[redacted: aws-access-key …a9f2]``
(the last four hex digits of the secret's SHA-256, so two secrets can be told
apart and the same secret recognised, without revealing it) and leaves every
other character as it was, so log lines stay readable and line numbers stay valid.
It is idempotent (``redact(redact(t)) == redact(t)``) and built from
precompiled patterns, each skipped cheaply when its trigger is absent, because
it runs over every file the export writes and every tool result sent to Claude.

Recognised: private key blocks (PEM, OpenSSH, PGP; also JSON-escaped),
AWS/GCP/Azure keys, GitHub/GitLab/Slack/Stripe/Anthropic/OpenAI/npm/PyPI/SendGrid
tokens, JWTs, bearer and basic credentials, passwords in URLs and connection
strings, cookies and Set-Cookie values, and ``password=`` / ``secret:`` /
``api_key=``-style assignments. Timestamps, UUIDs, commit shas and hashes in
logs are deliberately not treated as secrets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["MARKER_PREFIX", "MARKER", "redact", "redact_obj", "marker", "is_sensitive_key"]

MARKER_PREFIX = "[redacted: "
#: A marker as it appears in text (what :func:`marker` makes).
MARKER = re.compile(r"\[redacted: [a-z0-9-]+ …[0-9a-f]{4}\]")


def marker(kind: str, secret: str) -> str:
    """The text that replaces ``secret``, a secret of ``kind``: the kind and a short fingerprint."""
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{MARKER_PREFIX}{kind} …{digest[-4:]}]"


def _already(value: str) -> bool:
    return value.lstrip("\"'").startswith(MARKER_PREFIX[:-1])  # a value cut at the marker's space counts too


# Values of "password: ..." style assignments that are plainly not secrets.
_PLACEHOLDERS = frozenset(
    {"", "null", "none", "nil", "true", "false", "undefined", "redacted", "<redacted>", "xxx", "****", "***", "*"}
)

# Key names whose value is a secret (the keyword must end the name: ``db_password``, ``GITHUB_TOKEN``,
# ``x-api-key``; ``input_tokens`` or ``password_policy`` are not).
_SUFFIX_WORDS = (
    r"password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key(?:[_-]?id)?"
    r"|account[_-]?key|shared[_-]?access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token"
    r"|session[_-]?token|bot[_-]?token|signing[_-]?key|encryption[_-]?key|master[_-]?key|credentials?"
)
# Short words that only name a secret on their own or after a separator (``db_pass``, not ``bypass``).
_WORD_WORDS = r"pass|pwd|token|dsn|sas"
_KEY_WORDS = rf"[\w.-]*?(?:{_SUFFIX_WORDS})|(?:[\w.-]*[_.-])?(?:{_WORD_WORDS})"
_SENSITIVE_KEY = re.compile(rf"(?i)^(?:{_KEY_WORDS})$")


def is_sensitive_key(name: str) -> bool:
    """Whether a field named ``name`` holds a secret (``password``, ``AWS_SECRET_ACCESS_KEY``, ``api-key`` ...)."""
    return bool(_SENSITIVE_KEY.match(name.strip().strip("\"'")))


# A replacer gets the match (found in the original or in its lower-cased copy) and the original text;
# it reads the original through the match's spans so the case of everything it keeps is preserved.
Replacer = Callable[["re.Match[str]", str], str]


def _span(match: re.Match[str], src: str, group: int | str = 0) -> str:
    return src[match.start(group) : match.end(group)]


def _whole(kind: str) -> Replacer:
    return lambda match, src: marker(kind, _span(match, src))


def _group(kind: str, group: int = 2) -> Replacer:
    """Replace only ``group`` of the match (the secret), keeping its label and punctuation."""

    def replace(match: re.Match[str], src: str) -> str:
        secret = _span(match, src, group)
        if _already(secret):
            return _span(match, src)
        return src[match.start(0) : match.start(group)] + marker(kind, secret) + src[match.end(group) : match.end(0)]

    return replace


def _name_before(src: str, end: int) -> str:
    start = end
    while start > 0 and (src[start - 1].isalnum() or src[start - 1] in "_.-"):
        start -= 1
    return src[start:end]


def _assignment(match: re.Match[str], src: str) -> str:
    """``<name><sep><value>`` where the match starts at the keyword ending the name."""
    value = _span(match, src, "value")
    name = _name_before(src, match.start(0)) + _span(match, src, "kw")
    if (
        not _SENSITIVE_KEY.match(name)
        or _already(value)
        or value.lower() in _PLACEHOLDERS
        or value.startswith(("${", "{{", "%(", "<"))
    ):
        return _span(match, src)
    return src[match.start(0) : match.start("value")] + marker(_kind_for_key(name.lower()), value)


_COOKIE_PAIR = re.compile(r"([^=;,\s]+)=([^;,\s]*)")


def _cookie(match: re.Match[str], src: str) -> str:
    head, value = src[match.start(0) : match.start("value")], _span(match, src, "value")
    if "=" not in value:
        token = value.strip()
        if _already(token) or len(token) < 16 or " " in token:
            return _span(match, src)  # prose ("cookie: missing"), not a cookie value
        return head + value.replace(token, marker("cookie", token), 1)
    if src[max(0, match.start(0) - 4) : match.start(0)].lower() == "set-":
        # Set-Cookie: only the first pair is the cookie; Path/Expires/HttpOnly are attributes.
        first = _COOKIE_PAIR.search(value)
        if first is None or _already(first.group(2)) or not first.group(2):
            return _span(match, src)
        return head + value[: first.start(2)] + marker("cookie", first.group(2)) + value[first.end(2) :]

    def pair(p: re.Match[str]) -> str:
        return p.group(0) if _already(p.group(2)) or not p.group(2) else f"{p.group(1)}={marker('cookie', p.group(2))}"

    return head + _COOKIE_PAIR.sub(pair, value)


def _kind_for_key(word: str) -> str:
    if "pass" in word or "pwd" in word:
        return "password"
    if "key" in word:
        return "api-key"
    if "token" in word:
        return "token"
    return "secret"


class _Rule:
    """One kind of secret: a pattern, the words that must occur for it to run, and its replacement.

    ``folded`` patterns are written in lower case and matched against the lower-cased text (several
    times faster than ``re.IGNORECASE``); the others are case-sensitive and run on the original.
    Triggers are substrings one of which must occur (lower-case ones in the lower-cased text for
    folded rules, exact ones in the original otherwise) for the pattern to run at all.
    """

    __slots__ = ("triggers", "pattern", "insensitive", "replace", "folded")

    def __init__(self, triggers: tuple[str, ...], pattern: str, replace: Replacer, *, folded: bool = False) -> None:
        self.triggers = triggers
        self.pattern = re.compile(pattern)
        self.insensitive = re.compile(pattern, re.IGNORECASE) if folded else self.pattern
        self.replace = replace
        self.folded = folded

    def apply(self, text: str, lowered: str) -> str:
        scope = lowered if self.folded else text
        if self.triggers and not any(t in scope for t in self.triggers):
            return text
        if not self.folded:
            pattern, haystack = self.pattern, text
        elif len(lowered) == len(text):
            pattern, haystack = self.pattern, lowered
        else:  # lower-casing changed the length (rare non-ASCII): spans would not line up
            pattern, haystack = self.insensitive, text
        parts: list[str] = []
        last = 0
        for match in pattern.finditer(haystack):
            parts.append(text[last : match.start()])
            parts.append(self.replace(match, text))
            last = match.end()
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)


_ASSIGNMENT_ANCHOR = r"pass(?:word|wd|phrase)?|pwd|secret|key(?:[_-]?id)?|token|credentials?|dsn|sas"

# Order matters: whole-token patterns with precise kinds first (JWTs before the token prefixes they may
# contain), then contextual ones (the token in ``GITHUB_TOKEN=ghp_...`` is named github-token, not token).
_RULES: tuple[_Rule, ...] = (
    _Rule(
        ("PRIVATE KEY",),
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\s|\\n)*[A-Za-z0-9+/=]{16,})*)",
        _whole("private-key"),
    ),
    _Rule(
        ("eyJ",),
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        _whole("jwt"),
    ),
    _Rule(
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"),
        r"A(?<![A-Z0-9]A)(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA)[A-Z0-9]{16}(?![A-Z0-9])",
        _whole("aws-access-key"),
    ),
    _Rule(
        ("aws",),
        r"(aws[\w.-]{0,20}?(?:secret|private)[\w.-]{0,20}?[\"']?\s*[:=]\s*[\"']?)([a-z0-9/+]{40})(?![a-z0-9/+])",
        _group("aws-secret-key"),
        folded=True,
    ),
    _Rule(("AIza",), r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", _whole("gcp-api-key")),
    _Rule(("ya29.",), r"(?<![A-Za-z0-9_-])ya29\.[0-9A-Za-z_-]{20,}", _whole("gcp-oauth-token")),
    _Rule(("GOCSPX-",), r"(?<![A-Za-z0-9_-])GOCSPX-[0-9A-Za-z_-]{20,}", _whole("gcp-client-secret")),
    _Rule(("sig=",), r"([?&;]sig=)([a-z0-9%+/=]{16,})", _group("azure-sas-signature"), folded=True),
    _Rule(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})",
        _whole("github-token"),
    ),
    _Rule(("glpat-",), r"(?<![A-Za-z0-9_-])glpat-[0-9A-Za-z_-]{20,}", _whole("gitlab-token")),
    _Rule(("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"), r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,}", _whole("slack-token")),
    _Rule(
        ("hooks.slack.com",),
        r"(https://hooks\.slack\.com/services/)([a-z0-9/]{20,})",
        _group("slack-webhook"),
        folded=True,
    ),
    _Rule(
        ("_live_", "_test_", "whsec_"),
        r"(?<![A-Za-z0-9])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z]{16,})",
        _whole("stripe-key"),
    ),
    _Rule(("sk-ant-",), r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}", _whole("anthropic-key")),
    _Rule(("sk-",), r"sk-(?<![A-Za-z0-9_-]sk-)(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}", _whole("openai-key")),
    _Rule(("npm_",), r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", _whole("npm-token")),
    _Rule(("pypi-",), r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,}", _whole("pypi-token")),
    _Rule(("SG.",), r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", _whole("sendgrid-key")),
    _Rule(("bearer",), r"(\bbearer\s+)([a-z0-9._~+/-]{8,}=*)", _group("bearer-token"), folded=True),
    _Rule(
        ("basic", "token ", "digest"),
        r"(authorization[\"']?\s*[:=]\s*[\"']?(?:basic|token|digest)\s+)([^\s\"',;]{6,})",
        _group("authorization"),
        folded=True,
    ),
    _Rule(
        ("://",),
        r"(://(?<=[a-z0-9]://)[^\s:/@\"'<>]*:)([^\s/?#\"'<>]+)(@)",
        _group("url-password"),
        folded=True,
    ),
    _Rule(
        ("cookie",),
        r"cookie[\"']?\s*[:=]\s*[\"']?(?P<value>[^\r\n\"']+)",
        _cookie,
        folded=True,
    ),
    _Rule(
        ("pass", "pwd", "secret", "key", "token", "credential", "dsn", "sas"),
        rf"(?P<kw>{_ASSIGNMENT_ANCHOR})[\"']?\s*(?:=|:(?!//))\s*[\"']?"
        r"(?P<value>\[redacted: [a-z0-9-]+ …[0-9a-f]{4}\]|[^\s\"',;&}<>]+)",
        _assignment,
        folded=True,
    ),
)


def redact(text: str) -> str:
    """``text`` with every recognised secret replaced by ``[redacted: <kind> …<fp>]``; all else unchanged."""
    if not text:
        return text
    lowered = text.lower()
    for rule in _RULES:
        new = rule.apply(text, lowered)
        if new is not text:
            text = new
            lowered = text.lower()
    return text


def redact_obj(obj: Any) -> Any:
    """A copy of a JSON-like ``obj`` with secrets redacted.

    Strings are passed through :func:`redact`; a string under a sensitive key
    (``password``, ``api_key``, ``Authorization`` ...) is replaced whole. Dicts,
    lists and tuples are walked; other values are returned as they are.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, Mapping):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if isinstance(key, str) and isinstance(value, str) and value and not _already(value):
                lowered = key.lower()
                if lowered in ("authorization", "proxy-authorization", "cookie", "set-cookie"):
                    out[key] = marker("cookie" if "cookie" in lowered else "authorization", value)
                    continue
                if is_sensitive_key(key) and value.lower() not in _PLACEHOLDERS:
                    out[key] = marker(_kind_for_key(lowered), value)
                    continue
            out[redact(key) if isinstance(key, str) else key] = redact_obj(value)
        return out
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(v) for v in obj)
    return obj
