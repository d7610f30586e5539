"""Driving the real app with Pilot against the emulator, and reading what the user sees."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widget import Widget

from tmail_tui.api import TempMailClient
from tmail_tui.config import Config
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store
from tmail_tui.tui.app import TmailApp
from tmail_tui.tui.widgets.message_list import MessageList

from ..conftest import KEY


def make_app(emulator, tmp_path: Path, *, bell: bool = False, **policy) -> TmailApp:
    config = Config(api_key=KEY, base_url=emulator.base_url, download_dir=tmp_path / "Downloads", bell=bell,
                    store_path=tmp_path / "store.db")
    policy = PollPolicy(**({"fast": 0.2, "in_view": 0.2, "background": 0.5} | policy))
    return TmailApp(config, store=Store(config.store_path), api=TempMailClient(KEY, emulator.base_url, timeout=5),
                    policy=policy)


def lines(widget: Widget) -> list[str]:
    """The text of every line the widget shows, as painted."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


def screen_text(app: TmailApp) -> str:
    """Everything on screen, as plain text (the compositor's own output)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot, predicate, timeout: float = 8.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def rows_shown(pilot, count: int, **waiting) -> MessageList:
    """The message list, once it shows `count` rows (usually: once the first poll has landed)."""
    messages = pilot.app.screen.query_one(MessageList)
    await wait_for(pilot, lambda: messages.row_count == count, **waiting)
    return messages


def notifications(app: TmailApp) -> list[str]:
    return [f"{n.title}|{n.message}" for n in app._notifications]
