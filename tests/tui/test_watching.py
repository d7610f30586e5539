"""The reader's poll loop runs in a thread of its own (tui/watching.py): the keys still steer it, a bug in it is told
and it starts again, and quitting mid-poll gives the box back to other processes at once."""

from __future__ import annotations

import threading
import time

from tmail_tui import watcher as watcher_module
from tmail_tui.store import Store
from tmail_tui.tui import watching
from tmail_tui.tui.screens.mail import MailScreen
from tmail_tui.tui.widgets.mailbox_list import MailboxList
from tmail_tui.tui.widgets.message_list import MessageList

from .helpers import make_app, notifications, wait_for
from .test_reader import SIZE, plain, with_box


async def test_the_poll_loop_runs_off_the_ui_thread_and_keys_still_steer_it(emulator, tmp_path, monkeypatch):
    threads: set[str] = set()
    real = watcher_module.Watcher._times

    def times(self, box):  # (a step of the loop: runs where the loop runs)
        threads.add(threading.current_thread().name)
        return real(self, box)

    monkeypatch.setattr(watcher_module.Watcher, "_times", times)
    app = make_app(emulator, tmp_path, fast=3600, in_view=3600, background=3600)
    address = with_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        status, messages = app.screen.query_one("#status"), app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: status.state.last_poll is not None, what="the first poll")
        emulator.deliver(address, plain("only after r"))
        await pilot.pause(0.5)
        assert messages.row_count == 0  # (nothing is due for an hour)
        await pilot.press("r")  # from the UI thread, to the loop's
        await wait_for(pilot, lambda: messages.row_count == 1, what="the poll r asked for")
    assert threads == {"tmail-watcher"}


async def test_a_bug_in_the_poll_loop_is_told_and_the_loop_starts_again(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(watching, "RESTART_AFTER", 0.3)
    real = watcher_module.Watcher._times
    failures = [RuntimeError("the pace went wrong")]

    def times(self, box):
        if failures:
            raise failures.pop()
        return real(self, box)

    monkeypatch.setattr(watcher_module.Watcher, "_times", times)
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "still comes")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any("Checking for mail stopped (RuntimeError: the pace went wrong)" in n
                                          for n in notifications(app)), what="the bug told")
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: messages.row_count == 1, what="the mail, once the loop started again")


async def test_quitting_mid_poll_gives_the_box_back_at_once(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "slow")
    emulator.add_fault("slow", count=1, path="/api/messages", delay=3.0)
    other = Store(tmp_path / "store.db")  # another process's view of the store
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, other.polls_under_way, what="the poll under way")
            await pilot.press("q")
        quit_at = time.time()
        assert not other.polls_under_way()
        assert other.claim_poll(address, quit_at, watcher_module.LEASE)  # (not in a minute: now)
    finally:
        other.close()


async def test_other_boxes_quiet_polls_wait_for_news_and_then_come_with_it(emulator, tmp_path, monkeypatch):
    """A poll of a box out of view that went well changes nothing on screen: it is held in the watcher's thread (the
    UI thread is not woken for it) and handed over, in order, with the next batch that shows something."""
    batches: list[tuple] = []
    real = MailScreen.on_watcher_events

    def on_watcher_events(self, message):
        batches.append(message.events)
        real(self, message)

    monkeypatch.setattr(MailScreen, "on_watcher_events", on_watcher_events)
    app = make_app(emulator, tmp_path, fast=3600, in_view=3600, background=0.2)  # the box in view: hourly
    boxes = [with_box(emulator, app), with_box(emulator, app)]
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: status.state.last_poll is not None and status.state.next_poll is not None)
        other = next(box for box in boxes if box != app.watcher.in_view)

        def polls_of_other() -> int:
            return sum(1 for _, path, _ in emulator.requests
                       if path.startswith("/api/messages?") and other.split("@")[0] in path)

        await pilot.pause(0.5)
        handed, polls = len(batches), polls_of_other()
        await wait_for(pilot, lambda: polls_of_other() >= polls + 5, what="five polls of the other box")
        assert len(batches) == handed  # none of them woke the reader
        emulator.deliver(other, plain("news for the other box"))
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: any(b.address == other and b.unread == 1 for b in sidebar.boxes),
                       what="the other box's new mail counted")
        news = [event for batch in batches[handed:] for event in batch]
        succeeded = [e for e in news if isinstance(e, watcher_module.PollSucceeded) and e.address == other]
        arrived = next(i for i, e in enumerate(news) if isinstance(e, watcher_module.MailArrived))
        assert len(succeeded) >= 5 and news.index(succeeded[0]) < arrived  # held, not lost, and in their order
