"""A big box shows its newest rows at once and is read page by page, never whole, without losing mail that arrives
meanwhile; a filter searches all of it."""

from __future__ import annotations

from tmail_tui import watcher as watcher_module
from tmail_tui.api.models import Message
from tmail_tui.tui.screens import mail
from tmail_tui.tui.widgets.message_list import MessageList

from .helpers import lines, make_app, rows_shown, wait_for
from .test_reader import plain, with_box

SIZE = (120, 36)


def old_mail(address: str, count: int) -> list[Message]:
    return [Message.from_api({"id": f"old{n:05d}", "to": address, "subject": f"Old message {n}" + (" receipt" if n % 9 == 1 else ""),
                              "from": "Archive", "from_email": "archive@example.org",
                              "receivedAt": f"2026-01-01 {n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"})
            for n in range(count)]


async def test_a_big_box_is_read_page_by_page_and_keeps_mail_that_arrives(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "FIRST_ROWS", 50)
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, 1000))
    summaries = app.store.summaries
    full_loads = []

    def no_full_load(box, ids=None, limit=None):
        if ids is None and limit is None:
            full_loads.append(box)
        return summaries(box, ids, limit)

    monkeypatch.setattr(app.store, "summaries", no_full_load)
    async with app.run_test(size=SIZE) as pilot:
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: messages.row_count == 1000, what="the first rows")
        assert "Old message 999" in lines(messages)[0]  # newest first, at once
        messages.focus()
        await pilot.press("end")
        assert "Old message 0" in lines(messages)[-1]  # the last page, read from the end of the box
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Old message 0" in (app.screen.reader.message.subject if
                                                          app.screen.reader.message else ""))

        emulator.deliver(address, plain("Arrived while reading"))
        await wait_for(pilot, lambda: messages.row_count == 1001, what="the new message")
        assert messages.rows[0].subject == "Arrived while reading"  # not lost
        assert messages.rows[-1].subject == "Old message 0"
        assert messages.selected.subject == "Old message 0"  # the highlight stays with its message
        await pilot.press("home", "pagedown", "pagedown", "pagedown", "pageup")
        shown = [line for line in lines(messages) if line.strip()]
        numbers = [int(line.rsplit("Old message ", 1)[1].split()[0]) for line in shown if "Old message" in line]
        assert numbers == list(range(numbers[0], numbers[0] - len(numbers), -1))  # pages read next to pages
    assert full_loads == []  # the box was never read whole


async def test_a_filter_searches_the_whole_box(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "FIRST_ROWS", 50)
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, 1000))
    async with app.run_test(size=SIZE) as pilot:
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: messages.row_count == 1000, what="the first rows")
        await pilot.press("slash", *"receipt from:archive", "enter")
        await wait_for(pilot, lambda: messages.row_count == 111, what="the count")
        assert "Old message 991 receipt" in lines(messages)[0] and messages.border_subtitle == "111 of 1000"
        await pilot.press("end")
        assert "Old message 1 receipt" in lines(messages)[-1]


def stored_only(emulator, tmp_path, count: int):
    """An app whose box holds `count` stored messages and is polled hourly: its rows are the store's."""
    app = make_app(emulator, tmp_path, fast=3600, in_view=3600, background=3600)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, count))
    return app, address


async def test_new_mail_a_page_read_after_the_last_count_already_holds_is_counted(emulator, tmp_path):
    """Another process stores a message between the list's count and a page read: the page shows it, the count
    does not include it. When its MailArrived comes, the list counts again, not only replaces the row it holds,
    or the oldest row would be cut off for good (seen with a reader beside `tmail watch`)."""
    app, address = stored_only(emulator, tmp_path, 3)
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 3)
        late = Message.from_api({"id": "late", "to": address, "subject": "Stored by another process",
                                 "from": "Elsewhere", "from_email": "x@example.org",
                                 "receivedAt": "2026-02-01 00:00:00"})
        app.store.record_poll(address, old_mail(address, 3) + [late])
        messages._forget()  # (as a count's result does) the next page read is the store's now: 4 rows, count 3
        assert messages.row(0).subject == "Stored by another process" and messages.row_count == 3
        [row] = app.store.summaries(address, ["late"])
        app.screen.mail_arrived(watcher_module.MailArrived((row,)))
        await wait_for(pilot, lambda: messages.row_count == 4, what="the count with the late message")
        assert [r.subject for r in messages.rows][-1] == "Old message 0"


async def test_the_last_page_read_afresh_holds_the_oldest_rows(emulator, tmp_path):
    """A page read with no page beside it (after a recount forgot them all) counts from the nearer end; the last
    page of 1,001 rows is one row. Read as the last hundred, the highlight at the end jumped a hundred rows up."""
    app, _ = stored_only(emulator, tmp_path, 1001)
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1001)
        messages._forget()  # (as a count's result does)
        assert messages.row(1000).subject == "Old message 0"
        assert messages.row(998).subject == "Old message 2"
