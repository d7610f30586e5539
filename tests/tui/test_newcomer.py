"""A newcomer's first week (issue 13), driven as they drove it: j/k in every list, Enter in every form, errors that
stay until they are over, headers that wrap under their values, a footer that fits 80 columns, a demo that keeps
going."""

from __future__ import annotations

from textual.widgets import Select

from tmail_tui.api import TempMailClient
from tmail_tui.emulator.feed import FeedAttachment
from tmail_tui.tui.screens.mail import MailScreen
from tmail_tui.tui.screens.mailbox_form import MailboxFormScreen
from tmail_tui.tui.widgets.mailbox_list import MailboxList

from .helpers import lines, make_app, notifications, rows_shown, screen_text, wait_for
from .test_reader import plain, with_box


async def test_j_and_k_move_in_the_pick_lists(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, plain("files", attachments=[FeedAttachment("one.txt", b"1"),
                                                          FeedAttachment("two.txt", b"2"),
                                                          FeedAttachment("three.txt", b"3")]))
    downloads = tmp_path / "Downloads"
    async with app.run_test(size=(120, 36)) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter", "s")
        await wait_for(pilot, lambda: "Save which attachment?" in screen_text(app))
        await pilot.press("j", "j", "k", "enter")  # down, down, up: the second
        await wait_for(pilot, lambda: (downloads / "two.txt").exists(), what="the second file saved")
        assert sorted(p.name for p in downloads.iterdir()) == ["two.txt"]


async def test_enter_creates_from_any_field_of_the_new_mailbox_form(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxFormScreen), what="the form")
        await pilot.press(*"from.select", "tab")  # on to the domain list
        assert isinstance(app.focused, Select)
        await pilot.press("down")  # opens the choices: Enter there picks one
        await wait_for(pilot, lambda: app.screen.query_one(Select).expanded, what="the choices")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: not app.screen.query_one(Select).expanded, what="a domain picked")
        assert isinstance(app.screen, MailboxFormScreen)  # picking is not creating
        await pilot.press("enter")  # and Enter, on the domain list, creates
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: sidebar.selected is not None, what="the new box")
        assert sidebar.selected.address == "from.select@mailfly.test"
        assert "Enter creates it" not in screen_text(app)


async def test_a_failed_action_stays_in_the_status_line_with_the_port(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    app.api = TempMailClient("test-key-5f1d0c9a7e", "http://127.0.0.1:9", timeout=2)
    app._connect()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: "127.0.0.1:9" in screen_text(app).splitlines()[-2], what="the problem")
        assert "Could not connect" in screen_text(app).splitlines()[-2]
        app.clear_notifications()
        await pilot.pause(0.3)
        assert "Could not connect" in screen_text(app).splitlines()[-2]  # the notice went, the problem stays


async def test_at_80_columns_the_keys_a_newcomer_needs_are_on_screen(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, plain("files", sender="A very long sender name that goes on and on",
                                    attachments=[FeedAttachment(f"attachment-number-{n}.pdf", b"x")
                                                 for n in range(4)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await rows_shown(pilot, 1)
        footer = screen_text(app).splitlines()[-1]
        for key in ("? Help", "q Quit", "n New", "y Code", "o Links", "c Copy", "r Refresh", "/ Search", "^p"):
            assert key in footer
        await pilot.press("enter")
        reader = lines(app.screen.query_one("#reader-headers"))
        assert reader[0].startswith("From:") and any(line.startswith("Files:") for line in reader)
        assert not any(line.startswith(("<", "attachment-")) for line in reader)  # wrapped under the values


async def test_a_demo_whose_boxes_expired_makes_a_new_one(tmp_path):
    import time

    from tmail_tui.config import Config
    from tmail_tui.tui.app import TmailApp

    later = [0.0]  # seconds the test moves the clock on
    app = TmailApp(Config(store_path=tmp_path / "unused.db", bell=False), demo=True, demo_feed_interval=3600,
                   clock=lambda: time.time() + later[0])
    async with app.run_test(size=(120, 36)) as pilot:
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: len(sidebar.boxes) == 2, timeout=10, what="the demo's boxes")
        later[0] = 700  # eleven minutes on: both boxes have expired
        app.demo_session.emulator.advance(700)
        app.screen.keep_demo_alive()
        await wait_for(pilot, lambda: len(sidebar.boxes) == 3, timeout=10, what="a new box")
        await wait_for(pilot, lambda: sidebar.selected and not sidebar.selected.is_expired(app.clock()),
                       what="the new box selected")
        await wait_for(pilot, lambda: any("mail keeps arriving" in n for n in notifications(app)))
