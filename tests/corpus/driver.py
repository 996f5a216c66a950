"""Run many ``warroom`` command lines in one Python process (the CLI's own ``main``).

Used by the corpus tests as ``python -m tests.corpus.driver CASES.json RESULTS.json``:
each case's argv goes through :func:`warroom.app.cli.main` exactly as ``python -m warroom``
would, with stdout/stderr captured; an exception escaping ``main`` is recorded as a
traceback (the thing the corpus proves never happens). One interpreter start for
hundreds of cases keeps the corpus well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys
import traceback
from pathlib import Path


def event_count(db: str) -> int:
    """Events in ``db`` (0 when it does not exist yet)."""
    if not Path(db).is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error:  # not a database (a device, a damaged file): nothing countable
        return -1


def run_one(argv: list[str], db: str, stdin: str | None) -> dict:
    from warroom.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = event_count(db)
    crash = ""
    saved_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(Path(stdin).read_bytes()))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse rejections
                rc = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - this is what the corpus looks for
        rc = -1
        crash = traceback.format_exc()
    finally:
        sys.stdin = saved_stdin
    return {"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue(), "crash": crash,
            "before": before, "after": event_count(db)}


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    results = {c["name"]: run_one(c["argv"], c["db"], c.get("stdin")) for c in cases}
    Path(sys.argv[2]).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
