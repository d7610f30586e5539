"""A failing server and network, seen from the app: a clear message, data stays, back-off, recovery by itself."""

from __future__ import annotations

import pytest

from tmail_tui.emulator.feed import FeedAttachment, FeedMessage
from tmail_tui.tui.widgets.mailbox_list import MailboxList

from ..tui.helpers import (
    lines,
    make_app,
    notifications,
    rows_shown,
    screen_text,
    wait_for,
)
from ..tui.test_reader import with_box

SIZE = (120, 36)


def status(app) -> str:
    return screen_text(app).splitlines()[-2]


@pytest.mark.parametrize(("mode", "words"), [
    ("error500", "server had an error (500)"),
    ("error502", "server had an error (502)"),
    ("error503", "server had an error (503)"),
    ("html", "not JSON"),
    ("malformed", "not JSON"),
    ("truncated", "broke off"),
    ("status_false", "Something went wrong on our side"),
    ("drop", "broke off"),
    ("429", "limiting requests (429)"),
])
async def test_poll_failures_are_explained_keep_the_mail_and_recover(emulator, tmp_path, mode, words):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "already here")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.add_fault(mode, count=2)
        await wait_for(pilot, lambda: words in status(app), what=f"{words!r} in the status line")
        assert "Retrying in" in status(app)
        assert "already here" in lines(messages)[0]
        await wait_for(pilot, lambda: any("Cannot check mail" in n for n in notifications(app)), what="the notice")
        emulator.deliver(address, FeedMessage("after the storm", "A", "a@example.org", "x"))
        await wait_for(pilot, lambda: messages.row_count == 2, timeout=20, what="recovery")
        await wait_for(pilot, lambda: words not in status(app), what="the problem gone")


async def test_a_timeout_backs_off_and_recovers(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    app.api._timeout = __import__("httpx").Timeout(0.3)  # (before either of its clients is made)
    address = with_box(emulator, app, "before")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.add_fault("slow", count=1, delay=1.0)
        await wait_for(pilot, lambda: "did not answer in time" in status(app))
        emulator.deliver(address, FeedMessage("later", "A", "a@example.org", "x"))
        await wait_for(pilot, lambda: messages.row_count == 2, timeout=20)


async def test_key_revoked_mid_session(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "kept")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.key = "rotated"
        await wait_for(pilot, lambda: "key was refused (401)" in status(app))
        assert "kept" in lines(messages)[0] and app.is_running


async def test_quota_exhausted_pauses_checking_until_the_reset(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "kept")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.quota_used = emulator.quota_limit - 1
        await wait_for(pilot, lambda: "Quota used up: checking resumes at" in status(app), timeout=10)
        polls = len(emulator.requests)
        await pilot.pause(1.0)
        assert len(emulator.requests) == polls  # nothing more is sent while the quota is at zero
        assert "kept" in lines(messages)[0]


async def test_box_expiring_while_reading_keeps_its_mail(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "read me later")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        await pilot.press("enter")
        del emulator.boxes[address]  # gone on the server (expired or deleted elsewhere)
        await wait_for(pilot, lambda: any("has expired; its mail stays here" in n for n in notifications(app)))
        assert "read me later" in lines(messages)[0]
        # (the sidebar follows from the store, a moment later: the watcher reports the boxes changed after its look)
        await wait_for(pilot, lambda: "expired" in lines(app.screen.query_one(MailboxList))[1], what="the row")
        assert app.store.box(address).gone_at is not None


async def test_a_download_cut_half_way_leaves_nothing(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("file", "A", "a@example.org", "x",
                                          attachments=[FeedAttachment("big.bin", b"z" * 1_000_000)]))
    downloads = tmp_path / "Downloads"
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter")
        emulator.add_fault("drop_body", count=1, path="/api/messages/")
        await pilot.press("s")
        await wait_for(pilot, lambda: any("Could not save big.bin" in n for n in notifications(app)))
        assert not downloads.exists() or list(downloads.iterdir()) == []
        await pilot.press("s")
        await wait_for(pilot, lambda: (downloads / "big.bin").exists())
        assert (downloads / "big.bin").stat().st_size == 1_000_000


async def test_actions_report_errors_without_losing_anything(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "kept")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.add_fault("error503", count=1, path="/api/emails")
        await pilot.press("n")
        await wait_for(pilot, lambda: any("Error|" in n and "503" in n for n in notifications(app)))
        assert len(app.store.boxes()) == 1 and "kept" in lines(messages)[0]


async def test_connection_refused_keeps_the_stored_mail_visible(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "stored before")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1, what=f"first poll {status(app)}")
        emulator.stop()  # the server goes away
        await wait_for(pilot, lambda: "Could not connect" in status(app), what=f"refused: {status(app)}")
        assert "stored before" in lines(messages)[0] and app.is_running
