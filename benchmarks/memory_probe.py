"""`python -m benchmarks.memory_probe STORE COUNT`, run in a fresh process by the benchmark: the resident memory (MB)
once the app has shown the box of COUNT messages in STORE, gone to its end and back (End, then Home) and opened the
last message; then the memory before the app started."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tmail_tui.tui.widgets.message_list import MessageList

from .data import FakeApi, make_app
from .poll_probe import rss_mb


async def settle(pilot, widget) -> None:
    while True:
        drawn = widget.renders
        await pilot.pause(0.5)
        if widget.renders == drawn:
            return


async def main(store: Path, count: int) -> None:
    empty = rss_mb()
    app = make_app(store.parent, store, FakeApi([]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        messages = app.screen.query_one(MessageList)
        messages.focus()
        await pilot.press("end")
        await settle(pilot, messages)
        await pilot.press("end", "enter")  # the last row (once loaded), opened
        await settle(pilot, messages)
        await pilot.press("home")
        await settle(pilot, messages)
        assert messages.row_count == count, messages.row_count
        print(f"{rss_mb():.1f} {empty:.1f}")


asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
