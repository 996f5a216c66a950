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

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from warroom.data.redact_core import MARKER, MARKER_PREFIX, Rule, already, group, marker, span, whole
from warroom.data.redact_more import CONTEXTUAL, PORTED, QUOTED
from warroom.data.redact_passes import decoded, may_decode, may_unwrap, unwrapped

__all__ = ["MARKER_PREFIX", "MARKER", "redact", "redact_obj", "marker", "is_sensitive_key", "may_redact", "secret_under"]

# Values of "password: ..." style assignments that are plainly not secrets.
_PLACEHOLDERS = frozenset(
    {"", "null", "none", "nil", "true", "false", "undefined", "yes", "no", "redacted", "<redacted>", "xxx", "****", "***", "*"}
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


@lru_cache(maxsize=4_096)
def is_sensitive_key(name: str) -> bool:
    """Whether a field named ``name`` holds a secret (``password``, ``AWS_SECRET_ACCESS_KEY``, ``api-key`` ...)."""
    return bool(_SENSITIVE_KEY.match(name.strip().strip("\"'")))


_WHOLE_VALUE_KEYS = ("authorization", "proxy-authorization", "cookie", "set-cookie")


def secret_under(key: str) -> bool:
    """Whether :func:`redact_obj` may replace a string stored under ``key`` whole."""
    return key.lower() in _WHOLE_VALUE_KEYS or is_sensitive_key(key)


def _name_before(src: str, end: int) -> str:
    start = end
    while start > 0 and (src[start - 1].isalnum() or src[start - 1] in "_.-"):
        start -= 1
    return src[start:end]


def _assignment(match: re.Match[str], src: str) -> str:
    """``<name><sep><value>`` where the match starts at the keyword ending the name."""
    value = span(match, src, "value")
    name = _name_before(src, match.start(0)) + span(match, src, "kw")
    if (
        not _SENSITIVE_KEY.match(name)
        or already(value)
        or value.rstrip(").,").lower() in _PLACEHOLDERS
        or value.startswith(("${", "{{", "%(", "<"))
    ):
        return span(match, src)
    return src[match.start(0) : match.start("value")] + marker(_kind_for_key(name.lower()), value)


_COOKIE_PAIR = re.compile(r"([^=;,\s]+)=([^;,\s]*)")


def _cookie(match: re.Match[str], src: str) -> str:
    head, value = src[match.start(0) : match.start("value")], span(match, src, "value")
    if "=" not in value:
        token = value.strip()
        if already(token) or len(token) < 16 or " " in token:
            return span(match, src)  # prose ("cookie: missing"), not a cookie value
        return head + value.replace(token, marker("cookie", token), 1)
    if src[max(0, match.start(0) - 4) : match.start(0)].lower() == "set-":
        # Set-Cookie: only the first pair is the cookie; Path/Expires/HttpOnly are attributes.
        first = _COOKIE_PAIR.search(value)
        if first is None or already(first.group(2)) or not first.group(2):
            return span(match, src)
        return head + value[: first.start(2)] + marker("cookie", first.group(2)) + value[first.end(2) :]

    def pair(p: re.Match[str]) -> str:
        return p.group(0) if already(p.group(2)) or not p.group(2) else f"{p.group(1)}={marker('cookie', p.group(2))}"

    return head + _COOKIE_PAIR.sub(pair, value)


def _kind_for_key(word: str) -> str:
    if "pass" in word or "pwd" in word:
        return "password"
    if "key" in word:
        return "api-key"
    if "token" in word:
        return "token"
    return "secret"


_ASSIGNMENT_ANCHOR = r"pass(?:word|wd|phrase)?|pwd|secret|key(?:[_-]?id)?|token|credentials?|dsn|sas"

# Order matters: whole-token patterns with precise kinds first (JWTs before the token prefixes they may
# contain), then contextual ones (the token in ``GITHUB_TOKEN=ghp_...`` is named github-token, not token).
_RULES: tuple[Rule, ...] = (
    Rule(
        ("PRIVATE KEY",),
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\s|\\n)*[A-Za-z0-9+/=]{16,})*)",
        whole("private-key"),
    ),
    Rule(
        ("eyJ",),
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        whole("jwt"), wraps=True,
    ),
    Rule(
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"),
        r"A(?<![A-Z0-9]A)(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA)[A-Z0-9]{16}(?![A-Z0-9])",
        whole("aws-access-key"), wraps=True,
    ),
    Rule(
        ("aws",),
        r"(aws[\w.-]{0,20}?(?:secret|private)[\w.-]{0,20}?[\"']?\s*[:=]\s*[\"']?)([a-z0-9/+]{40})(?![a-z0-9/+])",
        group("aws-secret-key"),
        folded=True,
    ),
    Rule(("AIza",), r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", whole("gcp-api-key"), wraps=True),
    Rule(("ya29.",), r"(?<![A-Za-z0-9_-])ya29\.[0-9A-Za-z_-]{20,}", whole("gcp-oauth-token")),
    Rule(("GOCSPX-",), r"(?<![A-Za-z0-9_-])GOCSPX-[0-9A-Za-z_-]{20,}", whole("gcp-client-secret")),
    Rule(("sig=",), r"([?&;]sig=)([a-z0-9%+/=]{16,})", group("azure-sas-signature"), folded=True),
    Rule(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})",
        whole("github-token"), wraps=True,
    ),
    Rule(("glpat-",), r"(?<![A-Za-z0-9_-])glpat-[0-9A-Za-z_-]{20,}", whole("gitlab-token"), wraps=True),
    Rule(("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"), r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,}", whole("slack-token"), wraps=True),
    Rule(
        ("hooks.slack.com",),
        r"(https://hooks\.slack\.com/services/)([a-z0-9/]{20,})",
        group("slack-webhook"),
        folded=True,
    ),
    Rule(
        ("_live_", "_test_", "whsec_"),
        r"(?<![A-Za-z0-9])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z]{16,})",
        whole("stripe-key"), wraps=True,
    ),
    Rule(("sk-ant-",), r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}", whole("anthropic-key"), wraps=True),
    Rule(("sk-",), r"sk-(?<![A-Za-z0-9_-]sk-)(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}", whole("openai-key"), wraps=True),
    Rule(("npm_",), r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", whole("npm-token"), wraps=True),
    Rule(("pypi-",), r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,}", whole("pypi-token"), wraps=True),
    Rule(("SG.",), r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", whole("sendgrid-key"), wraps=True),
    *PORTED,
    Rule(("bearer",), r"(\bbearer\s+)([a-z0-9._~+/-]{8,}=*)", group("bearer-token"), folded=True),
    Rule(
        ("basic", "token ", "digest"),
        r"(authorization[\"']?\s*[:=]\s*[\"']?(?:basic|token|digest)\s+)([^\s\"',;]{6,})",
        group("authorization"),
        folded=True,
    ),
    Rule(
        ("://",),
        r"(://(?<=[a-z0-9]://)[^\s:/@\"'<>]*:)([^\s/?#\"'<>]+)(@)",
        group("url-password"),
        folded=True,
        gate=r"://[^\s:/@\"'<>]*:[^\s/?#\"'<>]+@",  # every alert carries URLs: only one with user:password@ counts
    ),
    Rule(
        ("cookie",),
        r"cookie[\"']?\s*[:=]\s*[\"']?(?P<value>[^\r\n\"']+)",
        _cookie,
        folded=True,
    ),
    QUOTED,
    Rule(
        ("pass", "pwd", "secret", "key", "token", "credential", "dsn", "sas"),
        rf"(?P<kw>{_ASSIGNMENT_ANCHOR})[\"']?\s*(?:=|:(?!//))\s*[\"']?"
        r"(?P<value>\[redacted: [a-z0-9-]+ …[0-9a-f]{4}\]|[^\s\"',;&}<>]+)",
        _assignment,
        folded=True,
    ),
    *CONTEXTUAL,
)
_WRAPPING = tuple(rule for rule in _RULES if rule.wraps or rule in PORTED and not rule.folded)


def redact(text: str) -> str:
    """``text`` with every recognised secret replaced by ``[redacted: <kind> …<fp>]``; all else unchanged."""
    if not text:
        return text
    return _redact_short(text) if len(text) <= _SHORT else _redact(text)


_SHORT = 256


@lru_cache(maxsize=32_768)
def _redact_short(text: str) -> str:
    """Short values repeat (alert labels, field names, levels): each is redacted once."""
    return _redact(text)


def _redact(text: str) -> str:
    text = unwrapped(_by_rules(text), _WRAPPING)
    return decoded(text, _by_rules)


def _trie_pattern(words: list[str]) -> str:
    """One regex for "any of ``words``", shaped as a trie: at each position of the text only the
    branches that share the next character are tried, not every word (several times faster)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _any_trigger(rules: tuple[Rule, ...], folded: bool) -> re.Pattern[str]:
    """Any literal trigger of the ``folded`` rules (a rule with a ``gate`` is left to :func:`_any_gate`)."""
    return re.compile(_trie_pattern(sorted({t for rule in rules if rule.folded is folded and rule.gate is None
                                             for t in rule.triggers})))  # fmt: skip


def _any_gate(rules: tuple[Rule, ...], folded: bool) -> re.Pattern[str] | None:
    """Any gate of the ``folded`` rules (searched on its own: inside the trie's alternation it would slow
    every position); a folded rule's gate is searched in the lower-cased text, like its pattern."""
    gates = sorted({rule.gate.pattern for rule in rules if rule.gate is not None and rule.folded is folded})
    return re.compile("|".join(gates)) if gates else None


assert all(rule.triggers for rule in _RULES), "a rule without triggers would defeat the prefilter"
# One search for any rule's trigger: most text (alert labels, ordinary log lines) holds none, and then
# no rule needs to be tried at all.
_FOLDED_TRIGGER = _any_trigger(_RULES, True)
_EXACT_TRIGGER = _any_trigger(_RULES, False)
_GATE = _any_gate(_RULES, False)
_FOLDED_GATE = _any_gate(_RULES, True)


def _triggered(text: str, lowered: str) -> bool:
    """Whether any rule's trigger (or gate) is in ``text``: when none is, no rule can match."""
    return not (_FOLDED_TRIGGER.search(lowered) is None and _EXACT_TRIGGER.search(text) is None
                and (_GATE is None or _GATE.search(text) is None)
                and (_FOLDED_GATE is None or _FOLDED_GATE.search(lowered) is None))  # fmt: skip


def may_redact(text: str) -> bool:
    """False only when ``redact(text) == text`` for certain; cheap (a few searches, no rule is tried).

    Exact for any concatenation too: a secret one piece holds is in the joined text, so a batch of
    strings joined with spaces that ``may_redact`` clears holds nothing any of them would lose.
    """
    return _triggered(text, text.lower()) or may_unwrap(text) or may_decode(text)


def _by_rules(text: str) -> str:
    lowered = text.lower()
    if not _triggered(text, lowered):
        return text
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
            if isinstance(key, str) and isinstance(value, str) and value and not already(value):
                lowered = key.lower()
                if lowered in _WHOLE_VALUE_KEYS:
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
