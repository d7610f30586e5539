"""A big box shows its newest rows at once and loads the rest only when wanted, without losing mail that arrives
meanwhile."""

from __future__ import annotations

import threading

from tmail_tui.api.models import Message
from tmail_tui.tui.screens import mail
from tmail_tui.tui.widgets.message_list import MessageList

from .helpers import lines, make_app, wait_for
from .test_reader import plain, with_box

SIZE = (120, 36)


def old_mail(address: str, count: int) -> list[Message]:
    return [Message.from_api({"id": f"old{n:05d}", "to": address, "subject": f"Old message {n}",
                              "from": "Archive", "from_email": "archive@example.org",
                              "receivedAt": f"2026-01-01 {n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"})
            for n in range(count)]


async def test_the_rest_of_a_big_box_loads_behind_the_first_rows(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "FIRST_ROWS", 50)
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, 1000))
    release = threading.Event()
    summaries = app.store.summaries
    full_loads = []

    def slow_full_load(box, ids=None, limit=None):
        if ids is None and limit is None:
            full_loads.append(box)
            release.wait(10)  # hold the full load until the test has looked at the first rows
        return summaries(box, ids, limit)

    monkeypatch.setattr(app.store, "summaries", slow_full_load)
    async with app.run_test(size=SIZE) as pilot:
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: messages.row_count == 1000, what="the first rows")
        assert not messages.complete
        assert "Old message 999" in lines(messages)[0]  # newest first, at once
        await pilot.pause(0.3)
        assert full_loads == []  # nobody asked for the rest yet
        await pilot.press("end")
        assert lines(messages)[-1].strip() == "…"  # not loaded yet: a placeholder, and Enter does nothing
        await pilot.press("enter")
        assert app.screen.reader.message is None
        assert full_loads == [address]

        emulator.deliver(address, plain("Arrived while loading"))
        await wait_for(pilot, lambda: messages.row_count == 1001, what="the new message")
        release.set()
        await wait_for(pilot, lambda: messages.complete, what="the full load")
        assert messages.row_count == 1001
        assert messages.rows[0].subject == "Arrived while loading"  # not lost to the load that raced it
        assert messages.rows[-1].subject == "Old message 0"
        await pilot.press("end")
        assert "Old message 0" in lines(messages)[-1]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Old message 0" in (app.screen.reader.message.subject if
                                                          app.screen.reader.message else ""))


async def test_a_filter_searches_the_rows_not_loaded_yet(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "FIRST_ROWS", 50)
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, 1000))
    async with app.run_test(size=SIZE) as pilot:
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: messages.row_count == 1000, what="the first rows")
        assert not messages.complete
        await pilot.press("slash", *"message 7", "enter")
        await wait_for(pilot, lambda: messages.complete, what="the full load")
        assert messages.row_count == 111  # 7, 70-79, 700-799
        assert "Old message 799" in lines(messages)[0] and messages.border_subtitle == "111 of 1000"
