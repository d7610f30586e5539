"""The main screen: mailbox sidebar, message list, reader, status line; every action on a key.

Polling never overlaps: a one-second tick asks the policy which box is due and starts at most one poll worker.
A poll's result goes to the store first; the widgets are then told only what changed (nothing, usually).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from ...api import NotFoundError, PlanError, QuotaError, TmailError
from ...api.models import Attachment, Mailbox, Message, parse_time
from ...codes import find_codes
from ...formatting import local_time, sender
from ..keys import KEYS
from ...opener import open_in_browser
from ...poller import BoxTimes
from ...render import PREVIEW, Link, RenderedBody, human_size, preview_for_reader
from ...sanitize import one_line, safe_filename
from ...store import PollResult, StoredBox, Summary
from ..widgets.key_bar import KeyBar
from ..widgets.mailbox_list import MailboxList
from ..widgets.message_list import MessageList
from ..widgets.reader import Reader
from ..widgets.status_line import StatusLine
from .add_address import AddAddressScreen
from .confirm import ConfirmScreen
from .help import HelpScreen
from .mailbox_form import MailboxFormScreen
from .pick import PickScreen

if TYPE_CHECKING:
    from ..app import TmailApp

HINT_NO_BOXES = "No mailboxes yet. Press n for a random address, N to choose one, or a to add one made elsewhere."
HINT_PICK = "Select a message and press Enter to read it."
FIRST_ROWS = 200  # rows of a box loaded at once; the rest when wanted, in a thread (100,000 rows take ~0.2 s)


def link_choice(link: Link) -> Text:
    """A link as the picker lists it: its words, then where it really goes (a phishing link shows itself)."""
    text = Text(f"{link.number}) ")
    text.append(link.label or "(no text)", style="bold")
    text.append(f"\n   {one_line(link.url, 240)}", style="dim")
    if not link.safe:
        text.append("  (not a web link: never opened)", style="italic")
    return text


def box_times(box: StoredBox) -> BoxTimes:
    created = parse_time(box.created_at_raw)
    return BoxTimes(box.address, born=created.timestamp() if created else box.added_at,
                    expires=box.expire_at.timestamp() if box.expire_at else None,
                    gone=box.gone_at is not None, last_poll=box.polled_at)


class MailScreen(Screen[None]):
    BINDINGS = [key.binding() for key in KEYS] + [Binding("escape", "back", "Back", show=False)]

    app: TmailApp

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, BoxTimes] = {}
        self.polling = False
        self.failing = False
        self._domains: list[tuple[str, str]] | None = None

    # --- layout and start-up -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        clock = self.app.clock
        with Horizontal(id="main"):
            yield MailboxList(clock=clock, id="boxes")
            with Vertical(id="right"):
                yield Input(placeholder="Filter by sender or subject (Enter keeps it, Escape clears it)", id="filter")
                yield MessageList(clock=clock, id="messages")
                yield Reader(id="reader")
        yield StatusLine(clock=clock, id="status")
        yield KeyBar(id="keys")

    @property
    def sidebar(self) -> MailboxList:
        return self.query_one(MailboxList)

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def selected_box(self) -> StoredBox | None:
        return self.sidebar.selected

    def on_mount(self) -> None:
        """Paint from the store first; the network comes after."""
        self.messages.border_title = "Messages"
        boxes = self.app.store.boxes()
        self.times = {b.address: box_times(b) for b in boxes}
        now = self.app.clock()
        live = next((b.address for b in boxes if not b.is_expired(now)), None)
        self.sidebar.show(boxes, select=live)
        self.show_box()
        self.messages.focus()
        if not boxes and self.app.demo:
            self.seed_demo()
        self.set_interval(min(1.0, self.app.policy.fast / 2), self.tick)
        self.call_after_refresh(self.tick)

    @work(group="demo", exit_on_error=False)
    async def seed_demo(self) -> None:
        for _ in range(2):
            self.adopt(await self.app.api.create_mailbox(), "created")

    def show_box(self) -> None:
        box = self.selected_box
        self.status.problem = ""
        if box is None:
            self.messages.show([])
            self.reader.show_hint(HINT_NO_BOXES)
            self.sub_title = ""
            return
        self.messages.border_title = Text(f"Messages · {one_line(box.address)}")  # a str title is parsed as markup
        first = self.app.store.summaries(box.address, limit=FIRST_ROWS)
        total = self.app.store.count(box.address) if len(first) == FIRST_ROWS else len(first)
        self.messages.show(first, total)
        self.reader.show_hint(HINT_PICK if self.messages.row_count else "No mail here yet: it appears by itself.")

    @on(MessageList.MoreWanted)
    def more_rows_wanted(self) -> None:
        if self.selected_box is not None:
            self.load_all_rows(self.selected_box.address, self.messages.edits)

    @work(thread=True, group="rows", exclusive=True, exit_on_error=False)
    def load_all_rows(self, address: str, edits: int) -> None:
        """The rest of a big box, off the UI thread: the first screenfuls are already on screen."""
        rows = self.app.store.summaries(address)
        self.app.call_from_thread(self._all_rows_loaded, address, rows, edits)

    def _all_rows_loaded(self, address: str, rows: list[Summary], edits: int) -> None:
        box = self.selected_box
        if box is None or box.address != address or self.messages.complete:
            return  # the user moved to another box
        if self.messages.edits != edits:
            self.load_all_rows(address, self.messages.edits)  # a poll, an open or a delete raced the load: read again
        else:
            self.messages.finish(rows)

    def reload_sidebar(self, select: str | None = None) -> None:
        """Boxes were added, renamed or deleted. The message list is reloaded when the selected box changed, or
        when `select` names a box whose contents the caller has just changed."""
        before = self.selected_box.address if self.selected_box else None
        self.sidebar.show(self.app.store.boxes(), select=select)
        if select is not None or (self.selected_box.address if self.selected_box else None) != before:
            self.show_box()
        self.tick()

    def refresh_box_row(self, address: str) -> None:
        """One box's counts changed: redraw its row only."""
        for index, box in enumerate(self.sidebar.boxes):
            if box.address == address:
                fresh = self.app.store.box(address)
                if fresh is not None:
                    self.sidebar.boxes[index] = fresh
                    self.sidebar.refresh_row(index)

    @on(MailboxList.Highlighted, "#boxes")
    def box_highlighted(self) -> None:
        self.show_box()
        self.tick()

    @on(MailboxList.Selected, "#boxes")
    def box_selected(self) -> None:
        self.messages.focus()

    # --- polling -----------------------------------------------------------------------------------------------

    def tick(self) -> None:
        now = self.app.clock()
        if any(t.expires is not None and not t.gone for t in self.times.values()):
            self.sidebar.tick()
        in_view = self.selected_box.address if self.selected_box else None
        quota = self.app.api.quota
        if quota is not None and self.app.policy.stretch(quota, now) is None:
            reset = local_time(quota.reset, quota.reset_raw) if quota.reset or quota.reset_raw else "the reset"
            self.status.paused = f"Quota used up: checking resumes at {reset}."
        else:
            self.status.paused = ""
        choice = self.app.policy.next_poll(list(self.times.values()), in_view, now, quota)
        self.status.next_poll = choice[1] if choice else None
        self.status.quota = quota
        if choice is not None and choice[1] <= now and not self.polling:
            self.polling = True
            self.poll(choice[0].address)
        self.status.refresh_status()

    @work(group="poll", exit_on_error=False)
    async def poll(self, address: str) -> None:
        try:
            await self._poll(address)
        finally:
            self.polling = False  # only now may the next poll start: polls never overlap
            self.tick()

    async def _poll(self, address: str) -> None:
        api, store, policy = self.app.api, self.app.store, self.app.policy
        times = self.times.get(address)
        try:
            messages = await api.messages(address)
        except NotFoundError:
            await asyncio.to_thread(store.mark_gone, address)
            if times:
                times.gone = True
            self.status.problem = f"{address} has expired; its mail stays here."
            self.refresh_box_row(address)
            return
        except TmailError as exc:
            now = self.app.clock()
            # A 429 waits for the monthly reset only when the quota really is spent; otherwise it is a rate limit.
            spent = api.quota is not None and api.quota.remaining == 0
            reset = exc.reset.timestamp() if isinstance(exc, QuotaError) and exc.reset and spent else None
            wait = policy.record_failure(times, now, reset) if times else 0
            self.status.problem = f"{exc} Retrying in {wait:.0f}s."
            if not self.failing:
                self.failing = True
                self.notify(one_line(str(exc), 400), title="Cannot check mail", severity="warning", markup=False)
            return
        result = await asyncio.to_thread(store.record_poll, address, messages)
        if times:
            policy.record_success(times, self.app.clock())
        self.status.last_poll = self.app.clock()
        if self.failing:
            self.failing = False
            self.status.problem = ""
            self.notify("Connected again.", markup=False)
        self.apply_poll(address, result)

    def apply_poll(self, address: str, result: PollResult) -> None:
        """Tell the widgets what a poll changed: nothing at all when nothing changed."""
        if result.nothing:
            return
        self.refresh_box_row(address)
        selected = self.selected_box
        if selected is not None and selected.address == address:
            self.messages.upsert(self.app.store.summaries(address, result.new + result.changed))
            if self.reader.message is None and self.messages.row_count:
                self.reader.show_hint(HINT_PICK)
        if result.new:
            self.announce(address, result.new)

    def announce(self, address: str, new_ids: list[str]) -> None:
        if len(new_ids) == 1:
            stored = self.app.store.message(new_ids[0])
            text = (f"{sender(stored.message.from_name, stored.message.from_email, 60)}: "
                    f"{one_line(stored.message.subject, 80) or '(no subject)'}") if stored else "1 new message"
        else:
            text = f"{len(new_ids)} new messages"
        self.notify(text, title=f"New mail · {one_line(address, 40)}", markup=False)
        if self.app.config.bell:
            self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker failed in a way nobody expected: say so, keep running."""
        if event.state == WorkerState.ERROR:
            if event.worker.group == "poll":
                self.polling = False
            error = event.worker.error
            self.notify(one_line(f"{type(error).__name__}: {error}", 400), title="Something went wrong",
                        severity="error", markup=False)

    # --- reading -----------------------------------------------------------------------------------------------

    @on(MessageList.Selected, "#messages")
    def open_selected(self) -> None:
        summary = self.messages.selected
        if summary is None:
            return
        stored = self.app.store.message(summary.id)
        if stored is None:
            return
        self.reader.show_headers(stored.message)
        if not stored.seen:
            self.app.store.mark_seen(summary.id)
            self.messages.mark_read(summary.id)
            self.refresh_box_row(stored.message.mailbox)
        self.convert(stored.message)

    @work(group="render", exclusive=True, exit_on_error=False)
    async def convert(self, message: Message) -> None:
        """The body converted off the UI thread (a 1 MB newsletter never freezes the keys); a big HTML mail shows
        its top first, then the whole of it."""
        if message.is_html and len(message.content) > PREVIEW:
            preview = await asyncio.to_thread(preview_for_reader, message.content)
            self.reader.show_body(message, preview)
        self.reader.show_body(message, await self.app.converter.for_reader(message.content, message.is_html))

    # --- filtering ---------------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.messages.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.messages.focus()

    def action_back(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or (field.has_class("shown") and self.messages.has_focus):
            field.value = ""
            field.remove_class("shown")
            self.messages.set_filter("")
        self.messages.focus()

    # --- mailboxes ---------------------------------------------------------------------------------------------

    def adopt(self, box: Mailbox, origin: str, replacing: str | None = None) -> None:
        """A box was created or renamed on the server: store it, track it, select it."""
        if replacing:
            self.app.store.rename_box(replacing, box)
            self.times.pop(replacing, None)
        else:
            self.app.store.save_box(box, origin)
        stored = self.app.store.box(box.email)
        if stored is not None:
            self.times[box.email] = box_times(stored)
        self.reload_sidebar(select=box.email)

    @work(group="new", exit_on_error=False)
    async def action_new_random(self) -> None:
        try:
            box = await self.app.api.create_mailbox()
        except TmailError as exc:
            self.error(exc)
            return
        self.adopt(box, "created")
        self.notify(f"Created {one_line(box.email)}. Press c to copy it.", markup=False)

    async def domain_choices(self) -> list[tuple[str, str]]:
        if self._domains is None:
            try:
                listing = await self.app.api.domains("all")
            except PlanError:
                listing = await self.app.api.domains("free")
            self._domains = [(d.domain, f"{one_line(d.domain)} ({one_line(d.type) or '?'})") for d in listing.domains]
        return self._domains

    @work(group="new", exit_on_error=False)
    async def action_new_named(self) -> None:
        try:
            domains = await self.domain_choices()
        except TmailError as exc:
            self.error(exc)
            return
        choice = await self.app.push_screen_wait(MailboxFormScreen("New mailbox", domains))
        if choice is None:
            return
        name, domain = choice
        try:
            box = await self.app.api.create_mailbox()
        except TmailError as exc:
            self.error(exc)
            return
        self.adopt(box, "created")
        try:
            renamed = await self.app.api.change_mailbox(box.email, name, domain)
        except TmailError as exc:
            self.error(exc, f"Created {box.email}, but could not name it {name}@{domain}")
            return
        self.adopt(renamed, "renamed", replacing=box.email)
        self.notify(f"Created {one_line(renamed.email)}.", markup=False)

    @work(group="rename", exit_on_error=False)
    async def action_rename(self) -> None:
        box = self.selected_box
        if box is None or box.is_expired(self.app.clock()):
            self.notify("Select a live mailbox to rename.", severity="warning", markup=False)
            return
        try:
            domains = await self.domain_choices()
        except TmailError as exc:
            self.error(exc)
            return
        name, _, domain = box.address.partition("@")
        choice = await self.app.push_screen_wait(
            MailboxFormScreen(f"Change {one_line(box.address)}", domains, name=name, domain=domain))
        if choice is None:
            return
        try:
            renamed = await self.app.api.change_mailbox(box.address, *choice)
        except TmailError as exc:
            self.error(exc)
            return
        self.adopt(renamed, "renamed", replacing=box.address)
        self.notify(f"{one_line(box.address)} is now {one_line(renamed.email)}.", markup=False)

    @work(group="add", exit_on_error=False)
    async def action_add_address(self) -> None:
        address = await self.app.push_screen_wait(AddAddressScreen())
        if not address:
            return
        try:
            messages = await self.app.api.messages(address)
        except TmailError as exc:
            self.error(exc, f"Could not add {address}")
            return
        self.app.store.add_address(address)
        self.app.store.record_poll(address, messages)
        stored = self.app.store.box(address)
        if stored is not None:
            self.times[address] = box_times(stored)
            self.policy_success(address)
        self.reload_sidebar(select=address)
        self.notify(f"Added {one_line(address)}.", markup=False)

    def policy_success(self, address: str) -> None:
        if address in self.times:
            self.app.policy.record_success(self.times[address], self.app.clock())

    @work(group="delete-box", exit_on_error=False)
    async def action_delete_mailbox(self) -> None:
        box = self.selected_box
        if box is None:
            return
        detail = f"Its {box.total} message{'s' if box.total != 1 else ''} will be removed from this computer too."
        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete {one_line(box.address)}?", detail)):
            return
        try:
            await self.app.api.delete_mailbox(box.address)
        except NotFoundError:
            pass  # already expired or deleted on the server: forgetting it here is all that is left
        except TmailError as exc:
            self.error(exc)
            return
        self.app.store.forget_box(box.address)
        self.times.pop(box.address, None)
        self.reload_sidebar()
        self.notify(f"Deleted {one_line(box.address)}.", markup=False)

    def action_copy_address(self) -> None:
        box = self.selected_box
        if box is None:
            return
        self.app.copy_to_clipboard(box.address)
        self.notify(f"Copied {one_line(box.address)} to the clipboard.", markup=False)

    def action_refresh(self) -> None:
        box = self.selected_box
        if box is None:
            return
        times = self.times.get(box.address)
        if times is not None:
            times.last_poll = None
            times.retry_at = None
            times.gone = False  # let the server say again whether it is gone
        self.tick()

    # --- messages ----------------------------------------------------------------------------------------------

    @work(group="delete-message", exit_on_error=False)
    async def action_delete_message(self) -> None:
        summary = self.messages.selected
        if summary is None:
            return
        subject = one_line(summary.subject, 60) or "(no subject)"
        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete the message “{subject}”?")):
            return
        try:
            await self.app.api.delete_message(summary.id)
        except NotFoundError:
            pass  # gone on the server already (the box may have expired): remove the local copy
        except TmailError as exc:
            self.error(exc)
            return
        mailbox = self.selected_box.address if self.selected_box else ""
        self.app.store.delete_message(summary.id)
        self.messages.remove(summary.id)
        if self.reader.message is not None and self.reader.message.id == summary.id:
            self.reader.show_hint(HINT_PICK if self.messages.row_count else "No mail here.")
        self.refresh_box_row(mailbox)
        self.notify("Message deleted.", markup=False)

    def open_message(self) -> Message | None:
        """The message in the reader, else the highlighted one."""
        if self.reader.message is not None:
            return self.reader.message
        summary = self.messages.selected
        stored = self.app.store.message(summary.id) if summary else None
        return stored.message if stored else None

    def message_with_attachments(self) -> Message | None:
        message = self.open_message()
        if message is None or not message.attachments:
            self.notify("This message has no attachments.", severity="warning", markup=False)
            return None
        return message

    @work(group="save", exit_on_error=False)
    async def action_save_attachment(self) -> None:
        message = self.message_with_attachments()
        if message is None:
            return
        attachments = list(message.attachments)
        if len(attachments) > 1:
            choices = [Text(f"{n}) {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})")
                       for n, a in enumerate(attachments, start=1)]
            choice = await self.app.push_screen_wait(
                PickScreen("Save which attachment? (Enter saves, Escape cancels)", choices))
            if choice is None:
                return
            attachments = [attachments[choice[1]]]
        await self.save(message, attachments)

    @work(group="save", exit_on_error=False)
    async def action_save_all(self) -> None:
        message = self.message_with_attachments()
        if message is None:
            return
        await self.save(message, list(message.attachments))

    async def save(self, message: Message, attachments: list[Attachment]) -> None:
        folder = self.app.download_dir
        for attachment in attachments:
            try:
                path = await self.app.api.download_attachment(message.id, attachment.name, folder,
                                                              attachment.extension)
            except (TmailError, OSError) as exc:
                self.error(exc, f"Could not save {attachment.name}")
                continue
            self.notify(f"Saved {path}", title="Attachment saved", markup=False)

    async def body_in_view(self) -> tuple[Message, RenderedBody] | None:
        """The message the user is looking at (the highlighted one while the list has focus, else the one in the
        reader) and its body as the reader shows it: converted now if it is not open."""
        summary = self.messages.selected
        if self.messages.has_focus and summary is not None:
            stored = self.app.store.message(summary.id)
            message = stored.message if stored else None
        else:
            message = self.open_message()
        if message is None:
            self.notify("Select a message first.", markup=False)
            return None
        if self.reader.shown is not None and self.reader.message.id == message.id:
            return message, self.reader.shown
        return message, await self.app.converter.for_reader(message.content, message.is_html)

    @work(group="links", exit_on_error=False)
    async def action_links(self) -> None:
        in_view = await self.body_in_view()
        if in_view is None:
            return
        links = in_view[1].links
        if not links:
            self.notify("This message has no links.", markup=False)
            return
        choice = await self.app.push_screen_wait(PickScreen(
            "Links in this message (Enter opens it in your browser, c copies it, Escape cancels)",
            [link_choice(link) for link in links], keys={"c": "copy"},
            unpickable=frozenset(n for n, link in enumerate(links) if not link.safe)))
        if choice is None:
            return
        verb, index = choice
        link = links[index]
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
    async def action_copy_code(self) -> None:
        """Copy the verification code of the message in view: at once when there is one code, else the user picks."""
        in_view = await self.body_in_view()
        if in_view is None:
            return
        message, body = in_view
        codes = find_codes(message.subject, body.text)
        if not codes:
            self.notify("No code found in this message. Select it with the mouse and press ctrl+c to copy it.",
                        markup=False)
            return
        code = codes[0]
        if len(codes) > 1:
            choice = await self.app.push_screen_wait(PickScreen(
                "Copy which code? (Enter copies, Escape cancels)", [Text(c) for c in codes]))
            if choice is None:
                return
            code = codes[choice[1]]
        self.app.copy_to_clipboard(code)
        self.notify(f"Copied the code {code} (from “{one_line(message.subject, 60) or 'no subject'}”)", markup=False)

    # --- the rest ----------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()

    def error(self, exc: BaseException, doing: str = "") -> None:
        reason = getattr(exc, "strerror", None) or str(exc)
        text = f"{doing}: {reason}" if doing else reason
        self.notify(one_line(text, 400), title="Error", severity="error", markup=False)
