"""The drafted messages the branches record (plain text; the export escapes it for markdown)."""

from __future__ import annotations

from datetime import datetime

from warroom.data.durations import format_duration
from warroom.data.models import Incident

__all__ = ["callout", "emergency_roles_text", "executive_major", "legal_notice", "management_overrun",
           "regulator_notice", "status_page_extended", "status_page_major"]  # fmt: skip


def _head(i: Incident) -> str:
    return f"{i.incident_id} ({i.severity.value}): {i.title}" + (f" [service {i.service}]" if i.service else "")


def _lines(items: list[str], empty: str) -> str:
    return "\n".join(f"- {x}" for x in items) if items else f"- {empty}"


def callout(i: Incident, now: datetime, owners: list[str], sla: str) -> str:
    return (
        f"Incident exceeds resolution SLA ({i.severity.value} > {sla})\n\n{_head(i)}\n"
        f"Current status: {i.status.value}\nElapsed time: {format_duration(now - i.detected_at)}\n\n"
        f"Join the war room now. Component owners called:\n{_lines(owners, 'no component owner on the roster')}\n\n"
        "Emergency measures under consideration: rollback to last known-good version, maintenance mode, "
        "vendor support (if a third-party dependency is involved)."
    )


def management_overrun(i: Incident, now: datetime, sla: str, cadence: int, chain: list[str]) -> str:
    return (
        f"{_head(i)} has exceeded its {sla} resolution SLA (open {format_duration(now - i.detected_at)}, "
        f"status {i.status.value}). The war room is assembled with all component owners; emergency measures "
        f"are being considered. Updates every {cadence} minutes until resolved.\n"
        f"Escalation contacts: {' → '.join(chain) if chain else 'Incident Commander → Engineering Manager → VP Engineering → CTO'}"
    )


def emergency_roles_text(rows: list[tuple[str, list[str]]]) -> str:
    parts = [f"- {title}: {', '.join(people) if people else 'not on the roster: assign'}" for title, people in rows]
    return "Rollback failed. STOP: no further changes until assessment complete.\n\nEmergency war room:\n" + "\n".join(parts)


def status_page_extended(i: Incident) -> str:
    return (f"Extended outage{' of ' + i.service if i.service else ''}: the team is working on a resolution. "
            "Next update within 15 minutes.")


def executive_major(ranked: list[Incident], coordinator: str) -> str:
    rows = [f"{n}. {_head(i)}: status {i.status.value}, impact {i.impact.value}" for n, i in enumerate(ranked, 1)]
    return (
        f"MAJOR INCIDENT: {len(ranked)} P0/P1 incidents open at once, ranked by business impact:\n"
        + "\n".join(rows)
        + f"\n\nMajor incident coordinator (senior incident commander): {coordinator or 'to be assigned'}. "
        "Each incident has its own incident commander; a change freeze is under consideration."
    )


def status_page_major(ranked: list[Incident]) -> str:
    services = sorted({i.service for i in ranked if i.service})
    affected = f" affecting {', '.join(services)}" if services else ""
    return (f"Multiple service disruptions{affected}. We are investigating {len(ranked)} issues and will post "
            "updates every 15 minutes.")


def legal_notice(i: Incident, reason: str, regimes: list[str]) -> str:
    return (
        f"SECURITY INCIDENT or DATA LOSS: {_head(i)}\nTrigger: {reason}\n\n"
        "Evidence (logs, forensics) is being preserved before any mitigation; affected systems isolation is "
        "being decided. Please assess regulatory reporting "
        f"({', '.join(regimes) if regimes else 'no regime configured'}) and user notification per breach "
        "disclosure laws. Forensic analysis is required before system restoration."
    )


def regulator_notice(i: Incident, regime: str, deadline: datetime) -> str:
    return (
        f"Draft {regime} notification to the supervisory authority for {i.incident_id}: nature of the breach, "
        "categories and approximate number of data subjects and records, likely consequences, measures taken "
        f"or proposed. Due by {deadline.strftime('%Y-%m-%d %H:%M UTC')}."
    )
