"""More kinds of secret: detect-secrets' published patterns, secrets on command lines and in prose.

``PORTED`` are the regex detectors of Yelp's detect-secrets 1.5 (Apache-2.0:
``detect_secrets/plugins/*.py``) that :mod:`warroom.data.redact` did not already
cover, ported with word boundaries (so a token inside a longer word is not
cut) and, for the few patterns that are only a prefix and some letters
(Artifactory, Twilio), an entropy floor that plain words and hex do not reach;
plus the vendor formats gitleaks publishes that detect-secrets lacks (Vault,
Shopify, age, Discord webhooks). ``CONTEXTUAL`` are ours: a secret given as a
command-line argument (``aws configure set aws_secret_access_key X``,
``--password X``, ``curl -u user:pw``, ``mysql -pPW``, ``sshpass -p PW``), a
password stated in prose ("the password is X"), and a quoted value that holds
spaces. ``tests/corpus/test_secret_corpus.py`` measures recall and false
positives, and checks that detect-secrets itself finds nothing we leave.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from warroom.data.redact_core import Replacer, Rule, already, group, marker, span, whole

__all__ = ["PORTED", "CONTEXTUAL", "QUOTED", "entropy"]


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) if value else 0.0


def _random(kind: str, floor: float) -> Replacer:
    """Replace the match only when it looks random (entropy at least ``floor`` and a digit in it)."""

    def replace(match: re.Match[str], src: str) -> str:
        value = span(match, src)
        if entropy(value) < floor or not any(c.isdigit() for c in value):
            return value
        return marker(kind, value)

    return replace


_B = r"(?<![A-Za-z0-9_-])"  # not preceded by a token character
_E = r"(?![A-Za-z0-9_-])"  # not followed by one

PORTED: tuple[Rule, ...] = (
    Rule(("AKC",), _B + r"AKC[a-zA-Z0-9]{10,}" + _E, _random("artifactory-token", 3.5)),
    Rule(("AccountKey=",), r"(AccountKey=)([a-zA-Z0-9+/=]{88})", group("azure-storage-key")),
    Rule((".",), _B + r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27,}" + _E, whole("discord-bot-token"),
         gate=r"[MNO][\w-]{23,25}\.[\w-]{6}\."),
    Rule(
        ("gldt-", "glft-", "glsoat-", "glrt-", "GR1348941", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-"),
        _B + r"(?:(?:gldt|glft|glsoat|glrt)-[A-Za-z0-9_-]{20,50}|GR1348941[A-Za-z0-9_-]{20,50}|glcbt-(?:[0-9a-fA-F]{2}_)?"
        r"[A-Za-z0-9_-]{20,50}|glimt-[A-Za-z0-9_-]{25}|glptt-[A-Za-z0-9_-]{40}|glagent-[A-Za-z0-9_-]{50,1024}"
        r"|gloas-[A-Za-z0-9_-]{64})" + _E,
        whole("gitlab-token"),
    ),
    Rule(("-us",), _B + r"[0-9a-z]{32}-us[0-9]{1,2}" + _E, whole("mailchimp-key")),
    Rule(("_authToken",), r"(:_authToken=\s*)([^\s\"']+)", group("npm-token")),
    Rule(("T3BlbkFJ",), r"sk-[A-Za-z0-9_-]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" + _E, whole("openai-key")),
    Rule(
        ("PuTTY-User-Key-File",),
        r"PuTTY-User-Key-File-\d+:[^\n]*(?:\n(?:[A-Za-z-]+: [^\n]*|[A-Za-z0-9+/=]{16,}))*",
        whole("private-key"),
    ),
    Rule(("sq0csp-", "sq0atp-", "EAAA"), _B + r"(?:sq0csp-[0-9A-Za-z_-]{43}|sq0atp-[0-9A-Za-z_-]{22}|EAAA[0-9A-Za-z_-]{60})" + _E,
         whole("square-token")),  # fmt: skip
    Rule((":",), r"(?:(?<![\w:])|(?<=/bot))\d{8,10}:[0-9A-Za-z_-]{35}" + _E, whole("telegram-bot-token"),
         gate=r"\d{8}:[0-9A-Za-z_-]{35}"),
    Rule(("SK", "AC"), r"(?<![A-Za-z0-9])(?:SK|AC)[0-9a-fA-F]{32}(?![A-Za-z0-9])", _random("twilio-key", 3.0),
         gate=r"(?:SK|AC)[0-9a-fA-F]{32}"),
    Rule(("hvs.", "hvb.", "hvr."), _B + r"hv[sbr]\.[A-Za-z0-9_-]{24,}" + _E, whole("vault-token")),
    Rule(("shpat_", "shpca_", "shppa_", "shpss_"), _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _E,
         whole("shopify-token")),  # fmt: skip
    Rule(("AGE-SECRET-KEY-",), r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", whole("age-secret-key")),
    Rule(
        ("discord",),
        r"(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/)([a-z0-9_-]{20,})",
        group("discord-webhook"),
        folded=True,
    ),
    Rule(("dop_v1_", "doo_v1_"), _B + r"do[po]_v1_[a-f0-9]{64}" + _E, whole("digitalocean-token")),
    Rule(("glc_",), _B + r"glc_[A-Za-z0-9+/]{32,}={0,2}", whole("grafana-token")),
    Rule(("\"auth\"",), r"(\"auth\"\s*:\s*\")([A-Za-z0-9+/]{8,}={0,2})(\")", group("docker-auth")),
)

# Words that follow "the password is" in prose without being a password.
_PROSE_WORDS = frozenset(
    "wrong incorrect invalid expired missing required empty set unset not being the a an now still correct "
    "changed rotated reset stored kept saved shown needed weak strong too in on at for of to from stale known "
    "unknown valid present absent blank null none".split()
)


def _prose(match: re.Match[str], src: str) -> str:
    """``password is X``: X, when it is not an English word that merely describes the password."""
    value = span(match, src, "value")
    quoted = span(match, src, "q")
    bare = value.rstrip(".,;:!?)")
    if already(value) or (not quoted and (bare.lower() in _PROSE_WORDS or (bare.isalpha() and bare.islower()
                                                                             and len(bare) < 12))):  # fmt: skip
        return span(match, src)
    head = src[match.start(0) : match.start("value")]
    return head + marker("password", bare) + value[len(bare) :] + span(match, src, "end")


_SECRET_WORDS = r"password|passwd|passphrase|pwd|secret|token|api[_ -]?key|access[_ -]?key|credential"

CONTEXTUAL: tuple[Rule, ...] = (
    # a setting named as secret, then its value: `aws configure set aws_secret_access_key X`, `config set requirepass X`
    Rule(
        ("set",),
        r"(\bset\s+[\w.-]*(?:secret|password|passwd|token|requirepass|masterauth|access_key|api_key)[\w.-]*\s+)"
        r"([^\s\"'`|;&]+)",
        group("cli-secret"),
        folded=True,
    ),
    # a flag named as secret, then its value: `--password X`, `--token=X` (the = form is an assignment)
    Rule(
        ("--",),
        r"((?<!\S)--?[\w-]*(?:password|passwd|secret|token|api-key|apikey|access-key|auth-key)\s+)([^\s\"'`|;&-][^\s\"'`|;&]*)",
        group("cli-secret"),
        folded=True,
    ),
    Rule(("-u", "--user"), r"((?<!\S)(?:-u|--user)\s*[\"']?[^\s:\"']+:)([^\s\"']+)", group("cli-password")),
    Rule(("mysql", "mariadb"), r"(\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?(?<!\S)-p)([^\s\"']+)",
         group("cli-password")),  # fmt: skip
    Rule(("sshpass",), r"(\bsshpass\s+-p\s*[\"']?)([^\s\"']+)", group("cli-password")),
    Rule(
        ("password", "passwd", "passphrase", "pwd", "secret", "token", "key", "credential"),
        rf"\b(?:{_SECRET_WORDS})s?\s+(?:is|was|=|:)\s+(?P<q>[\"'`])?(?P<value>(?(q)[^\"'`\n]+|[^\s\"'`]+))(?P<end>(?(q)[\"'`]|))",
        _prose,
        folded=True,
    ),
)

# `password: "correct horse battery"`, `"secret": 'two words'`: the whole quoted value, spaces and all.
QUOTED = Rule(
    ("pass", "pwd", "secret", "token", "key", "credential"),
    rf"((?:{_SECRET_WORDS}|pass)[\w-]*[\"']?\s*[:=]\s*)([\"'])(?P<value>[^\"'\n]*\s[^\"'\n]*)(\2)",
    lambda match, src: span(match, src)
    if already(span(match, src, "value"))
    else src[match.start(0) : match.start("value")] + marker("password", span(match, src, "value")) + span(match, src, 4),
    folded=True,
)
