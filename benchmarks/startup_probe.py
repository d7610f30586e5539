"""`python -m benchmarks.startup_probe empty` or `... tmail STORE`: start an app (headless) in this fresh process and
print "ready" once its first frame has painted and settled. The benchmark times it from the spawn, so a start-up
counts the interpreter and the imports, as a person waits for them (the tmux check does the same in a terminal)."""

from __future__ import annotations

import asyncio
import sys


async def main(which: str, store: str | None) -> None:
    if which == "empty":
        from textual.app import App
        from textual.widgets import Static

        class Empty(App[None]):
            def compose(self):
                yield Static("empty")

        app = Empty()
    else:
        from pathlib import Path

        from .data import FakeApi, make_app

        app = make_app(Path(store).parent, Path(store), FakeApi([], delay=5))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("ready", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
