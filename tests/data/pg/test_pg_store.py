"""The PostgreSQL store on a real server: schema on open, seqs, ids, alert keys, errors said in one sentence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0
from tests.pg_server import PgServer
from warroom.data import events as ev
from warroom.data.dbfile import NewerSchemaError, StoreError, UnknownIncident
from warroom.data.fold import InvalidEvent
from warroom.data.pg import PgEventStore
from warroom.data.pg.schema import PG_SCHEMA_VERSION
from warroom.data.store import EventStore
from warroom.data.store_api import Store, StoreTransaction, is_database_url, open_store, shown_location


def note(incident_id: str, i: int, text: str = "n") -> ev.NoteAdded:
    return ev.NoteAdded(incident_id=incident_id, at=T0 + timedelta(seconds=i), actor="tester", text=f"{text} {i}")


def test_both_engines_satisfy_the_interface(db_path: Path) -> None:
    for cls in (EventStore, PgEventStore):
        missing = [name for name in dir(Store) if not name.startswith("_") and not hasattr(cls, name)]
        assert missing == [], cls
    from warroom.data.pg import PgTransaction
    from warroom.data.store import Transaction

    for tx in (Transaction, PgTransaction):
        assert [n for n in dir(StoreTransaction) if not n.startswith("_") and n != "appended" and not hasattr(tx, n)] == []


def test_a_url_is_postgresql_and_a_path_is_sqlite() -> None:
    assert is_database_url("postgresql://u@h/db") and is_database_url("postgres://h/db")
    assert not is_database_url("warroom.db") and not is_database_url(Path("postgresql:/x"))
    assert shown_location("postgresql://ops:s3cret@db.internal/warroom") == "postgresql://ops:***@db.internal/warroom"
    assert shown_location("postgresql://ops@db.internal/warroom") == "postgresql://ops@db.internal/warroom"


async def test_open_creates_the_schema_and_reopening_keeps_it(pg_url: str, pg_server: PgServer) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, PgEventStore) and isinstance(store, Store)
    try:
        declared = await store.declare(T0, title="Checkout 502s")
        assert declared.seq == 1 and declared.incident_id == f"INC-{T0.year}-0001"
    finally:
        await store.close()
    assert pg_server.sql("SELECT value FROM meta WHERE key = 'schema_version'", pg_url).strip() \
        == str(PG_SCHEMA_VERSION)
    again = await open_store(pg_url)
    try:
        assert (await again.load(declared.incident_id)).title == "Checkout 502s"
        assert await again.last_seq() == 1
    finally:
        await again.close()


async def test_appends_validate_number_and_read_back(pg_url: str) -> None:
    async with await PgEventStore.open(pg_url) as store:
        first = (await store.declare(T0, title="A")).incident_id
        second = (await store.declare(T0, title="B")).incident_id
        assert second.endswith("0002")
        stored = await store.append_many([note(first, 1), note(second, 2), note(first, 3)])
        assert [e.seq for e in stored] == [3, 4, 5]
        with pytest.raises(InvalidEvent):  # a note on an incident never declared: refused, nothing written
            await store.append(note("INC-2026-0999", 4))
        with pytest.raises(InvalidEvent):  # the batch is all or nothing
            await store.append_many([note(first, 5), note("INC-2026-0999", 6)])
        assert await store.last_seq() == 5
        assert [e.seq for e in await store.events(first)] == [1, 3, 5]
        assert [e.seq for e in await store.events(first, since=1, limit=1)] == [3]
        assert (await store.load(first)).notes == 2 and (await store.load(first)).last_seq == 5
        assert await store.incident_ids() == [first, second]
        assert await store.exists(first) and not await store.exists("INC-2026-0999")
        with pytest.raises(UnknownIncident):
            await store.load("INC-2026-0999")
        found, last = await store.incidents_with(["note.added"], since=3)
        assert found == {second, first} and last == 5
        assert (await store.readable_incidents())[1] == []


async def test_secrets_and_control_characters_never_reach_the_database(pg_url: str, pg_server: PgServer) -> None:
    async with await PgEventStore.open(pg_url) as store:
        incident_id = (await store.declare(T0, title="Leak")).incident_id
        await store.append(ev.NoteAdded(incident_id=incident_id, at=T0, actor="tester",
                                        text="token AKIAIOSFODNN7EXAMPLE here \x1b[31mred\x00"))  # fmt: skip
    raw = pg_server.sql("SELECT data FROM events WHERE kind = 'note.added'", pg_url)
    assert "AKIAIOSFODNN7EXAMPLE" not in raw and "\x1b" not in raw and "red" in raw


async def test_ids_and_alert_keys_inside_one_transaction(pg_url: str) -> None:
    async with await PgEventStore.open(pg_url) as store:
        async with store.transaction() as tx:
            one = await tx.next_id(2026)
            two = await tx.next_id(2026)
            assert (one, two) == ("INC-2026-0001", "INC-2026-0002")
            await tx.append(ev.IncidentDeclared(incident_id=one, at=T0, title="one"))
            await tx.bind_keys([("fp-a", one), ("fp-b", one), ("fp-a", one)])
        assert await store.incident_for_key("fp-a") == one and await store.incident_for_key("nope") is None
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.bind_keys([("fp-c", one)])
                raise RuntimeError("rolled back")
        assert await store.incident_for_key("fp-c") is None
        async with store.transaction() as tx:
            assert await tx.incidents_for_keys(["fp-a", "fp-b", "fp-x"]) == {"fp-a": one, "fp-b": one}
            assert await tx.next_id(2026) == "INC-2026-0002"  # the rolled back id was never taken


async def test_a_rolled_back_transaction_leaves_no_gap(pg_url: str) -> None:
    async with await PgEventStore.open(pg_url) as store:
        incident_id = (await store.declare(T0, title="A")).incident_id
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.append(note(incident_id, 1))
                raise RuntimeError("no")
        assert (await store.append(note(incident_id, 2))).seq == 2


async def test_a_database_from_a_newer_warroom_is_refused(pg_url: str, pg_server: PgServer) -> None:
    await (await PgEventStore.open(pg_url)).close()
    pg_server.sql(f"UPDATE meta SET value = '{PG_SCHEMA_VERSION + 1}' WHERE key = 'schema_version'", pg_url)
    with pytest.raises(NewerSchemaError, match="newer warroom"):
        await PgEventStore.open(pg_url)


async def test_a_foreign_events_table_is_left_untouched(pg_url: str, pg_server: PgServer) -> None:
    pg_server.sql("CREATE TABLE events (id int)", pg_url)
    with pytest.raises(StoreError, match="not warroom's; it was left untouched"):
        await PgEventStore.open(pg_url)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda s: s.url("no_such_database"), "does not exist"),
        (lambda s: s.url("postgres", user="nobody"), "refused the login"),
        (lambda s: "postgresql://postgres@127.0.0.1:9/postgres?connect_timeout=2", "cannot connect"),
        (lambda s: f"postgresql://postgres@/postgres?host={s.socket_dir}&port=notaport", "not a usable PostgreSQL URL"),
    ],
)
async def test_connection_failures_are_one_sentence(pg_server: PgServer, make: object, said: str) -> None:
    url = make(pg_server)  # type: ignore[operator]
    with pytest.raises(StoreError, match=said) as caught:
        await PgEventStore.open(url)
    assert "\n" not in str(caught.value)


def test_no_sqlite_statement_is_left_inherited() -> None:
    """Every method of the SQLite store that touches its connection or speaks SQL is PostgreSQL's own."""
    import inspect

    sql = ("self._db", "_fetch(", "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "begin_blocking")
    reached_only_from_overridden = {"_append_on_thread", "_explain", "open"}  # SQLite's append, _fetch, open
    translated = {"select", "tail"}  # their SQL goes through PgEventStore._decoded (postgres_sql)
    for cls, base in ((PgEventStore, EventStore), (__import__("warroom.data.pg", fromlist=["PgTransaction"]).PgTransaction,
                                                   __import__("warroom.data.store", fromlist=["Transaction"]).Transaction)):
        for name, member in vars(base).items():
            if not callable(member) or name == "__init__" or name in reached_only_from_overridden | translated:
                continue
            source = inspect.getsource(member)
            if any(marker in source for marker in sql):
                assert getattr(cls, name) is not member, f"{cls.__name__}.{name} is SQLite's"


async def test_selections_read_the_same_on_both_engines(any_store: Store) -> None:
    from warroom.data.selection import Selection

    incident_id = (await any_store.declare(T0, title="A")).incident_id
    await any_store.append_many([note(incident_id, i) for i in range(1, 6)])
    await any_store.append(ev.SeveritySet(incident_id=incident_id, at=T0 + timedelta(seconds=9), actor="tester",
                                          severity="P1", impact="HIGH", urgency="HIGH"))  # fmt: skip
    notes = Selection(kinds=("note.added",))
    assert [e.seq for e in await any_store.select(incident_id, notes, since=2, limit=2)] == [3, 4]  # type: ignore[attr-defined]
    assert [e.seq for e in await any_store.select(incident_id, Selection())] == list(range(1, 8))  # type: ignore[attr-defined]
    assert [e.seq for e in await any_store.tail(incident_id, 2, notes)] == [5, 6]  # type: ignore[attr-defined]
    assert [e.seq for e in await any_store.tail(incident_id, 2, Selection(), before=7)] == [5, 6]  # type: ignore[attr-defined]
    assert await any_store.count(incident_id, Selection(exclude=("note.added",))) == 2  # type: ignore[attr-defined]
    late = Selection(at_from=T0 + timedelta(seconds=5))
    assert [e.kind for e in await any_store.select(incident_id, late)] == ["note.added", "severity.set"]  # type: ignore[attr-defined]


async def test_hostile_and_huge_text_is_stored_cleaned_on_both_engines(any_store: Store) -> None:
    incident_id = (await any_store.declare(T0, title="Hostile \x00\x1b]0;owned\x07 title")).incident_id
    big = "x" * 199_000 + "\x00 tail"
    stored = await any_store.append(ev.NoteAdded(incident_id=incident_id, at=T0, actor="eve\x00\x1b[2J", text=big))
    [declared, note_back] = await any_store.events(incident_id)
    assert note_back == stored and "\x00" not in note_back.actor and "\x1b" not in note_back.actor
    assert "\x00" not in note_back.text and note_back.text.startswith("x" * 1000)  # type: ignore[attr-defined]
    assert "\x00" not in declared.title and "\x07" not in declared.title  # type: ignore[attr-defined]


async def test_the_history_without_chunks_reads_alike_on_both_engines(any_store: Store) -> None:
    from warroom.data.insights.history import load_history

    incident_id = (await any_store.declare(T0, title="A")).incident_id
    await any_store.append_many([
        ev.AgentStepStarted(incident_id=incident_id, at=T0, run_id="r1", step_id="s"),
        ev.AgentStepOutput(incident_id=incident_id, at=T0, run_id="r1", text="chunk"),
        note(incident_id, 1),
    ])  # fmt: skip
    [(state, events)] = await load_history(any_store, chunks=False)  # type: ignore[arg-type]
    assert [e.kind for e in events] == ["incident.declared", "agent.started", "note.added"]
    assert state.notes == 1 and state.runs["r1"].chunks == 0  # the chunks are not read
    [(full, every)] = await load_history(any_store)  # type: ignore[arg-type]
    assert len(every) == 4 and full.runs["r1"].chunks == 1
