"""``warroom migrate --from PATH.db --to postgresql://...``: an SQLite history copied into PostgreSQL, verifiably.

Prints one line per incident: its event count and the digest of its rows read back from
each side, then a total. Exits 0 when every count and digest matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from warroom.app.errors import one_line, say
from warroom.data.paths import is_db_url, user_path
from warroom.data.store_api import shown_location

__all__ = ["register"]


class MigrateRefused(ValueError):
    """``--from`` or ``--to`` that cannot be used (said in one sentence)."""


DESCRIPTION = ("Copies every event (same seqs) and alert key of an SQLite file into an empty PostgreSQL database, "
               "then prints each incident's event count and row digest from both sides.")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    help_line = "copy an SQLite history into an empty PostgreSQL database (verified)"
    migrate = subparsers.add_parser("migrate", parents=[common], help=help_line, description=DESCRIPTION)
    migrate.add_argument("--from", dest="source", metavar="PATH", required=True, help="the SQLite database file")
    migrate.add_argument("--to", dest="target", metavar="URL", required=True, help="postgresql://user@host/dbname")
    migrate.set_defaults(handler=cmd_migrate)


async def cmd_migrate(args: argparse.Namespace) -> int:
    from warroom.data.pg.copy import copy_history

    if is_db_url(args.source):
        raise MigrateRefused(f"--from {shown_location(args.source)!r}: give the SQLite file to copy from")
    if not is_db_url(args.target):
        raise MigrateRefused(f"--to {args.target[:80]!r}: give the PostgreSQL database as postgresql://user@host/dbname")
    source = user_path(args.source, "--from")
    report, keys = await copy_history(source, args.target)
    say(f"{'incident':<16} {'events':>9}  {'sqlite sha256':<16}  {'postgresql sha256':<17}")
    for row in report:
        mark = "ok" if row.matches else f"DIFFERS ({row.target_events:,} events)"
        say(f"{row.incident_id:<16} {row.events:>9,}  {row.source[:16]}  {row.target[:16] or '-':<17}  {mark}")
    events = sum(row.events for row in report)
    where = shown_location(args.target)
    bad = [row.incident_id for row in report if not row.matches]
    if bad:
        named = ", ".join(bad[:5])
        print(f"warroom: {one_line(f'{len(bad)} incidents differ after the copy to {where}: {named}')}", file=sys.stderr)
        return 1
    say(f"copied {len(report):,} incidents ({events:,} events, {keys:,} alert keys) from {source} to {where}; "
        "every count and digest matches")
    return 0
