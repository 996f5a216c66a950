"""Build the demo incident's evidence: logs, Prometheus series, an Alertmanager payload, a git repository.

Everything is generated from :mod:`scenario` with a seeded RNG, so the same
``base`` time gives byte-identical files and the same commit hashes; the base is
the only time-dependent input (the demo shifts it so the incident is "now").
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warroom.agents.offline.demo import scenario as sc


class DemoError(ValueError):
    """The demo evidence could not be built (no git, a git failure); the message says why."""


@dataclass
class DemoBundle:
    """The files of one built demo incident (paths relative to ``root``) and its key times."""

    root: Path
    base: datetime
    files: list[tuple[str, str]] = field(default_factory=list)  # (relative path, evidence kind)
    alert_payload: str = "alerts/alertmanager.json"
    detected_at: datetime | None = None
    guilty_sha: str = ""
    line_count: int = 0


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class _Traffic:
    """The simulated minute-by-minute traffic; logs and metrics are both views of it."""

    def __init__(self, base: datetime) -> None:
        self.base = base
        self.rng = random.Random(sc.SEED)
        self.checkout: list[tuple[datetime, str]] = []
        self.payments: list[tuple[datetime, str]] = []
        self.inventory: list[tuple[datetime, str]] = []
        self.edge: list[tuple[datetime, str]] = []
        self.per_minute: list[dict[str, float]] = []

    def at(self, minute: int) -> datetime:
        return self.base + timedelta(minutes=minute, seconds=self.rng.randint(0, 59), milliseconds=self.rng.randint(0, 999))

    def words(self) -> dict[str, object]:
        r = self.rng
        return {"endpoint": r.choice(sc.ENDPOINTS), "ms": r.randint(40, 260), "user": f"u{r.randint(10000, 99999)}",
                "cart": f"c-{r.getrandbits(32):08x}", "order": f"o-{r.getrandbits(40):010x}", "items": r.randint(1, 6),
                "total": f"{r.uniform(9, 420):.2f}", "sku": r.choice(sc.SKUS)}

    def checkout_line(self, at: datetime, level: str, text: str, thread: int | None = None) -> None:
        thread = thread if thread is not None else self.rng.randint(1, 40)
        self.checkout.append((at, f"{_iso(at)} {level:<5} [checkout-api] [http-nio-8080-exec-{thread}] {text}"))

    def edge_line(self, at: datetime, request: str, status: int, seconds: float) -> None:
        r = self.rng
        ip = f"10.{r.randint(0, 3)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        upstream = "checkout-api:8080" if "/api/" in request else "static:8080"
        self.edge.append((at, f'{ip} - - [{stamp}] "{request} HTTP/1.1" {status} {r.randint(120, 4800)} "-" '
                              f'"{r.choice(sc.NGINX_UA)}" rt={seconds:.3f} upstream={upstream}'))

    def simulate(self) -> None:
        r = self.rng
        for minute in range(sc.DURATION_MIN):
            failing = min(0.55, 0.07 * (minute - sc.ERRORS_FROM_MIN + 1)) if minute >= sc.ERRORS_FROM_MIN else 0.0
            requests, failures, durations = 16 + r.randint(-3, 3) + minute // 15, 0, []
            for _ in range(requests):
                at, w = self.at(minute), self.words()
                if r.random() < failing:
                    failures += 1
                    self.checkout_line(at, "ERROR", sc.POOL_TIMEOUT)
                    if failures % 3 == 1:
                        self.checkout += [(at, line) for line in sc.POOL_STACK]
                    self.checkout_line(at, "ERROR", sc.REQUEST_FAILED.format(endpoint=w["endpoint"], ms=30000 + r.randint(1, 40)))
                    self.edge_line(at, str(w["endpoint"]), 503, 30.0 + r.random() / 20)
                    durations.append(30.0)
                else:
                    slow = r.randint(300, 4000) if failing else int(w["ms"])  # type: ignore[call-overload]
                    self.checkout_line(at, "INFO", sc.CHECKOUT_INFO[0].format(**{**w, "ms": slow}))
                    self.checkout_line(at, "INFO", r.choice(sc.CHECKOUT_INFO[1:]).format(**w))
                    self.edge_line(at, str(w["endpoint"]), 200, slow / 1000)
                    durations.append(slow / 1000)
                    if r.random() < 0.6:
                        self.payments.append((at, self.payment_line(at, "info", r.choice(sc.PAYMENTS_INFO).format(**w))))
                    if r.random() < 0.5:
                        self.inventory_line(at, "INFO", r.choice(sc.INVENTORY_INFO).format(**w))
            for _ in range(10 + r.randint(0, 4)):  # static assets and the odd 404 / 401 at the edge
                status = r.choices((200, 304, 404, 401), weights=(80, 14, 4, 2))[0]
                path = r.choice(("/static/app.js", "/static/app.css", "/img/logo.svg", "/api/v1/session", "/favicon.ico"))
                self.edge_line(self.at(minute), f"GET {path}", status, r.uniform(0.001, 0.05))
            if r.random() < 0.12:
                self.checkout_line(self.at(minute), "WARN", sc.CHECKOUT_NOISE[1].format(**self.words()))
            if r.random() < 0.1:
                at = self.at(minute)
                self.payments.append((at, self.payment_line(at, "warn", sc.PAYMENTS_NOISE[1].format(**self.words()))))
            if r.random() < 0.08:
                self.inventory_line(self.at(minute), "ERROR", sc.INVENTORY_NOISE[1].format(**self.words()))
            if minute == sc.DEPLOY_MIN:
                at = self.base + timedelta(minutes=minute, seconds=5)
                for offset, text in enumerate(sc.DEPLOY_LINES):
                    self.checkout_line(at + timedelta(milliseconds=300 * offset), "INFO", text, thread=0)
            durations.sort()
            self.per_minute.append({
                "requests": requests / 60, "failures": failures / 60,
                "p95": durations[min(len(durations) - 1, int(0.95 * len(durations)))],
                "active": 10.0 if minute >= sc.DEPLOY_MIN + 2 else min(10.0 if minute >= sc.DEPLOY_MIN else 50.0,
                                                                       round(5 + 0.03 * minute + r.uniform(-0.7, 0.7), 2)),
                "pending": max(0.0, round(2.2 * (minute - sc.ERRORS_FROM_MIN + 1) + r.uniform(-1, 1), 2)) if minute >= sc.ERRORS_FROM_MIN else 0.0,
                "max": 10.0 if minute >= sc.DEPLOY_MIN else 50.0,
                "cpu": round(0.34 + r.uniform(-0.03, 0.03), 3),
            })

    def payment_line(self, at: datetime, level: str, text: str) -> str:
        trace = f"{self.rng.getrandbits(64):016x}"
        return json.dumps({"timestamp": _iso(at), "level": level, "service": "payments", "message": text, "trace_id": trace})

    def inventory_line(self, at: datetime, level: str, text: str) -> None:
        stamp = at.strftime("%Y-%m-%d %H:%M:%S,") + f"{at.microsecond // 1000:03d}"
        self.inventory.append((at, f"{stamp} {level:<5} [inventory] {text}"))


def _write_lines(path: Path, lines: list[tuple[datetime, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(enumerate(lines), key=lambda item: (item[1][0], item[0]))
    path.write_text("".join(text + "\n" for _, (_, text) in ordered), encoding="utf-8")
    return len(lines)


def _series(name: str, labels: dict[str, str], base: datetime, values: list[float]) -> dict[str, object]:
    start = int(base.timestamp())
    return {"metric": {"__name__": name, **labels},
            "values": [[start + 60 * i + 30, f"{v:.4g}"] for i, v in enumerate(values)]}


def _prometheus(path: Path, series: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"status": "success", "data": {"resultType": "matrix", "result": series}}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _alerts(base: datetime) -> dict[str, object]:
    def alert(name: str, minute: int, summary: str, description: str, severity: str) -> dict[str, object]:
        labels = {"alertname": name, "service": "checkout-api", "severity": severity, "team": "checkout",
                  "env": "prod", "namespace": "shop", "cluster": "prod-eu-west-1"}
        return {"status": "firing", "labels": labels,
                "annotations": {"summary": summary, "description": description,
                                "runbook_url": "https://runbooks.shop.example/checkout/high-error-rate"},
                "startsAt": _iso(base + timedelta(minutes=minute, seconds=31)), "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://prometheus.shop.example/graph?g0.expr=checkout_5xx",
                "fingerprint": hashlib.sha256(f"{name}@{base.isoformat()}".encode()).hexdigest()[:16]}

    return {"version": "4", "groupKey": '{}:{service="checkout-api"}', "truncatedAlerts": 0, "status": "firing",
            "receiver": "warroom", "groupLabels": {"service": "checkout-api"},
            "commonLabels": {"service": "checkout-api", "team": "checkout", "env": "prod"}, "commonAnnotations": {},
            "externalURL": "https://alertmanager.shop.example",
            "alerts": [alert("CheckoutHigh5xxRate", sc.ERRORS_FROM_MIN + 5, "checkout-api 5xx rate above 5% for 5 minutes",
                             "checkout-api is returning 503 on POST /api/v1/checkout; error ratio over 5% for 5 minutes.",
                             "critical"),
                       alert("CheckoutLatencyP95High", sc.ERRORS_FROM_MIN + 6, "checkout-api p95 latency above 2s",
                             "p95 request latency of checkout-api above 2s for 5 minutes.", "warning")]}


def _git_repo(repo: Path, base: datetime) -> str:
    """Create the service repository with fixed authors and dates; returns the guilty commit's sha."""
    if shutil.which("git") is None:
        raise DemoError("the demo needs git on PATH to build its repository (apt-get install git)")
    repo.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(repo))

    def git(*args: str, **extra: str) -> str:
        done = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=" + os.devnull, *args],
                              cwd=repo, env={**env, **extra}, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DemoError(f"git {args[0]} failed while building the demo repository: {done.stderr.strip()[:300]}")
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    guilty = ""
    for minute, author, email, message, files in sc.HISTORY:
        for rel, content in files.items():
            target = repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            git("add", rel)
        when = (base + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S+0000")
        git("commit", "-q", "-m", message, GIT_AUTHOR_NAME=author, GIT_AUTHOR_EMAIL=email, GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_NAME=author, GIT_COMMITTER_EMAIL=email, GIT_COMMITTER_DATE=when)
        if minute == sc.POOL_COMMIT_MIN:
            guilty = git("rev-parse", "HEAD")
    return guilty


def build(root: Path, base: datetime) -> DemoBundle:
    """Write the demo evidence under ``root`` (which must not exist or be empty) for an incident starting at ``base``."""
    base = base.astimezone(timezone.utc).replace(second=0, microsecond=0)
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise FileExistsError(f"{root}: demo evidence folder is not empty")
    traffic = _Traffic(base)
    traffic.simulate()
    bundle = DemoBundle(root=root, base=base)
    for rel, lines in (("logs/checkout-api.log", traffic.checkout), ("logs/payments.jsonl", traffic.payments),
                       ("logs/inventory.log", traffic.inventory), ("logs/edge-nginx-access.log", traffic.edge)):
        bundle.line_count += _write_lines(root / rel, lines)
        bundle.files.append((rel, "log"))
    pm = traffic.per_minute
    svc = {"service": "checkout-api", "namespace": "shop"}
    pool = {**svc, "pool": "HikariPool-1"}
    for rel, series in (
        ("metrics/checkout_5xx_rate.json", [_series("http_requests_5xx_rate", svc, base, [m["failures"] for m in pm])]),
        ("metrics/checkout_latency_p95.json", [_series("http_request_duration_seconds_p95", svc, base, [m["p95"] for m in pm])]),
        ("metrics/checkout_throughput.json", [_series("http_requests_rate", svc, base, [m["requests"] for m in pm])]),
        ("metrics/db_pool.json", [_series("hikaricp_connections_active", pool, base, [m["active"] for m in pm]),
                                  _series("hikaricp_connections_pending", pool, base, [m["pending"] for m in pm]),
                                  _series("hikaricp_connections_max", pool, base, [m["max"] for m in pm])]),
        ("metrics/checkout_cpu.json", [_series("process_cpu_usage", svc, base, [m["cpu"] for m in pm])]),
    ):
        _prometheus(root / rel, series)
        bundle.files.append((rel, "metrics"))
    alerts = root / bundle.alert_payload
    alerts.parent.mkdir(parents=True, exist_ok=True)
    alerts.write_text(json.dumps(_alerts(base), indent=1) + "\n", encoding="utf-8")
    bundle.files.append((bundle.alert_payload, "alerts"))
    bundle.guilty_sha = _git_repo(root / "checkout-service", base)
    bundle.files.append(("checkout-service", "git"))
    bundle.detected_at = base + timedelta(minutes=sc.ERRORS_FROM_MIN + 5, seconds=31)
    return bundle
