"""Run in a fresh process by the benchmark: RSS (MB) after the app has loaded all N message rows and opened one,
then before anything was loaded."""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
from pathlib import Path

from tmail_tui.tui.widgets.message_list import MessageList

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
        messages = app.screen.query_one(MessageList)
        messages.focus()
        await pilot.press("end", "enter")  # the last row: every row is loaded, and one message is open
        while not messages.complete:
            await pilot.pause(0.05)
        await pilot.pause()
        assert messages.row_count == count
        print(f"{rss_mb():.1f} {empty:.1f}")


asyncio.run(main(int(sys.argv[1])))
