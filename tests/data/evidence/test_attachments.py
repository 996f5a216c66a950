"""Attaching evidence: copies under the database, hashes, events, git snapshots, refusals."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import T0
from warroom.data.attachments import EvidenceError, attach_evidence, attach_paths, evidence_root
from warroom.data.evidence import load_bundle
from warroom.data.ids import InvalidIncidentId
from warroom.data.store import UnknownIncident


async def declared(store, at) -> str:
    event = await store.declare(at, title="Checkout 5xx")
    return event.incident_id


def test_evidence_root_is_beside_the_database(tmp_path: Path) -> None:
    assert evidence_root(tmp_path / "w.db", "INC-2026-0001") == tmp_path.resolve() / "evidence" / "INC-2026-0001"
    for bad in ("../etc", "INC-2026-0001/../x", "", "INC-2026-0001\n"):
        with pytest.raises(InvalidIncidentId):
            evidence_root(tmp_path / "w.db", bad)


async def test_file_is_copied_hashed_and_recorded(store, db_path: Path, tmp_path: Path) -> None:
    incident = await declared(store, T0)
    source = tmp_path / "api.log"
    data = b"2026-11-23T09:00:00Z ERROR pool exhausted\n"
    source.write_bytes(data)
    event = await attach_evidence(store, incident, source, actor="alice", at=T0)
    root = evidence_root(db_path, incident)
    assert event.seq > 0 and event.evidence_id == "EV-0001" and event.evidence_kind == "log"
    assert event.path == "EV-0001/api.log" and event.name == "api.log"
    assert event.size == len(data) and event.sha256 == hashlib.sha256(data).hexdigest()
    source.unlink()  # the original can go: the copy is the evidence
    assert (root / event.path).read_bytes() == data
    state = await store.load(incident)
    assert [e.evidence_id for e in state.evidence] == ["EV-0001"]
    bundle = load_bundle(state.evidence, root)
    assert bundle.problems == [] and bundle.logs[0].template == "pool exhausted"
    second = tmp_path / "api.log"
    second.write_bytes(b"other\n")
    again = await attach_evidence(store, incident, second, actor="alice", at=T0, kind="document")
    assert again.evidence_id == "EV-0002" and again.evidence_kind == "document"
    assert not [p for p in root.iterdir() if p.name.startswith(".staging")]


async def test_git_repository_is_snapshotted(store, db_path: Path, git_repo: Path) -> None:
    incident = await declared(store, T0)
    event = await attach_evidence(store, incident, git_repo, actor="alice", at=T0)
    assert event.evidence_kind == "git" and event.path == "EV-0001/checkout.git-changes.jsonl"
    state = await store.load(incident)
    bundle = load_bundle(state.evidence, evidence_root(db_path, incident))
    assert bundle.problems == []
    kinds = [(c.kind, c.message.splitlines()[0]) for c in bundle.changes]
    assert kinds == [("commit", "Add checkout handler"), ("commit", "Shrink DB pool"), ("release", "release 1.4.0")]
    shrink = bundle.changes[1]
    assert shrink.files == ["config/db.yaml"] and shrink.keys == ["pool_size"]
    assert shrink.author == "Alice <alice@example.com>" and shrink.at.isoformat() == "2026-11-23T08:55:00+00:00"
    assert bundle.changes[2].change_id == "tag:v1.4.0"


async def test_directory_is_attached_file_by_file(store, db_path: Path, tmp_path: Path) -> None:
    incident = await declared(store, T0)
    folder = tmp_path / "bundle"
    (folder / "logs").mkdir(parents=True)
    (folder / "logs" / "a.log").write_text("2026-11-23T09:00:00Z INFO a\n")
    (folder / "runbook.md").write_text("# Checkout\nRestart the pool.\n")
    (folder / "inside-link.log").symlink_to(folder / "logs" / "a.log")
    outside = tmp_path / "secret.txt"
    outside.write_text("do not take\n")
    (folder / "outside-link").symlink_to(outside)
    os.mkfifo(folder / "pipe")
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    result = await attach_paths(store, incident, folder, actor="alice", at=T0)
    names = sorted(e.name for e in result.events)
    assert names == ["inside-link.log", "logs/a.log", "runbook.md"]
    assert {e.evidence_kind for e in result.events} == {"log", "runbook"}
    assert any("outside-link" in s and "outside" in s for s in result.skipped)
    assert any("pipe" in s and "FIFO" in s for s in result.skipped)
    assert any("loop" in s and "symlink loop" in s for s in result.skipped)
    assert any("linked-dir" in s and "not followed" in s for s in result.skipped)
    root = evidence_root(db_path, incident)
    assert all((root / e.path).is_file() and not (root / e.path).is_symlink() for e in result.events)
    assert "do not take" not in "".join((root / e.path).read_text() for e in result.events)


async def test_refusals_are_clear_and_leave_nothing(store, db_path: Path, tmp_path: Path) -> None:
    incident = await declared(store, T0)
    with pytest.raises(EvidenceError, match="does not exist"):
        await attach_evidence(store, incident, tmp_path / "nope.log", actor="a", at=T0)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(EvidenceError, match="FIFO"):
        await attach_evidence(store, incident, fifo, actor="a", at=T0)
    sock_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        with pytest.raises(EvidenceError, match="socket"):
            await attach_evidence(store, incident, sock_path, actor="a", at=T0)
    finally:
        server.close()
    with pytest.raises(EvidenceError, match="device"):
        await attach_evidence(store, incident, Path("/dev/null"), actor="a", at=T0)
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    with pytest.raises(EvidenceError, match="no readable file"):
        await attach_evidence(store, incident, empty, actor="a", at=T0)
    log = tmp_path / "a.log"
    log.write_text("x\n")
    with pytest.raises(EvidenceError, match="kind 'logs' is not one of log, alerts"):
        await attach_evidence(store, incident, log, actor="a", at=T0, kind="logs")
    with pytest.raises(UnknownIncident):
        await attach_evidence(store, "INC-2026-0999", log, actor="a", at=T0)
    with pytest.raises(InvalidIncidentId):
        await attach_evidence(store, "../../etc", log, actor="a", at=T0)
    assert (await store.load(incident)).evidence == []
    root = evidence_root(db_path, incident)
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


async def test_hostile_file_names_stay_inside_the_root(store, db_path: Path, tmp_path: Path) -> None:
    incident = await declared(store, T0)
    source = tmp_path / "evil\x1b[31m.log"
    source.write_text("x\n")
    event = await attach_evidence(store, incident, source, actor="a", at=T0)
    assert "\x1b" not in event.path and event.path.startswith("EV-0001/")
    assert (evidence_root(db_path, incident) / event.path).is_file()


async def test_attaching_the_database_folder_does_not_copy_evidence_into_itself(store, db_path: Path) -> None:
    incident = await declared(store, T0)
    log = db_path.parent / "app.log"
    log.write_text("2026-11-23T09:00:00Z INFO a\n")
    await attach_evidence(store, incident, log, actor="a", at=T0)
    result = await attach_paths(store, incident, db_path.parent, actor="a", at=T0)
    assert not any(e.name.startswith("evidence") for e in result.events)
    assert "app.log" in {e.name for e in result.events}
    with pytest.raises(EvidenceError, match="inside the evidence folder"):
        await attach_evidence(store, incident, evidence_root(db_path, incident), actor="a", at=T0)


async def test_copies_keep_the_originals_permissions_and_the_folder_is_private(store, db_path: Path,
                                                                                tmp_path: Path) -> None:
    incident = await declared(store, T0)
    folder = tmp_path / "logs"
    folder.mkdir()
    secret, shared, script = folder / "auth.log", folder / "api.log", folder / "collect.sh"
    for path, mode in ((secret, 0o600), (shared, 0o644), (script, 0o755)):
        path.write_text("2026-11-23T09:00:00Z ERROR login failed\n")
        path.chmod(mode)
    old = os.umask(0o022)
    try:
        await attach_paths(store, incident, folder, actor="alice", at=T0)
    finally:
        os.umask(old)
    root = evidence_root(db_path, incident)
    modes = {p.name: p.stat().st_mode & 0o777 for p in root.rglob("*") if p.is_file()}
    assert modes == {"auth.log": 0o600, "api.log": 0o644, "collect.sh": 0o644}
    assert root.stat().st_mode & 0o777 == 0o700 and root.parent.stat().st_mode & 0o777 == 0o700


async def test_evidence_beside_a_postgresql_store_whose_local_folder_does_not_exist_yet(
    pg_url: str, tmp_path: Path
) -> None:
    """On a fresh machine the user data folder that anchors a PostgreSQL store's files may not exist yet."""
    from warroom.data.store_api import open_store

    anchor = tmp_path / "fresh-home" / ".local" / "share" / "warroom" / "warroom.db"
    source = tmp_path / "app.log"
    source.write_text("2026-11-23T09:00:00Z ERROR boom\n")
    store = await open_store(pg_url, path=anchor)
    try:
        iid = await declared(store, T0)
        result = await attach_paths(store, iid, source, actor="alice", at=T0)
        assert len(result.events) == 1
        root = evidence_root(anchor, iid)
        assert (root / result.events[0].path).read_text() == source.read_text()
        assert oct(root.stat().st_mode & 0o777) == oct(0o700)
    finally:
        await store.close()
