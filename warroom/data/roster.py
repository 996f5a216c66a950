"""The on-call roster (``[roster]`` in ``warroom.toml``): people, escalation chains, backups.

Shape::

    [roster.people.alice]
    name = "Alice Ng"
    contact = "+44 20 7946 0001, alice@example.com"
    roles = ["incident_commander", "engineering_manager"]

    [roster.services.checkout]          # the chain in the order the team escalates
    escalation = [
      { step = "primary", person = "bob" },
      { step = "secondary", person = "carol" },
      { step = "component_owner", person = "dave" },
      { step = "engineering_manager", person = "alice" },
      { step = "cto", person = "erin" },
    ]

    [roster.backups]                    # role → handles to try, in order
    incident_commander = ["carol", "alice"]

Steps and roles are short snake_case names of the team's choosing
(``primary``, ``architect``, ``vp_engineering``, ``security_lead``, ``legal`` …).
A service without its own chain uses ``[roster.services.default]`` if declared.
Every handle named in a chain or a backup list must be a declared person;
errors name the key (``services.checkout.escalation[2].person``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = ["ChainStep", "Person", "Roster", "ServiceRoster"]

Handle = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Text = Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")]


class Person(BaseModel):
    """Someone on the roster: display name, how to reach them, the roles they can fill."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: Annotated[Text, Field(min_length=1)]
    contact: Text = ""
    roles: Annotated[list[Name], Field(max_length=40)] = []


class ChainStep(BaseModel):
    """One step of a service's escalation chain: who is called at that step."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    step: Name
    person: Handle


class ServiceRoster(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    escalation: Annotated[list[ChainStep], Field(max_length=50)] = []


class Roster(BaseModel):
    """The whole roster; lookups never read anything but this data."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    people: Annotated[dict[Handle, Person], Field(max_length=2000)] = {}
    services: Annotated[dict[Handle, ServiceRoster], Field(max_length=500)] = {}
    backups: Annotated[dict[Name, Annotated[list[Handle], Field(max_length=50)]], Field(max_length=100)] = {}

    @model_validator(mode="after")
    def _declared(self) -> "Roster":
        for service, table in self.services.items():
            for i, step in enumerate(table.escalation):
                self._check(step.person, f"services.{service}.escalation[{i}].person")
        for role, handles in self.backups.items():
            for i, handle in enumerate(handles):
                self._check(handle, f"backups.{role}[{i}]")
        return self

    def _check(self, handle: str, where: str) -> None:
        if handle not in self.people:
            known = ", ".join(sorted(self.people)[:20]) or "no people declared"
            raise ValueError(f"{where}: unknown person {handle!r} (known: {known})")

    # -- lookups -----------------------------------------------------------------------------
    def person(self, handle: str) -> Person | None:
        return self.people.get(handle)

    def label(self, handle: str) -> str:
        """``"Alice Ng (alice, +44 …)"`` for a rostered handle, else the text as given."""
        person = self.people.get(handle)
        if person is None:
            return handle
        return f"{person.name} ({handle}{', ' + person.contact if person.contact else ''})"

    def chain(self, service: str) -> list[ChainStep]:
        """The escalation chain of ``service`` (else the ``default`` service's, else none)."""
        table = self.services.get(service) or self.services.get("default")
        return list(table.escalation) if table else []

    def holders(self, step: str, service: str) -> list[str]:
        """Handles at ``step`` in the chain of ``service``, else the people who can fill that role."""
        found = [s.person for s in self.chain(service) if s.step == step]
        return found or self.with_role(step)

    def with_role(self, role: str) -> list[str]:
        return [handle for handle, person in self.people.items() if role in person.roles]

    def component_owners(self, service: str) -> list[str]:
        """Every component owner for ``service`` (chain steps, then anyone with the role), no repeats."""
        owners = [s.person for s in self.chain(service) if s.step == "component_owner"]
        return _unique([*owners, *self.with_role("component_owner")])

    def backup(self, role: str, *, unavailable: Iterable[str] = (), exclude: Iterable[str] = ()) -> str | None:
        """The first declared backup for ``role`` who is available and not excluded."""
        skip = {*unavailable, *exclude}
        for handle in [*self.backups.get(role, []), *self.with_role(role)]:
            if handle not in skip:
                return handle
        return None

    def candidates(self, role: str, service: str = "", unavailable: Iterable[str] = ()) -> list[tuple[str, str]]:
        """``(handle, label)`` for everyone who can fill ``role``: the chain's holders, backups, then by role.

        What a role-assignment picker offers (free text stays allowed); unavailable people are left out.
        """
        skip = set(unavailable)
        handles = _unique([*self.holders(role, service), *self.backups.get(role, []), *self.with_role(role)])
        return [(h, self.label(h)) for h in handles if h not in skip]

    def first_available(self, steps: Iterable[str], service: str, unavailable: Iterable[str] = ()) -> str | None:
        """The first available holder of the first of ``steps`` that has one."""
        skip = set(unavailable)
        for step in steps:
            for handle in self.holders(step, service):
                if handle not in skip:
                    return handle
        return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
