"""What the screen shows, compared with reviewed SVG snapshots (clock, zone, data and cursor blink fixed).

Update after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then review the SVGs.
"""

from __future__ import annotations

from textual.widgets import Input

from tmail_tui.tui.screens.mail import MailScreen

from .fixed_app import fixed_app
from .helpers import wait_for

SIZE = (120, 36)


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, MailScreen) and app.screen.query("#boxes")
                   and app.screen.sidebar.selected is not None,
                   what="the mailboxes")
    await pilot.press("r")  # the clock is frozen: ask for the poll instead of waiting for it
    await wait_for(pilot, lambda: app.screen.query_one("#status").state.last_poll is not None, what="the first poll")
    for field in app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_main_view(snap_compare, tmp_path):
    assert snap_compare(fixed_app(tmp_path), terminal_size=SIZE, run_before=settle)


def test_small_terminal(snap_compare, tmp_path):
    assert snap_compare(fixed_app(tmp_path), terminal_size=(80, 24), run_before=settle)


def test_html_mail_in_the_reader(snap_compare, tmp_path):
    async def open_newsletter(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "j", "enter")
        body = pilot.app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "Hello there," in body.text)

    assert snap_compare(fixed_app(tmp_path), terminal_size=SIZE, run_before=open_newsletter)


def test_hostile_subject_shown_literally(snap_compare, tmp_path):
    async def open_hostile(pilot):
        await settle(pilot)
        await pilot.press("j", "enter")
        body = pilot.app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "[@click=app.quit]" in body.text)

    assert snap_compare(fixed_app(tmp_path), terminal_size=SIZE, run_before=open_hostile)


def test_new_mailbox_dialog(snap_compare, tmp_path):
    async def open_dialog(pilot):
        await settle(pilot)
        await pilot.press("N")
        await wait_for(pilot, lambda: pilot.app.screen.query(Input))
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press(*"signup.test")

    assert snap_compare(fixed_app(tmp_path), terminal_size=SIZE, run_before=open_dialog)


def test_help_screen(snap_compare, tmp_path):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(fixed_app(tmp_path), terminal_size=SIZE, run_before=open_help)
