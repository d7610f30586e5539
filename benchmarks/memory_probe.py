"""Run in a fresh process by the benchmark: RSS (MB) after the app has loaded N messages, then of an empty app."""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
from pathlib import Path

from .data import FakeApi, make_app, make_store, message_json


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tmail-mem-"))
    empty = rss_mb()
    store = make_store(folder, [message_json(n) for n in range(count)])
    app = make_app(folder, store, FakeApi([]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(f"{rss_mb():.1f} {empty:.1f}")


asyncio.run(main(int(sys.argv[1])))
