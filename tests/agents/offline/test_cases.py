"""The four recorded Kubernetes investigations: the diagnosis names every expected element."""

from __future__ import annotations

import re

from warroom.agents.backend import Task


async def diagnosis(run) -> str:  # type: ignore[no-untyped-def]
    parts = [(await run(task)).output for task in (Task.TIER1_DATA, Task.TIER2_HYPOTHESIS, Task.FIVE_WHYS)]
    return "\n".join(parts)


async def test_crashloop_backoff_names_the_wge_typo(case_run) -> None:  # type: ignore[no-untyped-def]
    text = await diagnosis(case_run("02_crashloop_backoff"))
    assert "CrashLoopBackOff" in text
    assert "logging-agent" in text
    assert re.search(r"`wge`[^\n]*not found", text)
    assert re.search(r"`wge` is most likely a typo of `wget`", text)


async def test_crashpod_names_the_expired_certificate(case_run) -> None:  # type: ignore[no-untyped-def]
    run = case_run("05_crashpod")
    text = await diagnosis(run)
    assert re.search(r"`db-certs-authenticator` is in CrashLoopBackOff", text)
    assert "SSL/TLS certificate expired" in text
    assert "ERROR - SSL certificate expired" in text  # the related log line is cited
    hypothesis = (await run(Task.TIER2_HYPOTHESIS)).output
    assert "certificate expired" in hypothesis.split("### ")[0]


async def test_kube_pod_crash_looping_names_the_missing_variable(case_run) -> None:  # type: ignore[no-untyped-def]
    run = case_run("11_KubePodCrashLooping")
    text = await diagnosis(run)
    assert re.search(r"environment variable `DEPLOY_ENV` is missing", text)
    assert "Environment variable DEPLOY_ENV is undefined" in text
    rec = (await run(Task.MITIGATION_RECOMMENDATION)).structured
    assert rec is not None and rec["recommended"] == "configuration_change"


async def test_logs_since_thursday_names_five_dated_problems(case_run) -> None:  # type: ignore[no-untyped-def]
    text = await diagnosis(case_run("48_logs_since_thursday"))
    expected = {
        "2025-06-12": r"unavailable[^\n]*my\.postgresql\.com|my\.postgresql\.com[^\n]*unavailable",
        "2025-06-13": r"memory pressure",
        "2025-06-14": r"high CPU",
        "2025-06-15": r"syntax error[^\n]*fetch_user_logs",
        "2025-06-19": r"certificate expired",
    }
    headline = text.split("## Tier 2")[1].split("### ")[0]
    assert all(day in headline for day in expected)  # the hypothesis itself names the five dated problems
    lines = [line for line in text.splitlines() if line.startswith("- **2025-")]
    for day, pattern in expected.items():
        assert any(day in line and re.search(pattern, line, re.I) for line in lines), (day, lines)


async def test_cases_without_timestamps_say_there_is_no_onset(case_run) -> None:  # type: ignore[no-untyped-def]
    text = (await case_run("02_crashloop_backoff")(Task.TIER1_DATA)).output
    assert "**Onset:** none found" in text
    assert "no change history" in text
