"""Recognised failure signatures: the patterns an on-call engineer knows on sight.

Each family has a pattern, a way to name the specific thing (the command, the
variable, the dependency, the pod) and the words that link it to a change
(files, config keys, commit messages).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.agents.offline.findings import LogLine, Signature
from warroom.data.answers import Citation

KNOWN_COMMANDS = ("wget", "curl", "bash", "sh", "python", "python3", "java", "node", "nginx", "gunicorn", "uwsgi",
                  "npm", "yarn", "pip", "psql", "mysql", "redis-cli", "kubectl", "helm", "git", "tar", "gzip", "cp", "mv",
                  "echo", "cat", "sleep", "env", "dotnet", "ruby", "go", "make", "openssl", "envsubst", "jq")
_RECOVERED = re.compile(r"\b(resolved|back to normal|recovered|restored|cleared)\b", re.I)
_POD_HASH = re.compile(r"-[a-z0-9]{8,10}-[a-z0-9]{5}$|-(?=[a-z]*\d)[a-z0-9]{5}$")


def workload(pod: str) -> str:
    """``db-certs-authenticator-757f89d977-795x7`` -> ``db-certs-authenticator``."""
    return _POD_HASH.sub("", pod)


@dataclass(frozen=True)
class Family:
    """One recognised signature family."""

    name: str
    title: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]
    detail: Callable[[re.Match[str], LogLine, dict[str, str]], str] = lambda m, line, ctx: ""
    needs_problem_level: bool = False  # INFO/DEBUG lines do not count
    min_count: int = 1
    confidence: float = 0.8
    triggers: tuple[str, ...] = ()  # lower-case substrings, one of which must occur before the pattern is tried


def _group(*names: int) -> Callable[[re.Match[str], LogLine, dict[str, str]], str]:
    def pick(m: re.Match[str], line: LogLine, ctx: dict[str, str]) -> str:
        return next((m.group(i) for i in names if m.group(i)), "")

    return pick


def _pod(m: re.Match[str], line: LogLine, ctx: dict[str, str]) -> str:
    pod = next((g for g in m.groups() if g), "") or ctx.get("pod", "")
    return workload(pod.split("_")[0]) if pod else ""


def _expiry(m: re.Match[str], line: LogLine, ctx: dict[str, str]) -> str:
    # "expired on 2026-12-01", "notAfter=...", Go's "current time X is after 2026-12-01T23:59:59Z"
    found = re.search(r"(?:expired on|notAfter=?|expiry:?|is after)\s*(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2}Z?)?)",
                      line.message)
    host = re.search(r"\b(?:https?|wss?|grpcs?)://([A-Za-z0-9][\w.-]*\.[A-Za-z][\w.-]*(?::\d+)?)", line.message) or re.search(
        r"(?:for|to|host|server|connecting to|dial tcp)\s+\"?([A-Za-z0-9][\w.-]*\.[A-Za-z][\w-]+(?::\d+)?)", line.message)
    of = f"of `{host.group(1)}` " if host else ""
    return f"{of}expired on {found.group(1)}" if found else f"{of}expired" if of else ""


def _dependency(m: re.Match[str], line: LogLine, ctx: dict[str, str]) -> str:
    found = re.search(r"(?:\bat|\bto|upstream:?|host|connect to|connecting to|lookup)\s+\"?(?:https?://)?"
                      r"([A-Za-z0-9][\w.-]*\.[A-Za-z][\w.-]*(?::\d+)?|[a-z][\w-]+:\d+)",
                      line.message)
    return (found.group(1) if found else next((g for g in m.groups() if g), "")).rstrip(".,;:\"'")


# A thrown exception: a qualified Java/Kotlin/.NET class, or a bare Python/JS ``...Error``/``...Exception``,
# followed by its message; and a Go panic.
_EXCEPTION = re.compile(
    r"(?:^|(?<=[\s:(\[\"']))((?:[A-Za-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)|[A-Z]\w*(?:Exception|Error))"
    r"(?=:|\s*$)(?::\s*([^\n]{0,200}))?|\bpanic: ([^\n]{1,200})")
# Where it is thrown: a Java/.NET "at pkg.Class.method(File.java:42)" frame, a Python 'File "x.py", line 9, in f',
# a Go "/src/app/main.go:42" line.
_FRAME = re.compile(r"\bat ((?:[\w$<>]+\.)+[\w$<>]+)\(([\w.$-]+:\d+)\)|File \"([^\"]+)\", line (\d+), in (\S+)"
                    r"|(?:^|\s)(/[\w./-]+\.go:\d+)|\bat ((?:[\w$<>`]+\.)+[\w$<>`]+)\([^)]*\) in ([^\s:]+):line (\d+)")
_LIBRARY_FRAME = re.compile(r"^(?:java\.|javax\.|jdk\.|sun\.|kotlin\.|scala\.|org\.springframework\.|System\.)"
                            r"|/usr/lib/python|/site-packages/|/usr/local/lib/python|/runtime/")


def _exception_class(m: re.Match[str], line: LogLine, ctx: dict[str, str]) -> str:
    return m.group(1) or "panic"


def frame_of(text: str) -> str:
    """The first application frame in ``text`` ("pkg.Class.method(File.java:42)", "app.py:9 in f"), or ""."""
    for found in _FRAME.finditer(text):
        if found.group(1):
            where = f"{found.group(1)}({found.group(2)})"
        elif found.group(3):
            where = f"{found.group(3)}:{found.group(4)} in {found.group(5)}"
        elif found.group(6):
            where = found.group(6)
        else:  # .NET: "at Ns.Type.Method() in /src/File.cs:line 40"
            where = f"{found.group(7)}() in {found.group(8)}:{found.group(9)}"
        if not _LIBRARY_FRAME.search(where):
            return where
    return ""


FAMILIES: tuple[Family, ...] = (
    Family("crash_loop", "Crash loop (CrashLoopBackOff)",
           re.compile(r"CrashLoopBackOff|Back-off restarting failed container \S+ in pod (\S+)|Crashing pod (\S+)", re.I),
           ("entrypoint", "command", "deployment", "image", "container"), _pod, confidence=0.95,
           triggers=("crashloop", "back-off restarting", "crashing pod")),
    Family("command_not_found", "Command not found in the container",
           re.compile(r'exec: "([^"]+)": executable file not found|(?:sh|bash): (?:\d+: )?([\w.-]+): (?:command )?not found'
                      r"|([\w.-]+): command not found"),
           ("command", "entrypoint", "args", "dockerfile"), _group(1, 2, 3), confidence=0.95,
           triggers=("not found",)),
    Family("missing_env", "Missing environment variable",
           re.compile(r"[Ee]nvironment variable \$?\{?([A-Z][A-Z0-9_]+)\}? is (?:undefined|not set|missing|empty)"
                      r"|missing (?:required )?environment variable:? \$?([A-Z][A-Z0-9_]+)"
                      r"|KeyError: '([A-Z][A-Z0-9_]{2,})'|\$\{?([A-Z][A-Z0-9_]+)\}?: (?:unbound|parameter null)"),
           ("env", "environment", "configmap", "secret"), _group(1, 2, 3, 4), confidence=0.9,
           triggers=("environment variable", "keyerror", "unbound", "parameter null")),
    Family("cert_expiry", "TLS/SSL certificate expired",
           re.compile(r"certificate (?:has )?expired|x509: certificate has expired|SSL certificate expired"
                      r"|CERTIFICATE_VERIFY_FAILED.*expired|ExpiredCert", re.I),
           ("cert", "certificate", "tls", "ssl", "pem"), _expiry, confidence=0.9,
           triggers=("expired", "expiredcert")),
    Family("oom_kill", "Out-of-memory kill",
           re.compile(r"OOMKilled|Out of memory: Kill(?:ed)? process|java\.lang\.OutOfMemoryError|oom-kill|"
                      r"memory cgroup out of memory|Exit Code:\s+137", re.I),
           ("memory", "heap", "xmx", "limits", "resources"), confidence=0.9,
           triggers=("oom", "out of memory", "outofmemory", "exit code")),
    Family("memory_pressure", "Memory pressure",
           re.compile(r"memory pressure|memory usage (?:is )?(?:above|over|exceeds)|MemoryPressure", re.I),
           ("memory", "heap", "limits", "resources"), needs_problem_level=True, confidence=0.75,
           triggers=("memory",)),
    Family("cpu_saturation", "High CPU usage",
           re.compile(r"high CPU|CPU usage (?:is )?(?:above|over|at) \d+|CPU throttl", re.I),
           ("cpu", "threads", "workers", "limits"), needs_problem_level=True, confidence=0.7,
           triggers=("cpu",)),
    Family("dns_failure", "DNS resolution failure",
           re.compile(r"no such host|NXDOMAIN|Temporary failure in name resolution|Name or service not known"
                      r"|[Cc]ould not resolve host:? ?(\S*)|UnknownHostException:? ?(\S*)|SERVFAIL"),
           ("dns", "resolv", "hostname", "host"), _dependency, confidence=0.85,
           triggers=("no such host", "nxdomain", "name resolution", "name or service", "resolve host", "unknownhost", "servfail")),
    Family("auth_failure", "Authentication failures",
           re.compile(r"\b401\b.*Unauthorized|authentication failed|invalid credentials|password authentication failed"
                      r"|invalid (?:api )?token|token (?:has )?expired|access denied for user", re.I),
           ("auth", "token", "secret", "password", "credential", "oauth"), min_count=3, confidence=0.7,
           triggers=("401", "authentication", "credentials", "token", "access denied")),
    Family("pool_exhaustion", "Connection-pool exhaustion",
           re.compile(r"(HikariPool-\d+|[\w-]*[Pp]ool[\w-]*) - Connection is not available, request timed out after (\d+)ms"
                      r"|QueuePool limit of size \d+|remaining connection slots are reserved|too many clients already"
                      r"|Timeout waiting for idle object|[Uu]nable to acquire (?:JDBC )?[Cc]onnection|connection pool exhausted"
                      r"|\b1040\b.*Too many connections|Too many connections\b"),
           ("pool", "connection", "hikari", "datasource", "db", "database", "max_size", "maximum-pool-size"),
           _group(1), confidence=0.9,
           triggers=("connection is not available", "queuepool", "connection slots", "too many clients", "idle object", "acquire",
                     "pool exhausted", "too many connections")),
    Family("disk_full", "Disk full",
           re.compile(r"No space left on device|ENOSPC|disk (?:is )?full|DiskPressure|disk usage (?:above|over|at) 9\d", re.I),
           ("disk", "volume", "retention", "log", "storage"), confidence=0.9,
           triggers=("space left", "enospc", "disk")),
    Family("image_pull", "Image cannot be pulled",
           re.compile(r"ErrImagePull|ImagePullBackOff|manifest unknown|pull access denied"),
           ("image", "tag", "registry"), confidence=0.9,
           triggers=("errimagepull", "imagepullbackoff", "manifest unknown", "pull access")),
    Family("query_error", "Database query error",
           re.compile(r"Failed to execute query (\w+)|SQLSyntaxErrorException|syntax error at or near|[Ss]yntax error"),
           ("sql", "query", "migration", "schema"), _group(1), needs_problem_level=True, confidence=0.8,
           triggers=("query", "syntax")),
    Family("dependency_unavailable", "Dependency unavailable or timing out",
           re.compile(r"(?:database|db|service|upstream|host) (?:at )?(\S+) (?:has become|is) unavailable|[Cc]onnection refused"
                      r"|ECONNREFUSED|upstream timed out|[Cc]onnect(?:ion)? timed out|Read timed out|context deadline exceeded"
                      r"|[Cc]onnection reset by peer|Database error"),
           ("host", "url", "endpoint", "timeout", "upstream"), _dependency, needs_problem_level=True, confidence=0.75,
           triggers=("unavailable", "refused", "timed out", "deadline exceeded", "reset by peer", "database error")),
    # Last: an exception no family above names (a NullPointerException, a ValueError, a Go panic); its class,
    # message and the frame that throws it (see SignatureScanner) are the detail.
    Family("exception", "Exception thrown", _EXCEPTION, ("exception", "error", "stack", "null"), _exception_class,
           needs_problem_level=True, confidence=0.7, triggers=("exception", "error:", "error(", "panic:", "throwable")),
)
_FAMILY = {f.name: f for f in FAMILIES}
_EXCEPTION_INDEX = next(i for i, f in enumerate(FAMILIES) if f.name == "exception")
# A Python traceback's last line: "decimal.InvalidOperation: [...]", "StopIteration" (group 3 is always empty).
_PY_LAST = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::\s*(.{0,200}))?()$")
_TRIGGERS = tuple((trigger, index) for index, f in enumerate(FAMILIES) for trigger in f.triggers)
_CONTEXT = re.compile(r"^Name:\s+(\S+)$")


def _cite_around(line: LogLine, at: int, width: int = 240) -> Citation:
    """A citation of ``line`` showing the part where the signature matched (long lines are windowed)."""
    text = line.message
    if len(text) <= width or at < width - 100:
        return Citation(source=f"{line.source}:{line.line_no}", detail=text[:width])
    start = max(0, at - 80)
    return Citation(source=f"{line.source}:{line.line_no}", detail="…" + text[start:start + width - 1])


def suggest_command(command: str) -> str:
    """The well-known command ``command`` is probably a typo of (``wge`` -> ``wget``), or ''."""
    close = difflib.get_close_matches(command, KNOWN_COMMANDS, n=1, cutoff=0.6)
    return close[0] if close and close[0] != command else ""


@dataclass
class _Tally:
    family: Family
    detail: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    services: set[str] = field(default_factory=set)
    cites: list[Citation] = field(default_factory=list)
    where: str = ""
    said: str = ""


class SignatureScanner:
    """Feed lines in order; :meth:`signatures` gives one :class:`Signature` per family and detail."""

    def __init__(self) -> None:
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._context: dict[str, dict[str, Any]] = {}

    def feed(self, line: LogLine) -> None:
        ctx = self._context.setdefault(line.source, {})
        if line.message.startswith("Name:") and (named := _CONTEXT.match(line.message)):
            ctx["pod"] = named.group(1)
        self._follow_frames(line, ctx)
        lowered = line.message.lower()
        candidates = {index for trigger, index in _TRIGGERS if trigger in lowered}
        last_of_traceback = _PY_LAST.match(line.message) if ctx.get("traceback") else None
        if last_of_traceback:
            candidates.add(_EXCEPTION_INDEX)
            ctx.pop("traceback", None)
        if not candidates:
            return
        matched = False
        for index, family in enumerate(FAMILIES):
            if index not in candidates or (matched and family.name == "exception"):
                continue
            m = family.pattern.search(line.message) or (last_of_traceback if family.name == "exception" else None)
            if not m:
                continue
            if family.needs_problem_level and (line.level in ("INFO", "DEBUG") or _RECOVERED.search(line.message)):
                continue
            detail = family.detail(m, line, ctx)[:120]
            tally = self._tallies.setdefault((family.name, detail), _Tally(family, detail))
            tally.count += 1
            if line.timestamp:
                tally.first = min(tally.first, line.timestamp) if tally.first else line.timestamp
                tally.last = max(tally.last, line.timestamp) if tally.last else line.timestamp
            if line.service:
                tally.services.add(line.service)
            cite = _cite_around(line, m.start())
            if len(tally.cites) < 4 and all(c.detail != cite.detail for c in tally.cites):
                tally.cites.append(cite)  # the same line copied into several files is cited once
            matched = True
            if family.name == "exception":
                self._thrown(tally, m, line, ctx)
            else:  # the line is explained: a traceback it ends belongs to it
                ctx.pop("traceback", None)
                ctx.pop("frame", None)
            if family.name in ("command_not_found", "missing_env", "cert_expiry", "pool_exhaustion"):
                break  # the specific family explains the line; generic ones would repeat it

    def _thrown(self, tally: _Tally, m: re.Match[str], line: LogLine, ctx: dict[str, Any]) -> None:
        """An exception: its message, and its frame (on the same line, the Python frame seen just before, or
        the first application frame of the lines that follow)."""
        if not tally.said:
            said = m.group(2) or m.group(3) or ""
            if frame := _FRAME.search(said):  # a structured log's error field with its stack on the same line
                said = said[: frame.start()]
            tally.said = said.strip(" -|;:,\t")[:160]
        where = frame_of(line.message[m.start():]) or ctx.pop("frame", "")
        if where and not tally.where:
            tally.where = where
        ctx["open"] = tally if not tally.where else None

    def _follow_frames(self, line: LogLine, ctx: dict[str, Any]) -> None:
        """Frames after an exception name where it was thrown; Python's come before it, so the last is kept."""
        text = line.message
        if "File \"" in text and (where := frame_of(text)):
            ctx["frame"] = where  # a Python traceback: the exception line follows its frames
        elif text.startswith("Traceback (most recent call last)"):
            ctx["traceback"] = True  # its last line names the exception, whatever its class is called
            ctx.pop("frame", None)
        tally = ctx.get("open")
        if tally is None:
            return
        stripped = text.lstrip()
        if stripped.startswith(("at ", "...", "Caused by", "/")) or line.timestamp is None:
            if (where := frame_of(text)) and not tally.where:
                tally.where = where
                ctx["open"] = None
        else:
            ctx["open"] = None

    def signatures(self) -> list[Signature]:
        merged = self._merge_details()
        out = []
        for tally in merged:
            family = tally.family
            if tally.count < family.min_count:
                continue
            keywords = list(family.keywords)
            title = family.title
            if tally.detail:
                keywords.insert(0, tally.detail.lower())
                title = f"{family.title}: {tally.detail}"
            if family.name == "cert_expiry" and tally.detail:
                title = f"TLS/SSL certificate {tally.detail}"
            if family.name == "command_not_found" and (guess := suggest_command(tally.detail)):
                title += f" (likely a typo of `{guess}`)"
            if tally.where:
                title += f" at {tally.where}"
                keywords.insert(1, tally.where.lower())
            out.append(Signature(family=family.name, title=title, detail=tally.detail, count=tally.count,
                                 first_seen=tally.first, last_seen=tally.last, services=sorted(tally.services),
                                 keywords=keywords, citations=tally.cites, confidence=family.confidence,
                                 where=tally.where, said=tally.said))
        out.sort(key=lambda s: (s.first_seen is None, s.first_seen.isoformat() if s.first_seen else "", s.family))
        return out

    def _merge_details(self) -> Iterable[_Tally]:
        """Fold detail-less tallies into the family's single named tally (one crash loop, one pod)."""
        by_family: dict[str, list[_Tally]] = {}
        for tally in self._tallies.values():
            by_family.setdefault(tally.family.name, []).append(tally)
        for tallies in by_family.values():
            named = [t for t in tallies if t.detail]
            anonymous = [t for t in tallies if not t.detail]
            if len(named) == 1 and anonymous:
                target = named[0]
                for t in anonymous:
                    target.count += t.count
                    target.cites = (target.cites + [c for c in t.cites if all(c.detail != x.detail for x in target.cites)])[:4]
                    target.services |= t.services
                    for at in (t.first, t.last):
                        if at:
                            target.first = min(target.first, at) if target.first else at
                            target.last = max(target.last, at) if target.last else at
                yield target
            else:
                yield from tallies


def family(name: str) -> Family:
    return _FAMILY[name]
