"""Regenerate the README's screenshots from the real app on the demo data: `make screenshots`.

Runs `tmail --demo` headless (the bundled emulator with its seeded mail), presses keys as a user would, and saves
SVGs: the main view, a verification code copied with its evidence, an HTML newsletter in the reader, its links, the
new-mailbox dialog and the help screen.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.widgets import Input

from tmail_tui.tui.app import TmailApp
from tmail_tui.config import Config
from tmail_tui.tui.screens.help import HelpScreen
from tmail_tui.tui.screens.mail import MailScreen
from tmail_tui.tui.screens.mailbox_form import MailboxFormScreen
from tmail_tui.tui.screens.pick import PickScreen
from tmail_tui.tui.widgets.message_list import MessageList

SIZE = (120, 34)


async def until(pilot, predicate, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the demo did not get there in time")


async def generate(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    config = Config(store_path=folder / ".unused.db", bell=False)
    app = TmailApp(config, demo=True, demo_feed_interval=3600)
    written: list[Path] = []

    def shot(name: str) -> None:
        for field in app.screen.query(Input):
            field.cursor_blink = False
        written.append(Path(app.save_screenshot(f"{name}.svg", str(folder))))

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, MailScreen))
        messages = app.screen.query_one(MessageList)
        await until(pilot, lambda: messages.row_count == 5)
        await pilot.pause(6)  # let the new-mail notifications fade
        await pilot.press("j", "enter")
        await pilot.pause(0.5)
        await pilot.press("escape")
        shot("main-view")
        await pilot.press("g", "enter")  # the verification mail, on top
        body = app.screen.query_one("#reader-body")
        await until(pilot, lambda: "482913" in body.text)
        await pilot.press("y")
        await until(pilot, lambda: body.marked == "482913")
        await until(pilot, lambda: any("Copied 482913" in n.message for n in app._notifications))
        await pilot.pause(0.5)
        shot("code")
        app.clear_notifications()
        await pilot.press("escape")
        await pilot.press("g", "j", "j", "j", "enter")  # the newsletter
        body = app.screen.query_one("#reader-body")
        await until(pilot, lambda: "Hello there," in body.text)
        shot("html-mail")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")
        await pilot.pause(0.2)
        shot("links")
        await pilot.press("escape", "N")
        await until(pilot, lambda: isinstance(app.screen, MailboxFormScreen))
        await pilot.press(*"signup.test")
        await pilot.pause(0.2)
        shot("new-mailbox")
        await pilot.press("escape", "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shot("help")
    (folder / ".unused.db").unlink(missing_ok=True)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    for path in asyncio.run(generate(target)):
        print(path)
