"""The three-pane reader, driven with Pilot the way a user drives it, against the emulator over loopback."""

from __future__ import annotations

import stat

from tmail_tui import config as config_module
from tmail_tui.config import Config
from tmail_tui.emulator.feed import NEWSLETTER_HTML, FeedAttachment, FeedMessage
from tmail_tui.tui.app import TmailApp
from tmail_tui.tui.screens.api_key import KeyScreen
from tmail_tui.tui.screens.confirm import ConfirmScreen
from tmail_tui.tui.screens.help import HelpScreen
from tmail_tui.tui.screens.mail import MailScreen
from tmail_tui.tui.screens.mailbox_form import MailboxFormScreen
from tmail_tui.tui.widgets.mailbox_list import MailboxList
from tmail_tui.tui.widgets.message_list import MessageList

from .helpers import lines, make_app, notifications, rows_shown, screen_text, wait_for

SIZE = (120, 36)


def plain(subject, sender="Alice", address="alice@example.org", body="Hello", attachments=()):
    return FeedMessage(subject, sender, address, body, attachments=list(attachments))


def with_box(emulator, app, *subjects):
    box = emulator.create_box()
    for age, subject in enumerate(reversed(subjects), start=1):  # the last one given is the newest
        emulator.deliver(box.address, plain(subject), received=emulator.now() - 10 * age)
    from tmail_tui.api.models import Mailbox

    app.store.save_box(Mailbox.from_api(emulator._box_json(box)))
    return box.address


async def test_paints_from_the_store_then_new_mail_appears_by_itself(emulator, tmp_path):
    app = make_app(emulator, tmp_path, bell=True)
    address = with_box(emulator, app, "First one")
    async with app.run_test(size=SIZE) as pilot:
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: address in lines(sidebar)[0], what="the box, from the store")
        assert "left" in lines(sidebar)[1]
        messages = await rows_shown(pilot, 1, what="the first poll")
        assert "First one" in lines(messages)[0] and "Alice <alice@example.org>" in lines(messages)[0]
        assert lines(messages)[0].startswith("▌●")  # the cursor bar, then the unread mark

        emulator.deliver(address, plain("Your code: 424242", sender="Acme"))
        await wait_for(pilot, lambda: messages.row_count == 2, what="the new message")
        assert "Your code: 424242" in lines(messages)[0]
        # a notification is a message to the app: it lands a moment after the row
        await wait_for(pilot, lambda: any("New mail" in n and "Acme <alice@example.org>: Your code: 424242" in n
                                          for n in notifications(app)), what="the new-mail notification")
        assert lines(sidebar)[0].rstrip().endswith("2")  # unread count in the sidebar
        status = screen_text(app).splitlines()[-2]
        assert "checked" in status and "quota" in status and "left" in status


async def test_a_poll_with_nothing_new_draws_nothing(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "One", "Two")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2)
        await pilot.pause(0.3)
        polls = len([r for r in emulator.requests if r[1].startswith("/api/messages?")])
        drawn = messages.renders
        await wait_for(pilot, lambda: len([r for r in emulator.requests if r[1].startswith("/api/messages?")])
                       >= polls + 3, what="three more polls")
        assert messages.renders == drawn


async def test_enter_opens_html_mail_as_clean_text_and_marks_it_read(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("Weekly news", "The Weekly", "news@weekly.example.org", NEWSLETTER_HTML,
                                          html=True))
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        await pilot.press("enter")
        body = app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "Hello there," in body.text, what="the converted body")
        text = body.text
        assert "This week:" not in text  # the hidden preheader
        assert "document.title" not in text and "{" not in text  # no script, no CSS
        assert "[image: The Terminal Weekly] [1]" in text
        assert "---" not in text and not any(line.lstrip().startswith("|") for line in text.splitlines())
        assert "Links:\n  [1] https://weekly.example.org/?utm_source=mail" in text
        headers = screen_text(app)
        assert "From:    The Weekly <news@weekly.example.org>" in headers
        assert not lines(messages)[0].startswith("▌●")
        assert app.store.message(messages.selected.id).seen


async def test_j_k_move_escape_returns_and_tab_switches_pane(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "a", "b", "c")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 3)
        await pilot.press("j", "j")
        assert messages.cursor == 2
        await pilot.press("k")
        assert messages.cursor == 1
        await pilot.press("enter")
        await pilot.press("tab")
        assert app.focused.id == "reader-body"
        await pilot.press("escape")
        assert app.focused is messages
        await pilot.press("shift+tab")
        assert isinstance(app.focused, MailboxList)


async def test_n_creates_a_random_box_and_selects_it(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "No mailboxes yet" in screen_text(app), what="the hint")
        await pilot.press("n")
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: sidebar.row_count == 1)
        address = sidebar.selected.address
        assert address in emulator.boxes and address in lines(sidebar)[0]
        assert "Messages · " + address in screen_text(app)
        await pilot.press("c")
        assert app.clipboard == address


