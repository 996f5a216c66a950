"""Outbox benchmark: notifications per second to a local receiver, and publish-to-delivery delay.

Run: ``python bench/notify.py [--updates N]``. Publishes N internal updates on a store with a Slack
and a webhook channel pointing at an HTTP receiver on 127.0.0.1 while the outbox's sender runs as
it does in the war room (a pass every 0.25 s here, 1 s in the app), then prints deliveries per
second, the publish→delivery delay (median, p99), and, as the baseline measured in the same run,
the same number of bare HTTP POSTs to the same receiver. Nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.notify.receivers import start_http  # noqa: E402
from warroom.agents.outbox import Outbox  # noqa: E402
from warroom.data import events as ev  # noqa: E402
from warroom.data.config import parse_config  # noqa: E402
from warroom.data.models import Audience  # noqa: E402
from warroom.data.notify import attach_outbox  # noqa: E402
from warroom.data.store import EventStore  # noqa: E402


def _bare(url: str, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        urllib.request.urlopen(urllib.request.Request(f"{url}/bare", data=b'{"i": %d}' % i, method="POST"), timeout=10).read()
    return time.perf_counter() - start


async def main(updates: int) -> None:
    rx = start_http()
    try:
        config = parse_config(f"""
[notify.slack]
webhook_url = "{rx.url}/slack"
[notify.webhook]
url = "{rx.url}/hook"
secret_env = "BENCH_SECRET"
events = ["status_update"]
""")
        with tempfile.TemporaryDirectory() as tmp:
            async with await EventStore.open(Path(tmp) / "w.db") as store:
                attach_outbox(store, config)
                iid = (await store.declare(datetime.now(timezone.utc), title="Bench")).incident_id
                sender = Outbox(store, config.notify, env={"BENCH_SECRET": "s" * 32})
                task = asyncio.create_task(sender.run(poll=0.25))
                start = time.perf_counter()
                for i in range(updates):
                    await store.append(ev.StatusUpdatePublished(incident_id=iid, at=datetime.now(timezone.utc), actor="bench",
                                                                audience=Audience.INTERNAL, text=f"update {i}"))  # fmt: skip
                    await asyncio.sleep(0.01)
                total = updates * 2
                while sum(1 for n in (await store.load(iid)).notifications.values() if n.delivered_at) < total:
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - start
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await sender.release()
                state = await store.load(iid)
                for i in range(updates):  # a backlog (the receiver was down): how fast one pass drains it
                    await store.append(ev.StatusUpdatePublished(incident_id=iid, at=datetime.now(timezone.utc), actor="bench",
                                                                audience=Audience.INTERNAL, text=f"backlog {i}"))  # fmt: skip
                drain_start = time.perf_counter()
                drained = (await Outbox(store, config.notify, env={"BENCH_SECRET": "s" * 32}).send_due()).delivered
                drain = time.perf_counter() - drain_start
        # delay: publish (monotonic) to the delivered event's wall time, through the queued time
        delays = sorted((n.delivered_at - n.queued_at).total_seconds() for n in state.notifications.values() if n.delivered_at)
        bare = _bare(rx.url, total)
    finally:
        rx.close()
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"notifications delivered: {total:,} in {elapsed:.2f} s  ({total / elapsed:,.0f} /s, publishing paced at 100 /s)")
    print(f"publish to delivery: median {statistics.median(delays) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (sender pass every 0.25 s)")
    print(f"backlog of {drained:,} drained in one pass: {drained / drain:,.0f} notifications/s (two channels at once)")
    print(f"baseline, bare HTTP POSTs to the same receiver: {total / bare:,.0f} /s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=200)
    asyncio.run(main(parser.parse_args().updates))
