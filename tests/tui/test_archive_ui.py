"""The archive in the reader, driven with Pilot: F searches every box and Enter opens the result, L labels a box,
| pipes the open message to a command (which never sees the key), v shows the source; nothing from mail is
markup."""

from __future__ import annotations

import email
import time
from datetime import datetime, timezone
from email import policy

from tmail_tui.api.models import Mailbox, Message
from tmail_tui.config import KEY_VARIABLE
from tmail_tui.emulator.feed import FeedMessage
from tmail_tui.tui.screens.mail import MailScreen
from tmail_tui.tui.screens.pipe import PipeScreen
from tmail_tui.tui.screens.prompt import PromptScreen
from tmail_tui.tui.screens.search import SearchScreen
from tmail_tui.tui.screens.source import SourceScreen

from ..conftest import KEY
from .helpers import make_app, notifications, rows_shown, screen_text, wait_for

SIZE = (120, 36)
OLD_BOX = "old.signup@quickbox.test"
HOSTILE = "[/] [@click=app.quit]x[/] \x1b[2J"


def live_box(emulator, app, subject="First one", sender="noreply@mail.github.com", body="Hello"):
    box = emulator.create_box()
    emulator.deliver(box.address, FeedMessage(subject, "GitHub", sender, body), received=emulator.now() - 10)
    app.store.save_box(Mailbox.from_api(emulator._box_json(box)))
    return box.address


def expired_box_with_old_mail(app, subject="Monthly statement", body="<p>Your <b>pangolin</b> report.</p>"):
    """A box that expired a month ago; its mail stays in the store."""
    month_ago = datetime.fromtimestamp(time.time() - 31 * 86400, timezone.utc)
    app.store.save_box(Mailbox.from_api({"email": OLD_BOX, "expire_at": "2000-01-01T00:00:00+00:00"}))
    app.store.record_poll(OLD_BOX, [Message.from_api({
        "id": "old-1", "to": OLD_BOX, "subject": subject, "from": "Bank", "from_email": "statements@bank.example",
        "html": True, "content": body, "receivedAt": month_ago.strftime("%Y-%m-%d %H:%M:%S")})])
    app.store.mark_gone(OLD_BOX)


async def search_for(pilot, text: str) -> SearchScreen:
    app = pilot.app
    await pilot.press("F")
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="the search screen")
    screen = app.screen
    await pilot.press(*text)
    await wait_for(pilot, lambda: screen.result is not None and screen.result.query.text == text
                   and not screen.indexing, what="the results")
    await pilot.pause(0.1)  # painted
    return screen


async def test_a_word_only_in_the_body_of_an_old_mail_of_an_expired_box_is_found_and_opened(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    expired_box_with_old_mail(app)
    live = live_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        assert app.screen.selected_box.address == live
        search = await search_for(pilot, "pangolin")
        assert [(h.row.mailbox, h.row.id) for h in search.result.hits] == [(OLD_BOX, "old-1")]
        shown = screen_text(app)
        assert OLD_BOX in shown and "Monthly statement" in shown and "pangolin report" in shown
        await pilot.press("enter")  # from the query to the results
        await wait_for(pilot, lambda: app.focused is search.results, what="the results focused")
        await pilot.press("enter")  # opens the message
        await wait_for(pilot, lambda: isinstance(app.screen, MailScreen))
        mail = app.screen
        await wait_for(pilot, lambda: mail.reader.message is not None and mail.reader.message.id == "old-1",
                       what="the message in the reader")
        await wait_for(pilot, lambda: "pangolin" in mail.reader.body.text, what="its body")
        assert mail.selected_box.address == OLD_BOX
        await wait_for(pilot, lambda: mail.messages.selected is not None and mail.messages.selected.id == "old-1")

        await pilot.press("F")  # the last query comes back
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert app.screen.query_one("#search-query").value == "pangolin"
        await pilot.press("escape")
        assert isinstance(app.screen, MailScreen)


async def test_slash_searches_the_box_in_view_with_the_query_syntax(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = live_box(emulator, app, subject="Welcome aboard", body="<p>Your <b>pangolin</b> badge.</p>")
    for subject, sender in [("Invoice 12", "billing@shop.example"), ("Receipt", "billing@shop.example")]:
        emulator.deliver(address, FeedMessage(subject, "Shop", sender, "Thanks"), received=emulator.now() - 5)
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 3)
        field = app.screen.query_one("#filter")
        # a word only in a body (once the indexer has converted it), as the global search finds it
        await pilot.press("slash", *"pangolin")
        await wait_for(pilot, lambda: messages.row_count == 1, what="the body word", timeout=20)
        assert "Welcome aboard" in screen_text(app)
        field.value = ""
        await pilot.press(*"from:shop.example -invoice")
        await wait_for(pilot, lambda: messages.row_count == 1 and messages.selected.subject == "Receipt")
        field.value = ""
        await pilot.press(*"[b]x after:soon", "enter")  # markup is text; what cannot be used is said
        await wait_for(pilot, lambda: any("after:soon is not a date" in n for n in notifications(app)))
        assert messages.row_count == 0 and app.focused is messages
        await pilot.press("escape")
        await wait_for(pilot, lambda: messages.row_count == 3)


async def test_a_filter_key_filters_the_list_in_its_own_turn(emulator, tmp_path):
    """The list is filtered while the key is handled, not after a message round trip: so its rows show in the
    key's frame or the next, not two frames later."""
    app = make_app(emulator, tmp_path)
    address = live_box(emulator, app, subject="Welcome aboard")
    emulator.deliver(address, FeedMessage("Invoice 12", "Shop", "billing@shop.example", "Thanks"),
                     received=emulator.now() - 5)
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2)
        await app.open_archive()
        await pilot.press("slash")
        field = app.screen.query_one("#filter")
        field.value = "invoice"  # as a key sets it; nothing awaited before looking
        assert messages.row_filter is not None and messages.row_count == 1
        assert messages.row(0).subject == "Invoice 12"
        field.value = ""
        assert messages.row_filter is None