async def test_shift_n_names_a_box_and_e_renames_it(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxFormScreen), what="the form")
        assert "quickbox.test (Free)" in screen_text(app)
        await pilot.press(*"my.signup", "enter")
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: sidebar.selected and sidebar.selected.address == "my.signup@quickbox.test")
        assert set(emulator.boxes) == {"my.signup@quickbox.test"}

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxFormScreen))
        form_input = app.screen.query_one("#name")
        assert form_input.value == "my.signup"
        form_input.value = ""
        await pilot.press(*"renamed", "enter")
        await wait_for(pilot, lambda: sidebar.selected and sidebar.selected.address == "renamed@quickbox.test")
        assert [b.address for b in app.store.boxes()] == ["renamed@quickbox.test"]


async def test_form_input_is_not_stolen_by_single_letter_keys(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxFormScreen))
        await pilot.press(*"nNdDsSqcra")
        assert app.screen.query_one("#name").value == "nNdDsSqcra"
        await pilot.press("escape")
        assert isinstance(app.screen, MailScreen) and emulator.boxes == {}


async def test_a_adds_an_address_made_elsewhere(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    web = emulator.create_box("from.web@mailfly.test")
    emulator.deliver(web.address, plain("made on the website"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.press(*"from.web@mailfly.test", "enter")
        messages = await rows_shown(pilot, 1)
        assert "made on the website" in lines(messages)[0]
        assert "expiry unknown" in lines(app.screen.query_one(MailboxList))[1]


async def test_capital_d_deletes_the_box_after_asking(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "x")
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)  # the box is in the sidebar, selected
        for refuse in ("n", "escape"):
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert f"Delete {address}?" in screen_text(app)
            await pilot.press(refuse)
            await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
            assert address in emulator.boxes
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: address not in emulator.boxes, what="the delete")
        await wait_for(pilot, lambda: app.store.boxes() == [])
        assert "No mailboxes yet" in screen_text(app)


async def test_d_deletes_the_message_after_asking(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "keep", "remove me")  # "remove me" is newer, so on top
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2)
        assert "remove me" in lines(messages)[0]
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "remove me" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.row_count == 1)
        assert "keep" in lines(messages)[0]
        assert [m.feed.subject for m in emulator.boxes[address].messages.values()] == ["keep"]


async def test_s_asks_which_attachment_and_capital_s_saves_all(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, plain("files", attachments=[
        FeedAttachment("../../.bashrc", b"evil"), FeedAttachment("photo.png", b"\x89PNG"),
        FeedAttachment("invoice\u202etxt.exe", b"MZ")]))
    downloads = tmp_path / "Downloads"
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter", "s")
        await wait_for(pilot, lambda: "Save which attachment?" in screen_text(app))
        assert "invoicetxt.exe" in screen_text(app) and "bashrc" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: (downloads / "photo.png").exists())
        await wait_for(pilot, lambda: any(f"Saved {downloads / 'photo.png'}" in n for n in notifications(app)))
        await pilot.press("S")
        # one notice for the lot, not one per file
        await wait_for(pilot, lambda: any(f"Saved 3 files to {downloads}" in n for n in notifications(app)),
                       what="the notice for every save")
        assert sum("Saved" in n for n in notifications(app)) == 2
        assert sorted(p.name for p in downloads.iterdir()) == ["bashrc", "invoicetxt.exe", "photo (1).png",
                                                               "photo.png"]
        assert (downloads / "bashrc").read_bytes() == b"evil"
        assert not (tmp_path / ".bashrc").exists()


async def test_slash_filters_and_escape_clears(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "Invoice March", "Newsletter", "Invoice April")  # newest last
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 3)
        await pilot.press("slash", *"invoice")
        assert messages.row_count == 2 and all("Invoice" in line for line in lines(messages)[:2])
        await pilot.press("enter")
        assert app.focused is messages and messages.row_count == 2
        await pilot.press("escape")
        assert messages.row_count == 3


async def test_r_refreshes_now(emulator, tmp_path):
    app = make_app(emulator, tmp_path, fast=3600, in_view=3600, background=3600)
    address = with_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        messages = app.screen.query_one(MessageList)
        await wait_for(pilot, lambda: app.screen.query_one("#status").state.last_poll is not None)
        emulator.deliver(address, plain("only after r"))
        await pilot.pause(0.5)
        assert messages.row_count == 0
        await pilot.press("r")
        await wait_for(pilot, lambda: messages.row_count == 1)


