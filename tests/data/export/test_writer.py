"""Writing the set: atomic replace, clear errors that leave the previous export intact, umask, confinement."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data.export.conftest import ID, itil_timeline
from warroom.data import events as ev
from warroom.data.export import ExportError, export_incident, render_incident
from warroom.data.export.writer import write_export, write_file
from warroom.data.ids import InvalidIncidentId


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_export_writes_every_rendered_file(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    target = export_incident(itil_events, tmp_path / "incidents")
    assert target == tmp_path / "incidents" / ID
    expected = {path: text.encode() for path, text in render_incident(itil_events).items()}
    assert snapshot(target) == expected
    assert sorted(p.name for p in (tmp_path / "incidents").iterdir()) == [ID]  # no temp or aside dirs left


def test_re_export_is_identical_and_replaces_stale_files(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    target = export_incident(itil_events, tmp_path)
    first = snapshot(target)
    (target / "stale-notes.md").write_text("from an older export\n")
    export_incident(itil_events, tmp_path)
    assert snapshot(target) == first


def test_full_disk_leaves_previous_export_intact(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    previous = export_incident(itil_events[:10], tmp_path)
    before = snapshot(previous)
    written: list[Path] = []

    def filling_disk(path: Path, data: bytes) -> None:
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        write_file(path, data)

    with pytest.raises(ExportError) as caught:
        export_incident(itil_events, tmp_path, writer=filling_disk)
    message = str(caught.value)
    assert "the disk is full" in message and "previous export is unchanged" in message and "\n" not in message
    assert snapshot(previous) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [ID]


def test_unwritable_location_gives_one_clear_sentence(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    """A read-only directory, simulated with a file where the directory must go (we may run as root)."""
    blocker = tmp_path / "incidents"
    blocker.write_text("not a directory")
    with pytest.raises(ExportError, match=r"^cannot export INC-2026-0042 to .*incidents: ") as caught:
        export_incident(itil_events, blocker)
    assert "\n" not in str(caught.value)
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_keeps_previous_export(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    previous = export_incident(itil_events[:10], tmp_path)
    before = snapshot(previous)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="not writable"):
            export_incident(itil_events, tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert snapshot(previous) == before


def test_failed_swap_puts_the_previous_export_back(tmp_path: Path, itil_events: list[ev.BaseEvent],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    previous = export_incident(itil_events[:10], tmp_path)
    before = snapshot(previous)
    real_rename = os.rename

    def rename(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if Path(dst) == previous and ".tmp-" in Path(src).name:
            raise OSError(errno.EIO, "I/O error", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(ExportError, match="previous export is unchanged"):
        export_incident(itil_events, tmp_path)
    assert snapshot(previous) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [ID]


def test_files_follow_the_umask(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    old = os.umask(0o027)
    try:
        target = export_incident(itil_events, tmp_path)
    finally:
        os.umask(old)
    mode = stat.S_IMODE((target / "timeline.md").stat().st_mode)
    assert mode == 0o640


def test_paths_never_escape_the_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidIncidentId):
        write_export({"a.md": "x\n"}, tmp_path, "../../etc")
    with pytest.raises(ExportError, match="would leave the export directory"):
        write_export({"../escape.md": "x\n"}, tmp_path / "out", ID)
    assert not (tmp_path / "escape.md").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


def test_a_symlink_at_the_target_is_refused(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ID).symlink_to(elsewhere)
    with pytest.raises(ExportError, match="not an export directory"):
        export_incident(itil_events, tmp_path / "out")
    assert list(elsewhere.iterdir()) == []


async def test_cli_export_from_the_store(tmp_path: Path, store, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = itil_timeline().events
    await store.append_many([e.model_copy(update={"seq": 0}) for e in events])
    out = tmp_path / "records"
    run = subprocess.run([sys.executable, "-m", "warroom", "export", ID, "--out", str(out), "--db", str(db_path)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"exported {ID}: 26 files in {out / ID}" in run.stdout  # 18 documents and 8 agent steps in appendix/
    stored = await store.events(ID)
    assert snapshot(out / ID) == {p: t.encode() for p, t in render_incident(stored).items()}
    missing = subprocess.run([sys.executable, "-m", "warroom", "export", "INC-2026-9999", "--out", str(out),
                              "--db", str(db_path)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    bad = subprocess.run([sys.executable, "-m", "warroom", "export", "../x", "--db", str(db_path)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "path separator" in bad.stderr


def test_an_export_left_aside_by_a_crash_is_recovered_first(tmp_path: Path, itil_events: list[ev.BaseEvent]) -> None:
    previous = export_incident(itil_events[:10], tmp_path)
    before = snapshot(previous)
    os.rename(previous, tmp_path / f".{ID}.old-99999")  # the process died between the two renames
    written: list[Path] = []

    def filling_disk(path: Path, data: bytes) -> None:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        write_file(path, data)

    with pytest.raises(ExportError, match="disk is full"):
        export_incident(itil_events, tmp_path, writer=filling_disk)
    assert snapshot(tmp_path / ID) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [ID]


def test_a_file_where_the_temporary_directory_goes_keeps_previous_export(tmp_path: Path,
                                                                         itil_events: list[ev.BaseEvent]) -> None:  # fmt: skip
    previous = export_incident(itil_events[:10], tmp_path)
    before = snapshot(previous)
    (tmp_path / f".{ID}.tmp-{os.getpid()}").write_text("in the way")
    with pytest.raises(ExportError, match="a file stands where a directory is needed") as caught:
        export_incident(itil_events, tmp_path)
    assert "\n" not in str(caught.value)
    assert snapshot(previous) == before