async def test_search_results_show_hostile_text_literally_with_the_box_label(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    expired_box_with_old_mail(app, subject=f"Invoice {HOSTILE}", body=f"<p>quokka {HOSTILE}</p>")
    live_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        mail = app.screen
        (await mail.archive()).set_label(OLD_BOX, "[b]bank[/b]")
        search = await search_for(pilot, "quokka has:nothing")
        shown = screen_text(app)
        assert "Invoice [/] [@click=app.quit]x[/] ␛[2J" in shown
        assert f"{OLD_BOX} ([b]bank[/b])" in shown
        assert "has:nothing is not known" in shown  # the problem is said, the rest searched
        assert len(search.result.hits) == 1
        await pilot.click("#search-results")
        assert app.is_running


async def test_search_is_in_the_palette_and_the_help(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    live_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Search all", "Label", "Pipe", "Source"} <= titles
        await pilot.press("question_mark")
        assert "Search every mailbox ever made" in screen_text(app)


async def test_l_labels_the_box_starting_from_its_first_senders_domain(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = live_box(emulator, app)
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the label prompt")
        field = app.screen.query_one("#prompt-text")
        assert field.value == "github.com"
        await pilot.press("end", *" sign-up", "enter")
        await wait_for(pilot, lambda: any(f"{address}: github.com sign-up" in n for n in notifications(app)))
        archive = await app.screen.archive()
        assert archive.labels() == {address: "github.com sign-up"}
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.query_one("#prompt-text").value == "github.com sign-up"
        await pilot.press("escape")
        assert archive.labels() == {address: "github.com sign-up"}


async def pipe(pilot, command: str, *, as_text: bool = False) -> PipeScreen:
    app = pilot.app
    await pilot.press("vertical_line")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the pipe prompt")
    await pilot.press(*command)
    if as_text:
        await pilot.press("tab", "down", "down", "enter")  # the choice: open its list, the second, pick it
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PipeScreen), what="the pipe's output")
    screen = app.screen
    await wait_for(pilot, lambda: screen.result is not None, what="the command to end")
    return screen


async def test_pipe_sends_the_open_message_to_a_command_and_shows_its_output(emulator, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)  # as a user who keeps the key in the environment
    monkeypatch.chdir(tmp_path)  # the command runs where tmail was started
    app = make_app(emulator, tmp_path)
    live_box(emulator, app, subject="Your receipt", body="Total: EUR 12.00\nThanks")
    saved = tmp_path / "p.eml"
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.reader.message is not None)

        screen = await pipe(pilot, "tee p.eml|grep -c ^Subject:")
        assert screen.result.ok and screen.result.output.strip() == "1"
        assert "Done." in screen_text(app)
        piped = email.message_from_bytes(saved.read_bytes(), policy=policy.default)
        assert str(piped["Subject"]) == "Your receipt" and "EUR 12.00" in piped.get_content()
        await pilot.press("escape")

        screen = await pipe(pilot, "grep EUR;env", as_text=True)
        assert screen.result.output.startswith("Total: EUR 12.00\n") and "HOME=" in screen.result.output
        assert KEY not in screen.result.output and KEY not in screen_text(app)
        await pilot.press("escape")

        screen = await pipe(pilot, "echo '[b]x[/b]'>&2;exit 3")
        shown = screen_text(app)
        assert "[b]x[/b]" in shown and "Exit status 3." in shown


async def test_escape_stops_a_command_that_runs_on(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator, tmp_path)
    live_box(emulator, app)
    marker = tmp_path / "f"
    async with app.run_test(size=SIZE) as pilot:
        await rows_shown(pilot, 1)
        await pilot.press("vertical_line")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"sleep 2;touch f", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PipeScreen))
        assert "Running" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MailScreen)
        await pilot.pause(2.5)
        assert not marker.exists()


async def test_v_shows_headers_and_raw_source_sanitised(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    address = live_box(emulator, app)
    emulator.deliver(address, FeedMessage("Styled", "Shop", "shop@example.org",
                                          "<p style='color:red'>Hi [b]there[/b] \x1b[31mred\x1b[0m</p>", html=True))
    async with app.run_test(size=SIZE) as pilot:
        messages = await rows_shown(pilot, 2)
        assert messages.selected.subject == "Styled"
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        await wait_for(pilot, lambda: "<p style" in app.screen.view.text, what="the source")
        shown = screen_text(app)
        assert "<p style='color:red'>Hi [b]there[/b] ␛[31mred␛[0m</p>" in shown
        assert "From:        Shop <shop@example.org>" in shown and f"To:          {address}" in shown
        assert "\x1b" not in app.screen.view.text
        await pilot.press("q")
        assert isinstance(app.screen, MailScreen)


async def test_a_label_shows_in_the_sidebar(emulator, tmp_path):
    from tmail_tui.tui.widgets.mailbox_list import MailboxList

    from .helpers import lines, make_app, wait_for
    from .test_reader import with_box

    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "hello")
    async with app.run_test(size=(120, 36)) as pilot:
        sidebar = app.screen.query_one(MailboxList)
        await wait_for(pilot, lambda: sidebar.boxes, what="the box")
        await pilot.press("L")
        await wait_for(pilot, lambda: app.screen is not app.mail_screen, what="the label prompt")
        field = app.screen.query_one("Input")
        field.value = "github sign-up"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "github sign-up ·" in lines(sidebar)[1], what="the label in the sidebar")
