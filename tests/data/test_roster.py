"""``[roster]`` in warroom.toml: people, escalation chains, backups; errors name the key."""

from __future__ import annotations

import pytest

from warroom.data.config import ConfigError, load_config, parse_config

GOOD = '''
[roster.people.alice]
name = "Alice Ng"
contact = "alice@example.com"
roles = ["incident_commander", "engineering_manager"]
[roster.people.bob]
name = "Bob Okafor"
roles = ["component_owner"]
[roster.people.carol]
name = "Carol Diaz"
roles = ["incident_commander"]
[roster.services.checkout]
escalation = [{ step = "primary", person = "bob" }, { step = "engineering_manager", person = "alice" }]
[roster.services.default]
escalation = [{ step = "primary", person = "carol" }]
[roster.backups]
incident_commander = ["carol", "alice"]
'''


def test_roster_lookups() -> None:
    roster = parse_config(GOOD).roster
    assert [s.step for s in roster.chain("checkout")] == ["primary", "engineering_manager"]
    assert [s.person for s in roster.chain("unknown-service")] == ["carol"]  # the default chain
    assert roster.holders("engineering_manager", "checkout") == ["alice"]
    assert roster.holders("incident_commander", "checkout") == ["alice", "carol"]  # by role when not a step
    assert roster.component_owners("checkout") == ["bob"]
    assert roster.backup("incident_commander", unavailable=["carol"]) == "alice"
    assert roster.backup("incident_commander", unavailable=["carol", "alice"]) is None
    assert roster.label("alice") == "Alice Ng (alice, alice@example.com)"
    assert roster.label("stranger") == "stranger"
    assert roster.candidates("incident_commander", "checkout") == [
        ("alice", "Alice Ng (alice, alice@example.com)"), ("carol", "Carol Diaz (carol)")]
    assert [h for h, _ in roster.candidates("incident_commander", "checkout", unavailable=["alice"])] == ["carol"]
    assert roster.candidates("dba") == []


def test_no_roster_is_an_empty_roster() -> None:
    roster = parse_config("").roster
    assert roster.people == {} and roster.chain("checkout") == [] and roster.backup("primary") is None


@pytest.mark.parametrize("change, expected", [
    (('person = "alice" }]', 'person = "zed" }]'), r"roster: services\.checkout\.escalation\[1\]\.person: unknown person 'zed'"),
    (('incident_commander = ["carol", "alice"]', 'incident_commander = ["carol", "nobody"]'),
     r"backups\.incident_commander\[1\]: unknown person 'nobody'"),
    (('roles = ["component_owner"]', 'roles = ["Component Owner"]'), r"roster\.people\.bob\.roles\.0"),
    (('name = "Bob Okafor"', 'name = 3'), r"roster\.people\.bob\.name"),
    (('name = "Bob Okafor"', 'name = ""'), r"roster\.people\.bob\.name"),
    (('name = "Bob Okafor"', 'name = "Bob\\u001b[31m"'), r"roster\.people\.bob\.name"),
    (('[roster.backups]', '[roster.rota]\nkind = "weekly"\n[roster.backups]'), r"roster\.rota: unknown key \(known: people, services, backups\)"),
    (('{ step = "primary", person = "bob" }', '{ step = "primary", who = "bob" }'), r"roster\.services\.checkout\.escalation\.0"),
    (('[roster.people.carol]', '[roster.people."carol smith"]'), r"roster\.people"),
])  # fmt: skip
def test_roster_errors_name_the_key(change, expected) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_config(GOOD.replace(*change))


def test_roster_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match="roster must be a table"):
        parse_config('roster = "alice"')


def test_huge_and_binary_roster_files_are_refused(tmp_path) -> None:
    big = tmp_path / "big.toml"
    big.write_text(GOOD + "\n".join(f"# {'x' * 100}" for _ in range(12_000)))
    with pytest.raises(ConfigError, match="larger than"):
        load_config(big)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"[roster]\x00\xff")
    with pytest.raises(ConfigError, match="binary"):
        load_config(binary)


def test_many_people_load(tmp_path) -> None:
    people = "".join(f'[roster.people.p{n}]\nname = "Person {n}"\nroles = ["primary"]\n' for n in range(1500))
    roster = parse_config(people).roster
    assert len(roster.with_role("primary")) == 1500
