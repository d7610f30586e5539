"""The mail screen's archive keys: F (search every box), L (label a box), | (pipe the message to a command),
v (the message's source). Store and archive work runs in threads; what comes from mail is shown as Text.

The archive (archive.py) is the app's (`app.open_archive()`: opened once, in a thread; installing the index in a store
that has mail is one write transaction). The archive, the export formats and these keys' screens are imported when a
key first needs them: the first frame does not.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work

from ...sanitize import one_line
from ...store import StoreError

if TYPE_CHECKING:
    from ...api.models import Message
    from ...archive import Archive
    from .mail import MailScreen

OPEN_WAIT = 3.0  # seconds a found message's box may take to show its rows
PIPE_AS = [("eml", "the message as an .eml file (RFC 5322: headers, text and HTML parts)"),
           ("text", "the text as the reader shows it (headers, body, links)")]


class ArchiveActions:
    async def archive(self: MailScreen) -> Archive | None:
        """The app's archive (None, and the reason said, when the store cannot hold its index)."""
        try:
            return await self.app.open_archive()
        except StoreError as exc:
            self.error(exc)
            return None

    # --- F: search every box -------------------------------------------------------------------------------------

    @work(group="search-all", exclusive=True, exit_on_error=False)
    async def action_search_all(self: MailScreen) -> None:
        archive = await self.archive()
        if archive is None:
            return
        from .search import SearchScreen

        screen = SearchScreen(archive, getattr(self, "_last_search", ""))
        found = await self.app.push_screen_wait(screen)
        self._last_search = screen.query_text  # F again starts from it
        if found is not None:
            await self.show_found(*found)

    async def show_found(self: MailScreen, mailbox: str, message_id: str) -> None:
        """Select the message's box, open the message in the reader and put the list's cursor on it."""
        index = next((n for n, box in enumerate(self.sidebar.boxes) if box.address == mailbox), None)
        if index is not None and (self.selected_box is None or self.selected_box.address != mailbox):
            self.sidebar.move_to(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + OPEN_WAIT
        while self.messages.box != mailbox and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.open_message(mailbox, message_id)
        while loop.time() < deadline:
            row = self.messages.index_of(message_id) if self.messages.box == mailbox else None
            if row is not None:
                self.messages.move_to(row, announce=False)
                break
            await asyncio.sleep(0.05)
        self.messages.focus()

    # --- L: label the selected box -------------------------------------------------------------------------------

    @work(group="label", exclusive=True, exit_on_error=False)
    async def action_label(self: MailScreen) -> None:
        box = self.selected_box
        if box is None:
            self.notify("Select a mailbox to label.", severity="warning", markup=False)
            return
        archive = await self.archive()
        if archive is None:
            return
        current = await asyncio.to_thread(archive.label, box.address)
        suggested = "" if current else await asyncio.to_thread(archive.suggest_label, box.address)
        from .prompt import PromptScreen

        answer = await self.app.push_screen_wait(PromptScreen(
            f"Label {one_line(box.address)}", detail="What was this address for? (shown beside it, found with label:)",
            value=current or suggested, placeholder="e.g. github sign-up",
            hint="Enter saves · an empty label removes it · Escape cancels"))
        if answer is None:
            return
        label = await asyncio.to_thread(archive.set_label, box.address, answer[0])
        self.notify(f"{one_line(box.address)}: {label}" if label else f"{one_line(box.address)} has no label now.",
                    title="Label", markup=False)

    # --- |: pipe the message to a command ------------------------------------------------------------------------

    @work(group="pipe", exclusive=True, exit_on_error=False)
    async def action_pipe(self: MailScreen) -> None:
        message = await self.message_in_view()
        if message is None:
            self.notify("Select a message first.", markup=False)
            return
        last_command, last_as = getattr(self, "_last_pipe", ("", "eml"))
        from .prompt import PromptScreen

        answer = await self.app.push_screen_wait(PromptScreen(
            f"Pipe “{one_line(message.subject, 60) or '(no subject)'}” to a command",
            detail="It runs through /bin/sh with the message on its input (e.g. grep -i invoice, wc -w, "
                   "cat > ~/message.eml); what it prints is shown here.",
            value=last_command, placeholder="a command", choices=PIPE_AS, choice=last_as, choice_label="Send",
            hint="Enter runs it · Escape cancels"))
        if answer is None or not answer[0].strip():
            return
        command, mode = answer[0].strip(), answer[1] or "eml"
        self._last_pipe = (command, mode)
        data = await asyncio.to_thread(pipe_data, message, mode)
        from .pipe import PipeScreen

        await self.app.push_screen_wait(PipeScreen(command, data, "message" if mode == "eml" else "message's text"))

    # --- v: the message's source ---------------------------------------------------------------------------------

    @work(group="source", exclusive=True, exit_on_error=False)
    async def action_source(self: MailScreen) -> None:
        message = await self.message_in_view(highlighted_first=False)
        if message is None:
            self.notify("Select a message first.", markup=False)
            return
        from .source import SourceScreen

        await self.app.push_screen_wait(SourceScreen(message))


def pipe_data(message: Message, mode: str) -> bytes:
    """What the command reads: the message as an .eml (attachments named, not included: they live on the server)
    or as the reader's text."""
    from ...export import build_message, message_as_text, message_bytes

    if mode == "text":
        return message_as_text(message).encode("utf-8")
    missing = {a.name: "not included when piped (save it with s)" for a in message.attachments}
    return message_bytes(build_message(message, missing=missing))