async def test_help_and_quit(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = screen_text(app)
        for words in ("Create a new random mailbox", "Delete the selected mailbox (asks first)", "Search this box"):
            assert words in shown
        await pilot.press("escape")
        assert isinstance(app.screen, MailScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_command_palette_lists_the_actions(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"New", "New named", "Rename", "Add", "Del box", "Delete", "Save", "Save all", "Copy address", "Code",
                "Links", "Refresh", "Search", "Help"} <= set(titles)
        await pilot.press("ctrl+p", *"new named")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxFormScreen), what="the palette's action")


async def test_expired_box_is_greyed_and_its_mail_stays(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "remember me")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.advance(700)
        app.screen.query_one(MailboxList).clock = lambda: __import__("time").time() + 700
        await wait_for(pilot, lambda: "expired" in lines(app.screen.query_one(MailboxList))[1])
        await pilot.pause(0.5)
        assert messages.row_count == 1 and "remember me" in lines(messages)[0]


async def test_server_errors_show_in_the_status_line_and_recover(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "before")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 1)
        emulator.add_fault("error500", count=2)
        await wait_for(pilot, lambda: "server had an error" in screen_text(app), what="the error shown")
        assert "before" in lines(messages)[0]  # what was fetched stays visible
        emulator.deliver(address, plain("after"))
        await wait_for(pilot, lambda: messages.row_count == 2, timeout=15, what="recovery")
        await wait_for(pilot, lambda: any("Connected again" in n for n in notifications(app)), what="the notice")


async def test_first_run_saves_the_key_privately(home, emulator):
    config = Config(base_url=emulator.base_url, store_path=home / "store.db")
    app = TmailApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, KeyScreen)
        await pilot.press(*"not a key", "enter")
        assert "no spaces" in screen_text(app)
        app.screen.query_one("#key").value = "test-key-5f1d0c9a7e"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        path = config_module.config_path()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert config_module.load().api_key == "test-key-5f1d0c9a7e"
        assert "test-key-5f1d0c9a7e" not in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: len(emulator.boxes) == 1)


