"""What leaves the machine is redacted; the budget stops calls; structured answers are validated."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.agents.claude.conftest import Chunks, incident, request
from tests.agents.claude.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse
from warroom.agents.backend import StepFailed, Task
from warroom.data.models import AgentRun, RunState

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

# Assembled from pieces so this file does not trip secret scanners.
SECRETS = {
    "aws-access-key": "AKIA" + "Q3EGRTUVWXYZ2345",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "PLANTED01",
    "gcp-api-key": "AIza" + "SyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
    "azure-account-key": "Zm9vYmFyYmF6cXV4" + "cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=",
    "github-token": "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8",
    "slack-token": "xoxb-" + "222222222222-3333333333333-PlantedSlackTokenValue",
    "stripe-key": "sk_live_" + "51PlantedStripeSecretKey0001",
    "anthropic-key": "sk-ant-" + "api03-PlantedAnthropicKeyValue-0123456789abcdef",
    "bearer": "b3f1c9e2d4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9",
    "url-password": "Sup3rS3cretDbPass",
    "jwt": "eyJhbGciOiJIUzI1NiJ9" + ".eyJ1c2VyIjoicGxhbnRlZCJ9" + ".PlantedJwtSignatureValue_abc123",
    "cookie": "PlantedSessionCookieValue77",
    "password-assignment": "PlantedPassw0rd!",
    "api-key-assignment": "PlantedApiKeyValue9876543210",
    "private-key": "MIIEPlantedPrivateKeyMaterialLine",
    "conn-string-password": "PlantedConnStringPwd",
}


def _plant(root: Path) -> None:
    s = SECRETS
    (root / "logs" / "leaky.log").write_text(
        f"2026-11-23T09:00:01Z INFO s3 client key={s['aws-access-key']} aws_secret_access_key={s['aws-secret']}\n"
        f"2026-11-23T09:00:02Z DEBUG GET /geo?key={s['gcp-api-key']}\n"
        f"2026-11-23T09:00:03Z INFO DefaultEndpointsProtocol=https;AccountName=x;AccountKey={s['azure-account-key']}\n"
        f"2026-11-23T09:00:04Z INFO git push https://{s['github-token']}@github.com/acme/shop\n"
        f"2026-11-23T09:00:05Z INFO slack notify token {s['slack-token']}\n"
        f"2026-11-23T09:00:06Z ERROR stripe call failed with key {s['stripe-key']}\n"
        f"2026-11-23T09:00:07Z DEBUG env ANTHROPIC_API_KEY={s['anthropic-key']}\n"
        f"2026-11-23T09:00:08Z DEBUG headers Authorization: Bearer {s['bearer']}\n"
        f"2026-11-23T09:00:09Z ERROR db postgres://orders:{s['url-password']}@db-1:5432/orders refused\n"
        f"2026-11-23T09:00:10Z WARN token rejected {s['jwt']}\n"
        f"2026-11-23T09:00:11Z DEBUG Cookie: session={s['cookie']}; theme=dark\n"
        f"2026-11-23T09:00:12Z ERROR login failed password={s['password-assignment']}\n"
        f"2026-11-23T09:00:13Z DEBUG config api_key: {s['api-key-assignment']}\n"
        f"2026-11-23T09:00:14Z ERROR Server=tcp:sql;User Id=sa;Password={s['conn-string-password']};\n"
    )
    (root / "runbook.md").write_text(
        "# DB failover\nUse the deploy key:\n-----BEGIN RSA PRIVATE KEY-----\n"
        f"{s['private-key']}AAAA\nBBBBBBBBBBBBBBBBBBBBBBBB\n-----END RSA PRIVATE KEY-----\nThen promote the replica.\n"
    )


async def test_no_planted_secret_reaches_the_api(fake_api: FakeMessagesAPI, make_backend, chunks, evidence: Path):
    _plant(evidence)
    fake_api.script(
        Reply([ToolUse("search_logs", {"pattern": "."}), ToolUse("read_document", {"file": "runbook.md"}),
               ToolUse("read_log_window", {"file": "logs/leaky.log", "line": 7, "before": 7, "after": 7})]),
        Reply([Text("Credentials were logged; rotate them.")]),
    )
    req = request(
        evidence,
        system=f"Incident context. Reporter pasted: Authorization: Bearer {SECRETS['bearer']}",
        prompt=f"Investigate. The failing DSN is postgres://orders:{SECRETS['url-password']}@db-1/orders",
        inputs={"tier1_data": f"found {SECRETS['aws-access-key']} and password={SECRETS['password-assignment']}"},
    )
    result = await make_backend().run_step(req, chunks)
    assert result.output == "Credentials were logged; rotate them."
    sent = fake_api.raw_text()
    leaked = [kind for kind, value in SECRETS.items() if value in sent]
    assert leaked == []
    # The evidence did reach the model, redacted with typed markers.
    results = fake_api.bodies[1]["messages"][2]["content"]
    assert len(results) == 3 and not any(r.get("is_error") for r in results)
    markers = {m.split("]")[0] for m in sent.split("[redacted: ")[1:]}
    assert len(markers) >= 10, markers
    assert "Then promote the replica." in results[1]["content"]
    assert "[redacted: private-key …" in results[1]["content"]


def _incident_with_spend(*costs: float):
    runs = {
        f"earlier-{i}": AgentRun(run_id=f"earlier-{i}", step_id=f"s{i}", started_at=T0, state=RunState.FINISHED, cost_usd=c)
        for i, c in enumerate(costs)
    }
    return incident(runs=runs)


async def test_the_budget_stops_calls_before_any_request(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("should not be asked")]))
    req = request(incident=_incident_with_spend(0.60, 0.45))
    with pytest.raises(StepFailed, match=r"budget is spent: \$1\.0500 of \$1\.00"):
        await make_backend(max_budget_usd=1.0).run_step(req, chunks)
    assert fake_api.requests == []


async def test_the_budget_stops_a_step_between_turns(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    # One turn of 100k output tokens on sonnet costs $1.50 and crosses the $2.00 left of the budget.
    fake_api.script(
        Reply([ToolUse("list_evidence", {})], output_tokens=100_000, input_tokens=10),
        Reply([Text("never sent")]),
    )
    req = request(evidence, incident=_incident_with_spend(1.0))
    with pytest.raises(StepFailed, match="budget is spent"):
        await make_backend(max_budget_usd=2.0).run_step(req, chunks)
    assert len(fake_api.requests) == 1


async def test_without_a_budget_earlier_spend_does_not_matter(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("fine")]))
    result = await make_backend(max_budget_usd=None).run_step(request(incident=_incident_with_spend(500.0)), chunks)
    assert result.output == "fine"


SEVERITY = {"impact": "HIGH", "urgency": "HIGH", "severity": "P1", "impact_reasons": ["checkout down"],
            "urgency_reasons": ["revenue loss"], "confidence": 0.8}


def _structured_request(evidence_root: Path | str = "", schema: str = "SeverityProposal"):
    return request(evidence_root, step_id="severity", task=Task.SEVERITY_PROPOSAL, output_schema=schema)


async def test_structured_answer_through_the_answer_tool(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(Reply([Text("Checkout is down for everyone."), ToolUse("record_severity_proposal", SEVERITY)],
                          stop_reason="tool_use"))
    result = await make_backend().run_step(_structured_request(evidence), chunks)
    assert result.structured == {**SEVERITY, "severity": "P1"}
    assert result.output == "Checkout is down for everyone."
    tools = {t["name"]: t for t in fake_api.bodies[0]["tools"]}
    schema = tools["record_severity_proposal"]["input_schema"]
    assert set(schema["required"]) == {"impact", "urgency", "severity"} and "$defs" not in str(schema)
    assert "record_severity_proposal" in fake_api.bodies[0]["messages"][0]["content"]


async def test_an_invalid_answer_gets_one_corrective_retry(fake_api: FakeMessagesAPI, make_backend, chunks: Chunks):
    fake_api.script(
        Reply([ToolUse("record_severity_proposal", {**SEVERITY, "severity": "P9"})], stop_reason="tool_use"),
        Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"),
    )
    result = await make_backend().run_step(_structured_request(), chunks)
    assert result.structured["severity"] == "P1"
    correction = fake_api.bodies[1]["messages"][-1]["content"][0]
    assert correction["is_error"] is True and "severity" in correction["content"]
    assert result.output.startswith("```json") and chunks.text == result.output  # no text: the answer is the output


async def test_an_answer_invalid_twice_fails_naming_the_field(fake_api: FakeMessagesAPI, make_backend, chunks):
    bad = {"impact": "enormous", "urgency": "HIGH", "severity": "P1"}
    fake_api.script(*[Reply([ToolUse("record_severity_proposal", bad)], stop_reason="tool_use")] * 2)
    with pytest.raises(StepFailed, match=r"not valid after one corrective retry: impact: Input should be"):
        await make_backend().run_step(_structured_request(), chunks)
    assert len(fake_api.requests) == 2


async def test_malformed_answer_json_counts_as_invalid(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(
        Reply([ToolUse("record_five_whys", raw_json='{"problem": "502s", "whys": [')], stop_reason="tool_use"),
        Reply([ToolUse("record_five_whys", {"problem": "502s", "whys": [{"question": "why", "answer": "pool"}]})]),
    )
    result = await make_backend().run_step(_structured_request(schema="FiveWhys"), chunks)
    assert result.structured["whys"][0]["answer"] == "pool"
    assert "not valid JSON" in fake_api.bodies[1]["messages"][-1]["content"][0]["content"]


async def test_a_json_block_in_the_text_is_accepted(fake_api: FakeMessagesAPI, make_backend, chunks):
    answer = '{"actions": [{"title": "Alert on pool saturation", "horizon": "immediate"}]}'
    fake_api.script(Reply([Text(f"Actions:\n```json\n{answer}\n```")]))
    result = await make_backend().run_step(_structured_request(schema="ActionItems"), chunks)
    assert result.structured["actions"][0]["title"] == "Alert on pool saturation"


async def test_a_text_only_answer_is_asked_once_for_the_tool(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(
        Reply([Text("I think rollback.")]),
        Reply([ToolUse("record_mitigation_recommendation", {"recommended": "rollback", "rationale": "deploy at 08:55"})]),
    )
    result = await make_backend().run_step(_structured_request(schema="MitigationRecommendation"), chunks)
    assert result.structured["recommended"] == "rollback"
    follow_up = fake_api.bodies[1]["messages"][-1]
    assert follow_up["role"] == "user" and "record_mitigation_recommendation" in follow_up["content"][0]["text"]


async def test_the_final_turn_forces_the_answer_tool(fake_api: FakeMessagesAPI, make_backend, chunks, evidence):
    fake_api.script(
        Reply([ToolUse("list_evidence", {})], stop_reason="tool_use"),
        Reply([ToolUse("record_severity_proposal", SEVERITY)], stop_reason="tool_use"),
    )
    await make_backend(max_turns=2).run_step(_structured_request(evidence), chunks)
    assert fake_api.bodies[1]["tool_choice"] == {"type": "tool", "name": "record_severity_proposal"}


async def test_an_unknown_schema_is_refused(fake_api, make_backend, chunks):
    with pytest.raises(StepFailed, match="unknown structured output 'Horoscope'"):
        await make_backend().run_step(_structured_request(schema="Horoscope"), chunks)
    assert fake_api.requests == []


def _many_secrets(seed: int = 7, per_kind: int = 5) -> list[tuple[str, str, str]]:
    """(kind, line as it would appear in evidence, the secret) with random values from a seeded RNG."""
    import random
    import string

    rng = random.Random(seed)
    alnum, upper = string.ascii_letters + string.digits, string.ascii_uppercase + string.digits

    def pick(chars: str, n: int) -> str:
        return "".join(rng.choice(chars) for _ in range(n))

    makers = {
        "aws-access-key": lambda: (lambda s: (f"using {s} for s3", s))("AKIA" + pick(upper, 16)),
        "aws-secret": lambda: (lambda s: (f"aws_secret_access_key = {s}", s))(pick(alnum + "/+", 40)),
        "github": lambda: (lambda s: (f"GITHUB_TOKEN={s}", s))("ghp_" + pick(alnum, 36)),
        "slack": lambda: (lambda s: (f'{{"slack": "{s}"}}', s))(f"xoxb-{pick(string.digits, 12)}-{pick(alnum, 24)}"),
        "stripe": lambda: (lambda s: (f"export STRIPE={s}", s))("sk_live_" + pick(alnum, 24)),
        "anthropic": lambda: (lambda s: (f"key {s} rejected", s))("sk-ant-api03-" + pick(alnum + "-_", 60)),
        "gcp": lambda: (lambda s: (f"GET /geo?key={s}", s))("AIza" + pick(alnum + "-_", 35)),
        "jwt": lambda: (lambda s: (f"jwt={s}", s))(
            "eyJ" + pick(alnum, 20) + ".eyJ" + pick(alnum, 30) + "." + pick(alnum + "-_", 43)),
        "bearer": lambda: (lambda s: (f"Authorization: Bearer {s}", s))(pick("0123456789abcdef", 40)),
        "url-password": lambda: (lambda s: (f"dsn postgres://svc:{s}@db-{rng.randint(1, 9)}:5432/app", s))(
            pick(alnum + "!$*~-_.", 16)),
        "cookie": lambda: (lambda s: (f"Set-Cookie: sid={s}; Path=/; HttpOnly", s))(pick(alnum, 28)),
        "json-password": lambda: (lambda s: (f'{{"user": "app", "password": "{s}"}}', s))(pick(alnum + "!$*~#%^", 14)),
        "yaml-secret": lambda: (lambda s: (f"  client_secret: {s}", s))(pick(alnum + "-_.~", 30)),
        "conn-string": lambda: (lambda s: (f"Server=tcp:db;User Id=sa;Password={s};", s))(pick(alnum + "!$*", 18)),
    }
    out = []
    for kind, make in makers.items():
        for _ in range(per_kind):
            line, secret = make()
            out.append((kind, line, secret))
    return out


async def test_fifty_random_secrets_of_many_kinds_never_reach_the_api(
    fake_api: FakeMessagesAPI, make_backend, chunks, evidence: Path
):
    planted = _many_secrets()
    assert len(planted) >= 50 and len({k for k, _, _ in planted}) >= 10
    (evidence / "logs" / "dump.log").write_text(
        "".join(f"2026-11-23T09:{i % 60:02d}:00Z DEBUG {line}\n" for i, (_, line, _) in enumerate(planted))
    )
    fake_api.script(
        Reply([ToolUse("search_logs", {"pattern": "DEBUG", "max_matches": 200}),
               ToolUse("read_document", {"file": "logs/dump.log"})]),
        Reply([Text("Rotate everything.")]),
    )
    prompt_lines = "\n".join(line for _, line, _ in planted[::3])
    await make_backend().run_step(request(evidence, prompt=f"Investigate:\n{prompt_lines}"), chunks)
    sent = fake_api.raw_text()
    assert "DEBUG" in sent  # the evidence did go out
    leaked = [(kind, secret) for kind, _, secret in planted if secret in sent]
    assert leaked == []


async def test_validation_steps_give_the_verdict_the_resolve_gate_acts_on(fake_api: FakeMessagesAPI, make_backend, chunks):
    fake_api.script(Reply([Text("Error rate is back at baseline."),
                           ToolUse("record_validation_verdict", {"passed": True, "error_rate": "0.2%"})]))
    req = request(step_id="validation", task=Task.VALIDATION)  # the playbook step names no output_schema
    result = await make_backend().run_step(req, chunks)
    assert result.structured["passed"] is True and result.structured["error_rate"] == "0.2%"
    schema = {t["name"]: t for t in fake_api.bodies[0]["tools"]}["record_validation_verdict"]["input_schema"]
    assert schema["required"] == ["passed"]
