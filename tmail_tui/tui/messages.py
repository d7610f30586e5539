"""The watcher's events as Textual messages: the events the watcher yields in one go (a poll's end: checked, what
it stored, the quota, the next check) travel together, as one `WatcherEvents`, and the mail screen handles them in
order. One message per event cost the UI thread a task wake-up and a dispatch each, four or five a poll, and the
status line repainted once for all of them only by waiting for the last (issue 12)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from textual.message import Message

from .. import watcher


class WatcherEvents(Message, bubble=False):
    """For the mail screen alone: bubbling up to the app, which handles none, would double each one's dispatch."""

    def __init__(self, events: tuple[watcher.Event, ...]) -> None:
        super().__init__()
        self.events = events


async def forward(events: AsyncIterator[watcher.Event], post: Callable[[WatcherEvents], None]) -> None:
    """Post the events, those yielded in one step of the watcher (until it waits for something) as one message."""
    loop = asyncio.get_running_loop()
    batch: list[watcher.Event] = []

    def send() -> None:  # (runs once the watcher's step is over: the events of the step are all in)
        post(WatcherEvents(tuple(batch)))
        batch.clear()

    async for event in events:
        if not batch:
            loop.call_soon(send)
        batch.append(event)