async def test_first_run_can_start_the_demo(home):
    app = TmailApp(Config(store_path=home / "store.db"), demo_feed_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#demo")
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        messages = await rows_shown(pilot, 5, timeout=15, what="the demo mail")
        assert any("verification code" in line for line in lines(messages))


VERIFY_HTML = ('<p>Welcome!</p><p><a href="https://accounts.example/verify?t=abc123">Confirm <b>your</b> '
               'address</a></p><p><a href="javascript:steal()">Win a prize</a> '
               '<a href="https://accounts.example/help">help</a></p>')


def fake_opener(tmp_path, monkeypatch, exit_code=0):
    """An `xdg-open` on PATH that writes down what it was asked to open, and its environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "opened.txt"
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\nenv >> "{record}.env"\nexit {exit_code}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    return record


def app_with_links(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("Verify", "Accounts", "no-reply@accounts.example", VERIFY_HTML, html=True))
    return app


async def open_links(app, pilot):
    await rows_shown(pilot, 1)
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Confirm your address [1]" in screen_text(app), what="the body")
    await pilot.press("o")
    await wait_for(pilot, lambda: "Links in this message" in screen_text(app), what="the link picker")


async def test_o_lists_the_links_and_enter_opens_one_in_the_browser(emulator, tmp_path, monkeypatch):
    record = fake_opener(tmp_path, monkeypatch)
    monkeypatch.setenv("TMAIL_API_KEY", "key-that-must-not-reach-the-browser")
    app = app_with_links(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_links(app, pilot)
        shown = screen_text(app)
        assert "1) ✓ verification link: Confirm your address" in shown
        assert "https://accounts.example/verify?t=abc123" in shown
        assert "2) Win a prize" in shown and "(not a web link: never opened)" in shown
        await pilot.press("enter")
        await wait_for(pilot, lambda: record.exists(), what="the browser started")
        assert record.read_text() == "https://accounts.example/verify?t=abc123\n"
        assert "key-that-must-not-reach-the-browser" not in (tmp_path / "opened.txt.env").read_text()
        await wait_for(pilot, lambda: any("Opened in your browser" in n for n in notifications(app)))


async def test_o_puts_the_verification_link_first_and_marks_it(emulator, tmp_path, monkeypatch):
    record = fake_opener(tmp_path, monkeypatch)
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("E-posta adresinizi doğrulayın", "Site", "no-reply@site.example",
                                          '<p><a href="https://site.example/">Site</a> · '
                                          '<a href="https://site.example/unsubscribe?u=9">Abonelikten çık</a></p>'
                                          '<p><a href="https://site.example/e/7f3a">E-postanızı onaylayın</a></p>',
                                          True))
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("o")
        await wait_for(pilot, lambda: "Links in this message" in screen_text(app))
        shown = screen_text(app)
        assert shown.index("3) ✓ verification link: E-postanızı onaylayın") < shown.index("1) Site")
        assert "✓" not in shown.split("1) Site")[1]  # only one is marked
        await pilot.press("enter")  # the first choice: the verification link
        await wait_for(pilot, lambda: record.exists(), what="the browser started")
        assert record.read_text() == "https://site.example/e/7f3a\n"


async def test_a_link_that_is_not_a_web_link_cannot_be_picked_and_c_copies(emulator, tmp_path, monkeypatch):
    record = fake_opener(tmp_path, monkeypatch)
    app = app_with_links(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_links(app, pilot)
        await pilot.press("2", "enter")  # the javascript: link is shown but disabled: Enter does nothing
        await pilot.pause(0.3)
        assert "Links in this message" in screen_text(app) and not record.exists()
        await pilot.press("3", "c")
        await wait_for(pilot, lambda: app.clipboard == "https://accounts.example/help", what="the copy")
        assert "Links in this message" not in screen_text(app) and not record.exists()


async def test_without_a_desktop_enter_copies_the_link_and_says_so(emulator, tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = app_with_links(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_links(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard == "https://accounts.example/verify?t=abc123", what="the copy")
        await wait_for(pilot, lambda: any("No browser can be started" in n for n in notifications(app)))


async def test_a_failing_browser_falls_back_to_copying(emulator, tmp_path, monkeypatch):
    record = fake_opener(tmp_path, monkeypatch, exit_code=3)
    app = app_with_links(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_links(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard == "https://accounts.example/verify?t=abc123", what="the copy")
        assert record.exists()  # it was tried


async def test_o_works_from_the_list_and_says_when_there_are_no_links(emulator, tmp_path):
    app = app_with_links(emulator, tmp_path)
    emulator.deliver(next(iter(emulator.boxes)), plain("no links here"), received=emulator.now() - 60)
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 2)
        await pilot.press("o")  # the highlighted message, not opened: its links all the same
        await wait_for(pilot, lambda: "Confirm your address" in screen_text(app), what="the link picker")
        await pilot.press("escape", "j", "o")
        await wait_for(pilot, lambda: any("has no links" in n for n in notifications(app)))
        assert "Links in this message" not in screen_text(app)


async def test_y_copies_the_code_shows_where_it_came_from_and_cycles(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "Hello, no code here")
    emulator.deliver(address, FeedMessage("Two codes", "Bank", "bank@example.org",
                                          "Your PIN: 4711-22\nYour backup code: 9QX-77K", False))
    emulator.deliver(address, FeedMessage("Confirm your address", "Acme", "no-reply@acme.example",
                                          "<p>Use this code to verify your e-mail address:</p><p><b>482913</b></p>"
                                          "<p><a href='https://acme.example/v?code=111111'>Verify</a></p>", True))
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 3)
        await pilot.press("y")  # the newest, highlighted, never opened: its HTML is converted to find the code
        await wait_for(pilot, lambda: app.clipboard == "482913", what="the code copied")
        await wait_for(pilot, lambda: any("Copied 482913 from" in n and "Use this code to verify" in n
                                          for n in notifications(app)), what="the evidence in the notice")
        await pilot.press("j", "enter")  # open the one with two codes
        body = app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "backup code" in body.text)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "471122", what="the first code")
        assert body.marked == "4711-22"  # marked in the reader
        assert any("shown as 4711-22" in n and "1 of 2: y again for the next" in n for n in notifications(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "9QX77K", what="the next code")
        assert body.marked == "9QX-77K"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "471122", what="round again")
        await pilot.press("escape", "j", "enter", "y")  # a message with no code
        await wait_for(pilot, lambda: any("No code found" in n for n in notifications(app)))
        assert app.clipboard == "471122"


async def test_y_finds_codes_in_other_languages(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("Hesabınızı doğrulayın", "Site", "no-reply@site.example",
                                          "<p>Merhaba,</p><p>Doğrulama kodunuz:</p><p><b>184934</b></p>"
                                          "<p>Sipariş numaranız 55512 değildir.</p>", True))
    emulator.deliver(address, FeedMessage("验证码", "站点", "no-reply@zhan.example", "您的验证码是８４７２，请勿泄露。"))
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 2)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "8472", what="the full-width code, as ASCII digits")
        await pilot.press("j", "y")
        await wait_for(pilot, lambda: app.clipboard == "184934", what="the Turkish code")


async def test_the_highlight_follows_new_mail_from_the_top_row_only(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "old", "older")
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2)
        assert messages.selected.subject == "older"  # the newest, on top
        emulator.deliver(address, plain("Your code: 735197"))
        await wait_for(pilot, lambda: messages.row_count == 3)
        assert messages.cursor == 0 and messages.selected.subject == "Your code: 735197"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "735197", what="the new code copied")
        await pilot.press("j")
        emulator.deliver(address, plain("another"))
        await wait_for(pilot, lambda: messages.row_count == 4)
        assert messages.cursor == 2 and messages.selected.subject == "older"  # moved down: it stays put
