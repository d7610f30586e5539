"""The API key in the reader: checked before it is kept, replaceable (K, the palette, after a 401), never shown in a
log or a crash screen."""

from __future__ import annotations

import pytest
from textual import constants

from tmail_tui import config as config_module
from tmail_tui.api import TempMailClient
from tmail_tui.config import Config
from tmail_tui.tui.app import TmailApp
from tmail_tui.tui.screens.api_key import KeyScreen
from tmail_tui.tui.screens.mail import MailScreen

from ..conftest import KEY
from .helpers import make_app, notifications, screen_text, wait_for
from .test_reader import with_box

SIZE = (120, 36)


async def test_a_refused_key_is_said_and_not_saved(home, emulator):
    app = TmailApp(Config(base_url=emulator.base_url, store_path=home / "store.db"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"wrong-key-0000", "enter")
        await wait_for(pilot, lambda: "refused" in screen_text(app), what="the refusal")
        assert isinstance(app.screen, KeyScreen)
        assert not config_module.config_path().exists()
        assert "Escape quits" in screen_text(app)
        await pilot.press("escape")
    assert app.return_code == 0


async def test_an_unreachable_server_lets_the_user_keep_the_key_anyway(home):
    app = TmailApp(Config(base_url="http://127.0.0.1:9", store_path=home / "store.db"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*KEY, "enter")
        await wait_for(pilot, lambda: "could not be checked" in screen_text(app), what="the warning")
        assert not config_module.config_path().exists()
        await pilot.press("enter")  # Enter again: keep it
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        assert config_module.load().api_key == KEY


async def test_k_replaces_a_refused_key_and_checking_resumes(home, emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    app.api = TempMailClient("revoked-key-1234", emulator.base_url, timeout=5)
    app._connect()
    with_box(emulator, app, "waiting for me")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "press K to enter another" in screen_text(app), what="the 401 advice")
        await wait_for(pilot, lambda: any("press K" in n for n in notifications(app)), what="the notice")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KeyScreen))
        assert "Change the API key" in screen_text(app) and "Try the demo" not in screen_text(app)
        await pilot.press(*KEY, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen), what="the key accepted")
        await wait_for(pilot, lambda: "waiting for me" in screen_text(app), what="the mail, with the new key")
        await wait_for(pilot, lambda: "refused" not in screen_text(app).splitlines()[-2], what="the problem gone")
        assert config_module.load().api_key == KEY


async def test_the_palette_offers_to_change_the_key(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Change API key" in commands and "Theme" in commands
        assert not {"Keys", "Maximize", "Screenshot", "Minimize"} & set(commands)


async def test_the_key_is_not_written_to_textuals_log(home, emulator, monkeypatch):
    log = home / "textual.log"
    monkeypatch.setattr(constants, "LOG_FILE", str(log))
    app = TmailApp(Config(base_url=emulator.base_url, store_path=home / "store.db"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*KEY, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
    assert log.exists() and "Changed" in log.read_text()  # events were logged...
    assert KEY not in log.read_text()  # ...without the key


async def test_a_crash_shows_no_local_variables(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    shown: list = []
    app._print_error_renderables = lambda: shown.extend(app._exit_renderables)  # what the terminal would get

    def explode() -> None:
        held = KEY[::-1]  # noqa: F841 - a local a crash screen would print (its value appears nowhere in the source)
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):  # the test harness raises what ended the app
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
            app.call_later(explode)
            await pilot.pause(0.2)
    text = "".join(segment.text for renderable in shown for segment in renderable.segments)
    assert "RuntimeError" in text and "a bug" in text
    assert KEY[::-1] not in text
