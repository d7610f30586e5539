"""`python -m benchmarks.poll_probe STORE BASE_URL ADDRESS`: one poll of one box by tmail's own poll loop (the
watcher: request, decode, store write), in a fresh process, as the floor is measured. Prints the wall time (s), the
peak resident memory (MB), and the resident memory just before the poll (after a first poll of an empty box has
started the client's threads and pools) and after it (MB)."""

from __future__ import annotations

import asyncio
import gc
import sys
import time

from tmail_tui.api import TempMailClient
from tmail_tui.store import Store, StoredBox
from tmail_tui.watcher import PollSucceeded, Watcher


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """The process's peak resident memory (VmHWM: ru_maxrss would count the parent's memory at fork)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


async def main(store_path: str, base_url: str, address: str) -> None:
    store = Store(store_path)
    async with TempMailClient("bench-key", base_url, timeout=120, deadline=600) as api:
        watcher = Watcher(api, store)
        await watcher.start()
        box = store.box(address)
        await watcher.poll(StoredBox("warm.up@quickbox.test", "added"))  # an empty box: threads, pools, imports
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        events = await watcher.poll(box)
        wall = time.perf_counter() - start
        assert isinstance(events[0], PollSucceeded), events
        gc.collect()
        after = rss_mb()
    store.close()
    print(f"{wall:.6f} {peak_mb():.1f} {before:.1f} {after:.1f}")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
