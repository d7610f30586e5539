"""The mail screen's message keys: d, s, S, o, y, and opening a message (Enter). Bodies are converted off the UI
thread, store reads run in threads, and every change goes through a workflow of the core (mailboxes.py).

The code finder, the link ranker and the renderer are imported where used: compiling their vocabularies and
html2text is ~50 ms that the first frame does not need (the archive, opened just after it, imports them anyway, so
`y` and Enter stay instant)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work

from ...api import TmailError
from ...api.models import Attachment, Message
from ...opener import open_in_browser
from ...sanitize import one_line, safe_filename
from .confirm import ConfirmScreen

if TYPE_CHECKING:
    from ...render import Link, RenderedBody
    from .mail import MailScreen


def link_choice(link: Link, verifies: bool = False) -> Text:
    """A link as the picker lists it: its words, then where it really goes (a phishing link shows itself)."""
    text = Text(f"{link.number}) ")
    if verifies:
        text.append("✓ verification link: ", style="bold green")
    text.append(link.label or "(no text)", style="bold")
    text.append(f"\n   {one_line(link.url, 240)}", style="dim")
    if not link.safe:
        text.append("  (not a web link: never opened)", style="italic")
    return text


class MessageActions:
    @work(group="open", exclusive=True, exit_on_error=False)
    async def open_message(self: MailScreen, mailbox: str, message_id: str) -> None:
        stored = await asyncio.to_thread(self.app.store.message, message_id, mailbox)
        if stored is None:
            return
        self.reader.show_headers(stored.message)
        if not stored.seen:
            self.messages.mark_read(message_id)
            await self.app.mailboxes.mark_seen(stored.message)
            self.refresh_counts({mailbox})
        self.convert(stored.message)

    @work(group="render", exclusive=True, exit_on_error=False)
    async def convert(self: MailScreen, message: Message) -> None:
        """The body converted off the UI thread (a 1 MB newsletter never freezes the keys); a big HTML mail shows
        its top first, then the whole of it."""
        from ...render import PREVIEW, preview_for_reader

        if message.is_html and len(message.content) > PREVIEW:
            preview = await asyncio.to_thread(preview_for_reader, message.content)
            self.reader.show_body(message, preview)
        self.reader.show_body(message, await self.app.converter.for_reader(message.content, message.is_html))

    async def message_in_view(self: MailScreen, *, highlighted_first: bool = True) -> Message | None:
        """The highlighted message while the list has focus (or when nothing is open), else the one in the reader."""
        summary = self.messages.selected
        if summary is not None and (self.reader.message is None or highlighted_first and self.messages.has_focus):
            stored = await asyncio.to_thread(self.app.store.message, summary.id, summary.mailbox)
            return stored.message if stored else None
        return self.reader.message

    async def body_in_view(self: MailScreen) -> tuple[Message, RenderedBody] | None:
        """The message the user is looking at and its body as the reader shows it: converted now if it is not
        open."""
        message = await self.message_in_view()
        if message is None:
            self.notify("Select a message first.", markup=False)
            return None
        if self.reader.shown is not None and self.reader.message.id == message.id:
            return message, self.reader.shown
        return message, await self.app.converter.for_reader(message.content, message.is_html)

    @work(group="delete-message", exit_on_error=False)
    async def action_delete_message(self: MailScreen) -> None:
        summary = self.messages.selected
        if summary is None:
            return
        subject = one_line(summary.subject, 60) or "(no subject)"
        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete the message “{subject}”?")):
            return
        try:
            await self.app.mailboxes.delete_message(summary.mailbox, summary.id)
        except TmailError as exc:
            self.error(exc)
            return
        self.app.watcher.wake()  # the list and the reader follow the watcher's report of the removal
        self.notify("Message deleted.", markup=False)

    async def message_with_attachments(self: MailScreen) -> Message | None:
        message = await self.message_in_view(highlighted_first=False)
        if message is None or not message.attachments:
            self.notify("This message has no attachments.", severity="warning", markup=False)
            return None
        return message

    @work(group="save", exit_on_error=False)
    async def action_save_attachment(self: MailScreen) -> None:
        message = await self.message_with_attachments()
        if message is None:
            return
        attachments = list(message.attachments)
        if len(attachments) > 1:
            from ...render import human_size
            from .pick import PickScreen

            choices = [Text(f"{n}) {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})")
                       for n, a in enumerate(attachments, start=1)]
            choice = await self.app.push_screen_wait(
                PickScreen("Save which attachment? (Enter saves, Escape cancels)", choices))
            if choice is None:
                return
            attachments = [attachments[choice[1]]]
        await self.save(message, attachments)

    @work(group="save", exit_on_error=False)
    async def action_save_all(self: MailScreen) -> None:
        message = await self.message_with_attachments()
        if message is not None:
            await self.save(message, list(message.attachments))

    async def save(self: MailScreen, message: Message, attachments: list[Attachment]) -> None:
        """One notice for the lot: where the files went, and which could not be saved."""
        folder = self.app.download_dir
        try:
            saved = await self.app.mailboxes.save(message, attachments, folder)
        except TmailError as exc:
            self.error(exc)
            return
        if len(saved.files) == 1:
            self.notify(f"Saved {saved.files[0]}", title="Attachment saved", markup=False)
        elif saved.files:
            self.notify(f"Saved {len(saved.files)} files to {folder}", title="Attachments saved", markup=False)
        for warning in saved.warnings:
            self.notify(one_line(warning, 300), severity="warning", markup=False)
        for name, why in saved.failures:
            self.error(TmailError(why), f"Could not save {name}")

    @work(group="links", exit_on_error=False)
    async def action_links(self: MailScreen) -> None:
        """The message's links, the one that verifies (confirms, signs in, resets) first and marked."""
        in_view = await self.body_in_view()
        if in_view is None:
            return
        from ...verify_links import rank_links

        ranked = rank_links(in_view[1].links, in_view[1].text)
        if not ranked:
            self.notify("This message has no links.", markup=False)
            return
        from .pick import PickScreen

        choice = await self.app.push_screen_wait(PickScreen(
            "Links in this message (Enter opens it in your browser, c copies it, Escape cancels)",
            [link_choice(r.link, r.is_verification) for r in ranked], keys={"c": "copy"},
            unpickable=frozenset(n for n, r in enumerate(ranked) if not r.link.safe)))
        if choice is None:
            return
        verb, index = choice
        link = ranked[index].link
        if not link.safe:
            return  # never reached (unsafe choices are disabled), and never opened or copied if it were
        if verb == "enter" and await open_in_browser(link.url):
            self.notify(f"Opened in your browser: {one_line(link.url, 200)}", markup=False)
            return
        self.app.copy_to_clipboard(link.url)
        if verb == "copy":
            self.notify(f"Copied {one_line(link.url, 200)}", markup=False)
        else:
            self.notify(f"No browser can be started from this terminal, so the link was copied instead: "
                        f"{one_line(link.url, 200)}", title="Link copied", markup=False)

    @work(group="codes", exit_on_error=False)
    async def action_copy_code(self: MailScreen) -> None:
        """Copy the verification code of the message in view, and show where it came from: the line in the notice,
        the code marked in the reader. `y` again on the same message copies the next candidate."""
        in_view = await self.body_in_view()
        if in_view is None:
            return
        message, body = in_view
        from ...codes import find_codes

        codes = find_codes(message.subject, body.text)
        if not codes:
            self.notify("No code found in this message. Select it with the mouse and press ctrl+c to copy it.",
                        markup=False)
            return
        key = (message.mailbox, message.id, body.text)
        turn = self.code_turn[1] + 1 if self.code_turn and self.code_turn[0] == key else 0
        self.code_turn = (key, turn)
        code = codes[turn % len(codes)]
        self.app.copy_to_clipboard(code.code)
        shown = self.reader.message
        if shown is not None and shown.id == message.id and code.line_number is not None:
            self.reader.body.mark(code.line_number, code.column or 0, (code.column or 0) + len(code.shown))
        where = "the subject" if code.in_subject else f"“{one_line(code.evidence, 120)}”"
        more = f" · {turn % len(codes) + 1} of {len(codes)}: y again for the next" if len(codes) > 1 else ""
        also = f" (shown as {one_line(code.shown, 40)})" if code.shown != code.code else ""
        self.notify(f"Copied {code.code}{also} from {where}{more}", title="Code copied", markup=False)
