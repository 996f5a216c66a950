"""Similar incidents are ranked by shared signature, each with its reasons."""

from __future__ import annotations

from datetime import timedelta

from tests.data.insights.conftest import NOW
from warroom.data import events as ev
from warroom.data.insights import find_similar, load_history
from warroom.data.insights.similar import log_template
from warroom.data.models import NormalisedAlert, Severity
from warroom.data.store import EventStore

LOG = "2026-11-20T10:00:01Z ERROR pool: timeout acquiring connection after 5000 ms (in use 50/50) id=3f2a9c1d77e0aa11"


async def incident(store: EventStore, at, *, service: str, alert: str, output: str = "", cause: str = "",
                   title: str = "x") -> str:  # fmt: skip
    declared = await store.declare(at, title=title, severity=Severity.P1, service=service)
    iid = declared.incident_id
    batch: list[ev.BaseEvent] = [ev.AlertReceived(incident_id=iid, at=at, alert=NormalisedAlert(
        source="alertmanager", fingerprint=iid, title=alert, severity=Severity.P1, service=service,
        labels={"alertname": alert}))]  # fmt: skip
    if output:
        batch += [ev.AgentStepStarted(incident_id=iid, at=at, run_id="t1", step_id="tier1_response"),
                  ev.AgentStepOutput(incident_id=iid, at=at, run_id="t1", text=output),
                  ev.AgentStepFinished(incident_id=iid, at=at, run_id="t1", output=output)]  # fmt: skip
    if cause:
        batch.append(ev.ReviewUpdated(incident_id=iid, at=at, section="root_cause", text=cause))
    await store.append_many(batch)
    return iid


def test_log_template_masks_the_variable_parts() -> None:
    assert log_template(LOG) == "ERROR pool: timeout acquiring connection after <n> ms (in use <n>/<n>) id=<hex>"
    assert log_template(LOG.replace("5000", "7000").replace("50/50", "49/50")) == log_template(LOG)


async def test_ranking_with_reasons(store: EventStore) -> None:
    t = NOW - timedelta(days=30)
    strong = await incident(store, t, service="checkout", alert="DBPoolExhausted", title="pool",
                            output=f"Found in logs:\n{LOG}\nRecent change to config/db.yaml set pool.max_size: 50",
                            cause="database connection pool too small for the retry storm")  # fmt: skip
    weak = await incident(store, t + timedelta(days=1), service="checkout", alert="HighLatency", title="slow")
    await incident(store, t + timedelta(days=2), service="search", alert="DiskFull", title="disk",
                   cause="log rotation disabled")  # fmt: skip
    target_id = await incident(store, NOW, service="checkout", alert="DBPoolExhausted", title="now",
                               output=LOG.replace("50/50", "48/50") + "\nsuspect config/db.yaml",
                               cause="retry storm exhausted the database connection pool")  # fmt: skip
    history = await load_history(store)
    target, target_events = next((s, e) for s, e in history if s.incident_id == target_id)
    matches = find_similar(target, target_events, history)
    assert [m.incident_id for m in matches] == [strong, weak]
    top = matches[0]
    assert top.reasons[0] == "same service checkout"
    assert any(r.startswith("same alerts: 'dbpoolexhausted'") for r in top.reasons)
    assert any("shared log template" in r and "<n> ms" in r for r in top.reasons)
    assert any("config/db.yaml" in r for r in top.reasons)
    assert any(r.startswith("similar root cause (cosine") for r in top.reasons)
    assert matches[1].reasons == ["same service checkout"] and matches[1].score < top.score
    # Only past incidents: the first one has nothing before it.
    first, first_events = next((s, e) for s, e in history if s.incident_id == strong)
    assert find_similar(first, first_events, history) == []


async def test_hostile_and_huge_text_is_bounded(store: EventStore) -> None:
    junk = "\x1b[31mERROR \x00 " + "A" * 150_000
    iid = await incident(store, NOW, service="s\u202e", alert="\x1b]8;;x\x07", output=junk, cause=junk)
    other = await incident(store, NOW + timedelta(minutes=1), service="s\u202e", alert="\x1b]8;;x\x07",
                           output=junk, cause=junk)  # fmt: skip
    history = await load_history(store)
    target, events = next((s, e) for s, e in history if s.incident_id == other)
    (match,) = find_similar(target, events, history)
    assert match.incident_id == iid and all(len(r) < 400 for r in match.reasons)


async def test_similar_incidents_in_one_call(store: EventStore) -> None:
    import pytest

    from warroom.data.insights import similar_incidents
    from warroom.data.store import UnknownIncident

    first = await incident(store, NOW - timedelta(days=3), service="api", alert="Down")
    second = await incident(store, NOW, service="api", alert="Down")
    (match,) = await similar_incidents(store, second)
    assert match.incident_id == first and match.reasons == ["same service api", "same alerts: 'down'"]
    with pytest.raises(UnknownIncident):
        await similar_incidents(store, "INC-2026-0999")


def _error_lines(shared_data, name: str):
    import csv

    folder = shared_data / "logs" / name
    truth = [row["EventId"] for row in csv.DictReader((folder / f"{name}_2k.log_structured.csv").open(encoding="utf-8"))]
    raw = (folder / f"{name}_2k.log").read_text(encoding="utf-8").splitlines()
    from warroom.data.insights.similar import _LOGLINE

    return [(line, event) for line, event in zip(raw, truth) if _LOGLINE.search(line)]


def test_templates_group_real_error_lines_as_the_ground_truth(shared_data) -> None:
    for name, lines, templates in (("Apache", 595, 4), ("HDFS", 80, 1)):
        pairs = [(log_template(line), event) for line, event in _error_lines(shared_data, name)]
        assert len(pairs) == lines
        mine: dict[str, set[int]] = {}
        truth: dict[str, set[int]] = {}
        for i, (template, event) in enumerate(pairs):
            mine.setdefault(template, set()).add(i)
            truth.setdefault(event, set()).add(i)
        assert len(mine) == templates
        assert all(mine[t] == truth[e] for t, e in pairs)  # grouping accuracy 1.0 on the error lines


async def test_real_logs_quoted_by_agents_link_incidents(store: EventStore, shared_data) -> None:
    apache = (shared_data / "logs/Apache/Apache_2k.log").read_text(encoding="utf-8").splitlines()
    hdfs = (shared_data / "logs/HDFS/HDFS_2k.log").read_text(encoding="utf-8").splitlines()
    t = NOW - timedelta(days=10)
    web = await incident(store, t, service="web", alert="Http5xx", output="\n".join(apache[:1000]))
    await incident(store, t + timedelta(days=1), service="storage", alert="DataNodeErrors", output="\n".join(hdfs[:1000]))
    later = await incident(store, NOW, service="frontend", alert="Http5xxBudget", output="\n".join(apache[1000:]))
    history = await load_history(store)
    target, events = next((s, e) for s, e in history if s.incident_id == later)
    (match,) = find_similar(target, events, history)
    assert match.incident_id == web
    assert match.reasons[0].startswith("4 shared log templates: '[error] [client <ip>] Directory index")
