"""Arm a box and walk away: the code is on the clipboard and a desktop notification has said so when the mail lands;
the sidebar says what a box waits for; the terminal's title counts unread mail; the new-mail hook runs."""

from __future__ import annotations

import sys

from tmail_tui.emulator.feed import FeedMessage
from tmail_tui.tui.screens.arm import ArmScreen
from tmail_tui.tui.widgets.mailbox_list import MailboxList

from .helpers import lines, make_app, notifications, rows_shown, screen_text, wait_for
from .test_reader import plain, with_box

SIZE = (120, 36)


def capture_terminal(app) -> list[str]:
    written: list[str] = []
    app._driver.write = written.append  # what would reach the terminal
    return written


async def test_an_armed_box_copies_the_code_of_the_right_mail_and_says_so(emulator, tmp_path, monkeypatch):
    monkeypatch.setenv("TERM_PROGRAM", "WezTerm")  # a terminal that shows OSC 9 notifications
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app(emulator, tmp_path, bell=True)
    address = with_box(emulator, app, "old mail")
    async with app.run_test(size=SIZE) as pilot:
        written = capture_terminal(app)
        rang: list[int] = []
        app.bell = lambda: rang.append(1)
        await rows_shown(pilot, 1)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ArmScreen), what="the arm dialog")
        await pilot.press(*"github", "enter")
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: "⚑ a code from github" in lines(sidebar)[1], what="the armed mark")
        emulator.deliver(address, FeedMessage("Your code", "Shop", "shop@example.org", "Code: 111111"))  # not it
        emulator.deliver(address, FeedMessage("[GitHub] Verify", "GitHub", "noreply@github.com",
                                              "Verification code: 482913"))
        await wait_for(pilot, lambda: app.clipboard == "482913", what="the code copied")
        await wait_for(pilot, lambda: any("GitHub · 482913 (copied)" in n for n in notifications(app)))
        assert any(w.startswith("\x1b]9;tmail: GitHub · 482913 (copied)") for w in written)
        assert rang  # the bell
        await wait_for(pilot, lambda: "⚑" not in lines(sidebar)[1], what="disarmed after the match")


async def test_a_again_disarms_and_an_armed_box_is_polled_fast(emulator, tmp_path):
    app = make_app(emulator, tmp_path, fast=5.0, in_view=5.0, background=60.0)
    first = with_box(emulator, app, "in view")
    second = with_box(emulator, app, "armed")
    async with app.run_test(size=SIZE) as pilot:
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: len(sidebar.boxes) == 2)
        sidebar.focus()
        await pilot.press("down")  # the other box
        await wait_for(pilot, lambda: sidebar.selected.address != sidebar.boxes[0].address)
        armed = sidebar.selected.address
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ArmScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: armed in app.screen.armed)
        sidebar.focus()
        await pilot.press("up")  # look at the other one: the armed box keeps the fast pace
        assert app.watcher.in_view != armed and app.watcher._hurried == {armed} and armed in {first, second}
        await pilot.press("down", "A")
        await wait_for(pilot, lambda: not app.screen.armed, what="disarmed")
        assert app.watcher._hurried == set()
        await wait_for(pilot, lambda: any("no longer armed" in n for n in notifications(app)))


async def test_the_title_counts_unread_mail(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "one", "two")
    async with app.run_test(size=SIZE) as pilot:
        written = capture_terminal(app)
        await rows_shown(pilot, 2)
        emulator.deliver(address, plain("three"))
        await wait_for(pilot, lambda: "\x1b]2;tmail · 3 unread\x07" in written, what="the title")
        await pilot.press("enter")
        await wait_for(pilot, lambda: written[-1] == "\x1b]2;tmail · 2 unread\x07", what="one read")


async def test_the_new_mail_hook_runs_for_each_new_message(emulator, tmp_path):
    script = tmp_path / "hook.py"
    script.write_text("import json, sys\nopen(sys.argv[1], 'a').write(json.loads(sys.stdin.read())['subject'] + "
                      "'\\n')\n")
    app = make_app(emulator, tmp_path)
    app.config.on_new_mail = f"{sys.executable} {script} {tmp_path / 'subjects.txt'}"
    address = with_box(emulator, app, "before")
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        emulator.deliver(address, plain("hello hook"))
        done = tmp_path / "subjects.txt"
        await wait_for(pilot, lambda: done.exists() and done.read_text().endswith("\n"), what="the hook ran")
        assert done.read_text() == "hello hook\n"  # the new one, not the old
        app.config.on_new_mail = "/nonexistent/hook"
        emulator.deliver(address, plain("another"))
        await wait_for(pilot, lambda: any("Cannot run the hook" in n for n in notifications(app)))
        assert "another" in screen_text(app)


async def test_an_armed_box_about_to_expire_warns_once_and_only_an_armed_box_is_watched(emulator, tmp_path):
    from datetime import UTC, datetime, timedelta

    from tmail_tui.api.models import Mailbox

    app = make_app(emulator, tmp_path)
    box = emulator.create_box()
    ends = datetime.now(UTC) + timedelta(seconds=40)  # inside the last minute: worth a warning
    app.store.save_box(Mailbox.from_api({"email": box.address, "id": 1, "expire_at": ends.isoformat()}))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        said: list[str] = []
        real = screen.notify
        screen.notify = lambda message, **kwargs: (said.append(message), real(message, **kwargs))[1]
        await wait_for(pilot, lambda: screen.selected_box is not None)
        assert screen._expiry_watch is None  # nothing armed: no timer looks at expiry
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ArmScreen), what="the arm dialog")
        await pilot.press(*"github", "enter")
        await wait_for(pilot, lambda: any("expires in" in n and "still waiting for a code from github" in n
                                          for n in said), timeout=10, what="the expiry warning")
        await pilot.pause(5.5)  # another look: said once
        assert sum("expires in" in n for n in said) == 1
        await pilot.press("A")  # disarmed: the timer stops
        await wait_for(pilot, lambda: screen._expiry_watch is None, what="the timer stopped")
