"""The API key never shows: not on screen, not in screenshots, not in the store, not in output or errors."""

from __future__ import annotations

import stat

from tmail_tui import config as config_module
from tmail_tui.config import Config
from tmail_tui.tui.app import TmailApp
from tmail_tui.tui.screens.mail import MailScreen

from ..conftest import KEY
from ..tui.helpers import screen_text, wait_for


async def test_pasted_key_is_masked_and_never_stored_outside_the_key_file(home, emulator):
    app = TmailApp(Config(base_url=emulator.base_url, store_path=home / "store.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*KEY)
        svg = app.export_screenshot()
        assert KEY not in svg and KEY not in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: len(emulator.boxes) == 1)
        await pilot.pause(0.3)
        assert KEY not in app.export_screenshot()
    path = config_module.config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for file in (home / "store.db", home / "store.db-wal"):
        if file.exists():
            assert KEY.encode() not in file.read_bytes()
    for _, raw_path, _ in emulator.requests:
        assert KEY not in raw_path


def test_key_absent_from_cli_output_and_errors(tmail, emulator):
    emulator.add_fault("error500", count=1)
    outputs = [tmail("domains"), tmail("new", "--json"), tmail("boxes", "--json"), tmail("read", "nope"),
               tmail("domains", base_url="http://127.0.0.1:9")]
    for result in outputs:
        assert KEY not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def test_readable_key_file_is_refused_by_the_cli(tmail, home):
    path = config_module.save_api_key("file-key-123")
    path.chmod(0o644)
    result = tmail("boxes", key=None)
    assert result.returncode == 1 and "chmod 600" in result.stderr and "file-key-123" not in result.stderr


def test_a_key_with_a_non_ascii_character_is_explained_not_a_traceback(tmail, emulator):
    """A key copied from a page that shortens it for display ends in "…": httpx cannot even encode it."""
    shortened = KEY[:10] + "\u2026"
    result = tmail("domains", key=shortened)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "U+2026" in result.stderr and KEY[:10] not in result.stdout + result.stderr
    assert emulator.requests == []  # refused before anything was sent


def test_a_config_others_can_write_is_refused_by_the_cli(tmail, home):
    """Whoever can write the config chooses where the key from the environment goes."""
    path = config_module.save({"base_url": "https://attacker.example"})
    path.chmod(0o666)
    result = tmail("domains")
    assert result.returncode == 1 and "chmod 600" in result.stderr and "Traceback" not in result.stderr
    assert KEY not in result.stdout + result.stderr
