"""Hostile mail through the real widgets and the CLI: shown literally, never executed, never escaping."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from textual.widgets import OptionList

from tmail_tui.emulator.feed import FeedAttachment, FeedMessage
from tmail_tui.render import render_body
from tmail_tui.tui.widgets.message_list import MessageList

from ..conftest import KEY
from ..tui.helpers import make_app, notifications, rows_shown, screen_text, wait_for
from ..tui.test_reader import with_box
from .cases import BAD_NAMES, BIDI, ENTITY_ESCAPES, ESC, ESCAPES, MARKUP, forbidden

SIZE = (120, 36)


def hostile_feed() -> list[FeedMessage]:
    feed = [FeedMessage(f"{m} subject", f"{m} name", "spoof@evil.example", f"body {m} end") for m in MARKUP]
    feed += [FeedMessage(f"esc {e} subject", f"name {e}", f"a{e}@evil.example", f"body {e} end") for e in ESCAPES]
    feed.append(FeedMessage("entities", "Entity", "e@evil.example", ENTITY_ESCAPES, html=True))
    feed.append(FeedMessage(BIDI, "Bidi\u202eeman", "b@evil.example", f"see {BIDI}",
                            attachments=[FeedAttachment(BIDI, b"MZ")]))
    feed.append(FeedMessage("PayPal <service@paypal.com>", "service@paypal.com", "phish@evil.example", "pay"))
    feed.append(FeedMessage("S" * 10_000, "Long", "l@evil.example", "long subject"))
    feed.append(FeedMessage("CR\r\nLF", "Name\r\nInjected: header", "crlf@evil.example", "x"))
    return feed


async def test_tui_shows_hostile_text_literally_and_nothing_escapes(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    for feed in hostile_feed():
        emulator.deliver(address, feed)
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, len(hostile_feed()))
        body = app.screen.query_one("#reader-body")
        for index in range(messages.row_count):
            messages.move_to(index)
            await pilot.press("enter")
            await wait_for(pilot, lambda: body.text and body.text != "Converting…",
                           what=f"message {index} {notifications(app)}")
            shown = screen_text(app)
            assert not forbidden(shown), (index, forbidden(shown))
            assert not forbidden(body.text)
        listed = "\n".join(messages.render_row(i, 0, 200).plain for i in range(messages.row_count))
        for markup in MARKUP:
            assert f"{markup} subject"[:30] in listed  # literally, brackets and all
        assert "␛[2J" in listed and "<9B>31m" in listed
        assert "phish@evil.example" in listed  # the real address next to a name that claims to be PayPal
        assert app.is_running and app.return_code is None  # [@click=app.quit] did not quit
        for note in notifications(app):
            assert not forbidden(note)
        messages.move_to(0)
        await pilot.click(MessageList)  # clicking on text with [@click=...] runs nothing
        assert app.is_running


async def test_entities_and_bidi_in_the_reader(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("entities", "E", "e@evil.example", ENTITY_ESCAPES, html=True))
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter")
        body = app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "␛[2J" in body.text)
        assert not forbidden(body.text) and ESC not in body.text


def test_renderer_bounds_on_huge_and_deep_html():
    huge = render_body("<p>" + "x" * 5_000_000 + "</p>", True)
    assert len(huge.text) == 5_000_000
    links = render_body("".join(f'<a href="https://e.example/{n}">l{n}</a> ' for n in range(5000)), True)
    assert len(links.links) == 5000 and links.links[-1].url == "https://e.example/4999"
    deep = render_body("<div>" * 10_000 + "deep text" + "</div>" * 10_000, True)
    assert deep.text == "deep text"
    hostile = render_body('<a href="javascript:alert(1)">a</a><a href="data:text/html,x">b</a>'
                          '<a href="file:///etc/passwd">c</a><img src="https://t.example/p.gif">', True)
    assert [link.safe for link in hostile.links] == [False, False, False]
    assert "p.gif" not in hostile.text


async def test_a_5mb_body_with_no_newline_keeps_the_ui_answering(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app, "small")
    emulator.deliver(address, FeedMessage("huge", "H", "h@evil.example", "y" * 5_000_000))
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2, timeout=20)
        await pilot.press("enter")
        await pilot.press("j")  # answered while the body is prepared off the UI thread
        assert messages.cursor == 1
        body = app.screen.query_one("#reader-body")
        await wait_for(pilot, lambda: "rest is not shown here" in body.text, timeout=20)
        assert max(len(line) for line in body.text.splitlines()) <= 2000


def test_cli_output_is_sanitised(tmail, emulator, home):
    address = emulator.create_box().address
    ids = [emulator.deliver(address, feed) for feed in hostile_feed()]
    tmail("add", address)
    inbox = tmail("inbox", address)
    assert inbox.returncode == 0 and not forbidden(inbox.stdout) and not forbidden(inbox.stderr)
    assert "[@click=app.quit]x[/] subject" in inbox.stdout and "<phish@evil.example>" in inbox.stdout
    for msg_id in ids:
        read = tmail("read", msg_id)
        assert read.returncode == 0 and not forbidden(read.stdout + read.stderr), msg_id
    as_json = tmail("inbox", address, "--json")
    assert not forbidden(as_json.stdout) and not any(ord(c) > 127 for c in as_json.stdout)
    assert {m["subject"] for m in json.loads(as_json.stdout)} >= {f"{m} subject" for m in MARKUP}


def test_watch_output_is_sanitised(home, emulator):
    address = emulator.create_box().address
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "watch", address, "--interval", "0.2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Watching")
        emulator.deliver(address, FeedMessage(f"{ESC}]0;owned\x07 hi", f"{ESC}[2J", "x@evil.example", "b"))
        line = proc.stdout.readline()
        assert "␛]0;owned␇ hi" in line and not forbidden(line.rstrip("\n"))
    finally:
        proc.kill()
        proc.communicate()


def test_hostile_attachment_names_land_inside_the_folder(tmail, emulator, home):
    address = emulator.create_box().address
    msg_id = emulator.deliver(address, FeedMessage("files", "F", "f@evil.example", "x", attachments=[
        FeedAttachment(name, f"file {n}".encode()) for n, name in enumerate(BAD_NAMES)]))
    folder = home / "dl"
    folder.mkdir()
    (folder / "same.txt").write_text("mine, keep me")
    outside = home / "outside.txt"
    outside.write_text("outside")
    (folder / "passwd").symlink_to(outside)
    result = tmail("save", msg_id, "--dir", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    saved = [os.path.realpath(p) for p in json.loads(result.stdout)["saved"]]
    assert all(p.startswith(str(folder.resolve()) + os.sep) for p in saved)
    assert (folder / "same.txt").read_text() == "mine, keep me" and outside.read_text() == "outside"
    names = sorted(p.name for p in folder.iterdir())
    assert "bashrc" in names and "a.bat" in names and "authorized_keys" in names and "passwd (1)" in names
    assert "invoicetxt.exe" in names and "_CON" in names and "same (1).txt" in names and "same (2).txt" in names
    assert not any(n.startswith((".", "-")) for n in names) and all(len(n.encode()) <= 255 for n in names)
    assert not (home / ".bashrc").exists() and not list(folder.glob(".tmail-*"))
    assert len(saved) == len(BAD_NAMES) - 1  # the empty name is not an attachment the API could serve


@pytest.mark.parametrize("weird", ["a/b", "a?b", "a#b", "a%2Fb", "a b", ".."])
def test_weird_message_ids_never_change_the_endpoint(tmail, emulator, weird):
    address = emulator.create_box().address
    emulator.deliver(address, FeedMessage("weird id", "W", "w@example.org", "body"), message_id=weird)
    result = tmail("read", weird)
    assert result.returncode == 0 and "weird id" in result.stdout
    method, path, _ = emulator.requests[-1]
    assert method == "GET" and path.count("/") == 3 and path.startswith("/api/messages/")


async def test_link_words_and_addresses_in_the_picker_are_literal(emulator, tmp_path):
    words = "".join(MARKUP) + "".join(ESCAPES) + BIDI
    html = (f'<p><a href="https://evil.example/{ESC}[2J{BIDI}">{words}</a></p>'
            f'<p><a href="javascript:{ESC}]0;x">[@click=app.quit]run</a></p>')
    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    emulator.deliver(address, FeedMessage("links", "L", "l@evil.example", html, html=True))
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "[1]" in app.screen.query_one("#reader-body").text)
        await pilot.press("o")
        await wait_for(pilot, lambda: "Links in this message" in screen_text(app))
        shown = screen_text(app)
        assert not forbidden(shown)
        assert "1) [/][b]x[/b]" in shown and "2) [@click=app.quit]run" in shown  # markup shown, not applied
        assert "https://evil.example/␛[2J" in shown
        await pilot.press("2", "enter")  # a javascript: link: listed, not pickable
        await pilot.click(OptionList)  # clicking its [@click=...] text runs nothing either
        await pilot.pause(0.2)
        assert app.is_running and app.clipboard == ""
        await pilot.press("escape", "y")  # the link words name no code: nothing copied
        await wait_for(pilot, lambda: any("No code found" in n for n in notifications(app)))
        assert app.clipboard == ""
