"""A roster and incident builders for the branch tests (everything through real events and the fold)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import T0
from warroom.data import events as ev
from warroom.data.config import parse_config
from warroom.data.fold import apply, replay
from warroom.data.models import Incident, Severity
from warroom.data.roster import Roster

ROSTER_TOML = '''
[roster.people.alice]
name = "Alice Ng"
contact = "alice@example.com"
roles = ["incident_commander", "engineering_manager"]
[roster.people.bob]
name = "Bob Okafor"
contact = "+44 20 7946 0002"
roles = ["technical_lead"]
[roster.people.carol]
name = "Carol Diaz"
roles = ["incident_commander", "technical_lead"]
[roster.people.dave]
name = "Dave Kim"
roles = ["component_owner", "dba"]
[roster.people.erin]
name = "Erin Walsh"
roles = ["cto", "executive_sponsor"]
[roster.people.frank]
name = "Frank Ito"
roles = ["component_owner", "architect"]
[roster.people.gina]
name = "Gina Park"
roles = ["security_lead", "senior_incident_commander"]
[roster.people.hal]
name = "Hal Stone"
roles = ["legal"]
[roster.services.checkout]
escalation = [
  { step = "primary", person = "bob" },
  { step = "secondary", person = "carol" },
  { step = "component_owner", person = "dave" },
  { step = "engineering_manager", person = "alice" },
  { step = "cto", person = "erin" },
]
[roster.backups]
incident_commander = ["carol", "alice"]
primary = ["carol"]
'''


@pytest.fixture
def roster() -> Roster:
    return parse_config(ROSTER_TOML).roster


def declare(incident_id: str = "INC-2026-0001", severity: Severity = Severity.P1, **fields: object) -> Incident:
    fields.setdefault("service", "checkout")
    state = replay([ev.IncidentDeclared(incident_id=incident_id, at=T0, title="Checkout 5xx", severity=severity, **fields)])
    assert state is not None
    return state


def fold(state: Incident, events: list[ev.BaseEvent]) -> Incident:
    for event in events:
        state = apply(state, event)
    return state


def at(minutes: float) -> object:
    return T0 + timedelta(minutes=minutes)
