"""The reader's watcher: its loop on a thread of its own, its events to the mail screen as Textual messages.

The watcher's loop (watcher.py) runs on an event loop in a thread of its own (`WatcherThread`), not on Textual's:
its steps (which box is due, the claim, the look at the store, the hand-over to the client's poll thread and back)
were a third of what the UI thread did for a poll that changes nothing, and on an idle machine each of those steps
starts cold (issue 12). The UI thread now wakes once a poll, for what it has to show. The front end steers the
watcher (the box in view, `r`, an armed box) through its thread-safe steering methods; the API client's own
requests (`Watcher._on_api_loop`) are made on Textual's loop, which its connections belong to. A bug in the loop
is told on the screen and the loop starts again RESTART_AFTER seconds later, in the same thread.

The events the watcher yields in one go (a poll's end: checked, what it stored, the quota, the next check) travel
together, as one `WatcherEvents`, and the mail screen handles them in order. One message per event cost the UI
thread a task wake-up and a dispatch each, four or five a poll, and the status line repainted once for all of them
only by waiting for the last. A batch that changes nothing the reader shows (another box's poll went well, the
schedule moved but not the box in view's next check, the quota moved by a request while the line counts thousands)
is held back and goes with the next batch that does: with 20 boxes watched, most polls are of boxes out of view,
and each hand-over wakes the UI thread (issue 12: idle).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from textual.message import Message

from .. import watcher
from .widgets.status_line import quota_left

RESTART_AFTER = 5.0  # seconds before a watcher that died of a bug is started again
STOP_WAIT = 5.0  # seconds the reader's exit waits for the watcher to give up its claims


Batch = tuple[watcher.Event, ...]


class WatcherEvents(Message, bubble=False):
    """For the mail screen alone: bubbling up to the app, which handles none, would double each one's dispatch."""

    def __init__(self, events: Batch) -> None:
        super().__init__()
        self.events = events


async def forward(events: AsyncIterator[watcher.Event], post: Callable[[Batch], None]) -> None:
    """Post the events, those yielded in one step of the watcher (until it waits for something) together."""
    loop = asyncio.get_running_loop()
    batch: list[watcher.Event] = []

    def send() -> None:  # (runs once the watcher's step is over: the events of the step are all in)
        post(tuple(batch))
        batch.clear()

    async for event in events:
        if not batch:
            loop.call_soon(send)
        batch.append(event)


class WatcherThread:
    """Runs `watcher.events()` in a thread of its own until `stop`; made and steered on Textual's loop. `post` gets
    the events of each step (see `forward`) and `failed` each bug in the loop, both called on Textual's loop."""

    def __init__(self, watched: watcher.Watcher, post: Callable[[Batch], None],
                 failed: Callable[[BaseException], None]) -> None:
        self.watcher = watched
        self._post, self._failed = post, failed
        self._ui = asyncio.get_running_loop()
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._held: list[watcher.Event] = []  # quiet events not handed over yet (see `_hand_over`)
        self._shown: tuple[object, ...] | None = None  # what the reader shows of the last Scheduled
        self._quota_left: tuple[object, ...] | None = None  # ...and of the last QuotaChanged
        watched.attach(self._loop, self._ui)
        self._thread = threading.Thread(target=self._run, name="tmail-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # (closing the runner ends what the loop left: a poll's tasks cut short, its threads)
        with asyncio.Runner(loop_factory=lambda: self._loop) as runner:
            try:
                runner.run(self._watch())
            except asyncio.CancelledError:
                pass

    async def _watch(self) -> None:
        self._task = asyncio.current_task()
        if self._stopping:
            return
        while True:
            try:
                await forward(self.watcher.events(), self._hand_over)
            except Exception as exc:  # noqa: BLE001 - a bug: said on the screen, and the loop starts again
                self._to_ui(self._failed)(exc)
                await asyncio.sleep(RESTART_AFTER)

    def _hand_over(self, batch: Batch) -> None:
        """A batch goes to the reader, with the quiet ones held before it, unless it is all quiet too."""
        self._held += batch
        quiet = [self._quiet(event) for event in batch]  # (every one looked at: `_quiet` keeps what is shown)
        if all(quiet):
            return
        held, self._held = tuple(self._held), []
        self._to_ui(self._post)(held)

    def _quiet(self, event: watcher.Event) -> bool:
        """An event that changes nothing the reader shows: it speaks of the box in view (the status line) and of
        every box's mail and problems, not of other boxes' quiet polls."""
        in_view = self.watcher.in_view
        match event:
            case watcher.PollSucceeded():
                return event.address != in_view and not event.recovered
            case watcher.PollSlow() | watcher.PollLeft():
                return event.address != in_view
            case watcher.Scheduled():
                shown, self._shown = self._shown, (event.in_view_at, event.paused_until, event.stretch > 1)
                return shown == self._shown
            case watcher.QuotaChanged():  # (its reset is the line's own to count down)
                left, self._quota_left = self._quota_left, (quota_left(event.quota), event.quota.reset)
                return left == self._quota_left
        return False

    def _to_ui(self, call: Callable[[object], None]) -> Callable[[object], None]:
        def hand_over(item: object) -> None:
            try:
                self._ui.call_soon_threadsafe(call, item)
            except RuntimeError:
                pass  # the reader's loop is closed: nobody is reading

        return hand_over

    def stop(self) -> None:
        """End the loop (a poll under way gives up its claim at once); from Textual's loop, without waiting."""
        self._stopping = True

        def cancel() -> None:
            if self._task is not None:
                self._task.cancel()

        try:
            self._loop.call_soon_threadsafe(cancel)
        except RuntimeError:
            pass  # already over

    async def stopped(self) -> None:
        """`stop`, and wait (at most STOP_WAIT seconds) until the loop is over: its claims are given back."""
        self.stop()
        await asyncio.to_thread(self._thread.join, STOP_WAIT)
