"""The main screen: mailbox sidebar, message list, reader, status line. It lays out the widgets and routes the
watcher's messages to them; the actions on its keys live in mailbox_actions.py and message_actions.py.

Nothing here polls or writes the store: the app's watcher does the polling and reports what changed (a message
fetched by this reader or by a `tmail watch` in another terminal arrives the same way), and the actions call the
core's workflows. Store reads run in threads.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from ... import watcher as watched
from ...api import NetworkError, TmailError
from ...formatting import sender
from ...sanitize import one_line
from ...store import PageKey, RowFilter, StoredBox, StoreError, Summary, normal_address
from ..keys import KEYS
from ..watching import WatcherEvents
from ..widgets.key_bar import KeyBar
from ..widgets.mailbox_list import MailboxList
from ..widgets.message_list import MessageList
from ..widgets.reader import Reader
from ..widgets.status_line import StatusLine
from .archive_actions import ArchiveActions
from .arming import Arming
from .mailbox_actions import MailboxActions
from .message_actions import MessageActions

if TYPE_CHECKING:
    from ...archive import Archive
    from ...expect import Expectation
    from ..app import TmailApp

HINT_NO_BOXES = "No mailboxes yet. Press n for a random address, N to choose one, or a to add one made elsewhere."
HINT_PICK = "Select a message and press Enter to read it."
HINT_EMPTY = "No mail here yet: it appears by itself."
DEMO_CHECK = 30.0  # seconds between looks for a demo whose boxes have all expired
INDEX_AFTER = 1.0  # seconds between new mail and the indexer's start: the new rows are drawn first
FIRST_ROWS = 200  # rows of a box read with its count; the list reads the others page by page as they are drawn


class FilterField(Input):
    """The `/` field. It hands its text to the screen as it changes, in the same turn as the key: through the
    Changed message the screen heard of it only after the key's own frame, and Textual's next frame then came up to
    two frame times later (a filter key at 100,000 messages showed in ~35 ms against a plain list's ~18)."""

    def __init__(self, typed: Callable[[str], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self._typed = typed

    def watch_value(self, value: str) -> None:
        self._typed(value)


class MailScreen(MailboxActions, MessageActions, ArchiveActions, Arming, Screen[None]):
    BINDINGS = [key.binding() for key in KEYS] + [Binding("escape", "back", "Back", show=False)]

    app: TmailApp

    def __init__(self) -> None:
        super().__init__()
        self._select_next: str | None = None  # a box just made: selected as soon as the sidebar shows it
        self.code_turn: tuple[object, int] | None = None  # the message `y` last copied from, and which of its codes
        self.armed: dict[str, Expectation] = {}  # boxes waiting for a code or link (`A`)
        self._warned: set[str] = set()  # armed boxes whose coming expiry was said
        self._expiry_watch: Timer | None = None  # looks at the armed boxes' expiry every few seconds
        self._index_after_poll = False  # mail stored by a poll still under way: the indexer starts after it
        self._index_timer: Timer | None = None  # the indexer's start, waiting INDEX_AFTER

    # --- layout and start-up -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        clock = self.app.clock
        with Horizontal(id="main"):
            yield MailboxList(clock=clock, id="boxes")
            with Vertical(id="right"):
                yield FilterField(self.filter_typed, id="filter",
                                  placeholder="Search this box: words, from:, subject:, has:code, after:2d… (Esc clears)")
                yield MessageList(clock=clock, id="messages")
                yield Reader(id="reader")
        yield StatusLine(clock=clock, id="status")
        yield KeyBar(id="keys")

    # The widgets, found once: every watcher event reaches them, and a query walks the screen each time.
    @cached_property
    def sidebar(self) -> MailboxList:
        return self.query_one(MailboxList)

    @cached_property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @cached_property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    @cached_property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def selected_box(self) -> StoredBox | None:
        return self.sidebar.selected

    def on_mount(self) -> None:
        """Paint from the store first; the network comes after. The first frame shows the mail: the boxes and the
        first rows of the box in view are read here, before it (a few indexed reads, a couple of milliseconds at a
        million messages), not in threads after it, which cost a second paint of the whole screen (~30 ms of the
        start-up, issue 12). Every later read is in a thread."""
        self.messages.border_title = "Messages"
        self.messages.focus()
        store = self.app.store
        try:
            boxes = store.boxes()
            self._boxes_loaded(boxes, first_load=True)
            box = self._view_box()
            if box is not None:
                self._show_rows(box, *self._first_rows(box.address))
        except StoreError:
            self.load_boxes(first_load=True)  # (then in a thread, as every later load)
        if self.app.demo:
            self.set_interval(DEMO_CHECK, self.keep_demo_alive)

    @work(group="boxes", exclusive=True, exit_on_error=False)
    async def load_boxes(self, first_load: bool = False) -> None:
        """The sidebar from the store, whenever the watcher says the boxes changed."""
        if self._boxes_loaded(await asyncio.to_thread(self.app.store.boxes), first_load):
            self.show_box()

    def _boxes_loaded(self, boxes: list[StoredBox], first_load: bool = False) -> bool:
        """Show the boxes read; True when the box in view changed (or it is the first load)."""
        select, self._select_next = self._select_next, None
        if first_load:
            now = self.app.clock()
            select = next((b.address for b in boxes if not b.is_expired(now)), None)
        before = self.selected_box.address if self.selected_box else None
        self.sidebar.show(boxes, select=select)
        self.app.show_unread(sum(b.unread for b in boxes))
        after = self.selected_box.address if self.selected_box else None
        if first_load and not boxes and self.app.demo:
            self.seed_demo()
        self.load_labels()
        return first_load or after != before

    @work(group="labels", exclusive=True, exit_on_error=False)
    async def load_labels(self) -> None:
        """The boxes' labels, kept by the archive: once the app has opened it (after the first frame, which does
        not wait for it: the app calls this then), and again whenever the boxes change."""
        if self.app.archive is not None:
            try:
                self.sidebar.labels = await asyncio.to_thread(self.app.archive.labels)
            except TmailError:
                pass  # no labels from a store that cannot be read now; the next change of the boxes tries again

    def select_when_shown(self, address: str) -> None:
        """A workflow made or renamed a box: select it once the watcher reports it."""
        self._select_next = normal_address(address)
        self.app.watcher.wake()

    @work(group="rows", exclusive=True, exit_on_error=False)
    async def show_box(self) -> None:
        box = self._view_box()
        if box is not None:
            self._show_rows(box, *await asyncio.to_thread(self._first_rows, box.address))

    def _view_box(self) -> StoredBox | None:
        """The selected box becomes the one in view (its rows follow: `_show_rows`)."""
        box = self.selected_box
        self.app.watcher.in_view = box.address if box else None
        if box is None:
            self.messages.show_box(None)
            self.reader.show_hint(HINT_NO_BOXES)
            self.sub_title = ""
            return None
        self.messages.border_title = Text(f"Messages · {one_line(box.address)}")  # a str title is parsed as markup
        self.messages.store = self.app.store
        self.messages.show_box(box.address)  # rows the watcher reports meanwhile are counted again after `show`
        return box

    def _first_rows(self, address: str) -> tuple[list[Summary], int, list[PageKey], float | None]:
        """The store's reads for a box coming into view: its first rows, their count, when it was last checked
        (the sidebar's copy of the box is as old as its last load)."""
        store = self.app.store
        first, keys = store.page(address, 0, FIRST_ROWS, FIRST_ROWS)
        total = store.count(address) if len(first) == FIRST_ROWS else len(first)
        polled = store.box(address)
        return first, total, keys, polled.polled_at if polled is not None else None

    def _show_rows(self, box: StoredBox, first: list[Summary], total: int, keys: list[PageKey],
                   last_poll: float | None) -> None:
        self.messages.show(first, total, keys)
        # (a poll of the box left behind no longer says "checking…")
        self.status.show(last_poll=last_poll, checking=False)
        if self.reader.message is None or self.reader.message.mailbox != box.address:
            self.reader.show_hint(HINT_PICK if self.messages.row_count else HINT_EMPTY)

    @on(MessageList.Selected, "#messages")
    def message_selected(self) -> None:
        summary = self.messages.selected
        if summary is not None:
            self.open_message(summary.mailbox, summary.id)

    @on(MailboxList.Highlighted, "#boxes")
    def box_highlighted(self) -> None:
        # A reload of the sidebar that kept the box in view changes nothing here: its rows are on screen, and its
        # changes come as the watcher's events.
        box = self.selected_box
        if box is None or box.address != self.app.watcher.in_view:
            self.show_box()

    @on(MailboxList.Selected, "#boxes")
    def box_selected(self) -> None:
        self.messages.focus()

    # --- what the watcher reports --------------------------------------------------------------------------------

    def on_watcher_events(self, message: WatcherEvents) -> None:
        for event in message.events:
            match event:
                case watched.MailArrived():
                    self.mail_arrived(event)
                case watched.MailStored():
                    self.rows_changed(event.rows, event.under_way)
                case watched.MailRemoved():
                    self.mail_removed(event)
                case watched.BoxesChanged():
                    self.load_boxes()
                case watched.PollSlow():
                    self.poll_slow(event)
                case watched.PollLeft():
                    self.poll_left(event)
                case watched.PollSucceeded():
                    self.poll_succeeded(event)
                case watched.PollFailed():
                    self.poll_failed(event)
                case watched.BoxGone():
                    self.box_gone(event)
                case watched.Scheduled():
                    self.scheduled(event)
                case watched.QuotaChanged():
                    self.status.show(quota=event.quota)

    def mail_arrived(self, event: watched.MailArrived) -> None:
        rows = event.rows
        self.rows_changed(rows, new=True)
        self.announce(rows)
        if self.armed:
            self.check_armed(rows)
        if self.app.config.on_new_mail:
            self.run_hooks(rows)

    def rows_changed(self, rows: tuple[Summary, ...], under_way: bool = False, new: bool = False) -> None:
        shown = [row for row in rows if row.mailbox == self.messages.box]
        if shown:
            self.messages.upsert(shown, new)
            if self.reader.message is None:
                self.reader.show_hint(HINT_PICK)
        self.refresh_counts({row.mailbox for row in rows})
        self.index_soon(under_way=under_way)

    def index_soon(self, poll_over: bool = False, under_way: bool = False) -> None:
        """New bodies for the search index: the indexer is started for them, but not while the poll storing them
        is under way (`under_way`: it must not compete with a big first poll): then when the poll is over,
        INDEX_AFTER seconds later (the rows the poll stored are drawn first)."""
        if under_way:
            self._index_after_poll = True
        elif (self._index_after_poll or not poll_over) and self._index_timer is None:
            self._index_after_poll = False
            self._index_timer = self.set_timer(INDEX_AFTER, self._start_indexer)

    def _start_indexer(self) -> None:
        self._index_timer = None
        self.app.call_later(self.app.ensure_indexer)

    def mail_removed(self, event: watched.MailRemoved) -> None:
        for mailbox, message_id in event.keys:
            if mailbox == self.messages.box:
                self.messages.remove(message_id)
            shown = self.reader.message
            if shown is not None and (shown.mailbox, shown.id) == (mailbox, message_id):
                self.reader.show_hint(HINT_PICK if self.messages.row_count else "No mail here.")
        self.refresh_counts({mailbox for mailbox, _ in event.keys})

    @work(group="counts", exit_on_error=False)
    async def refresh_counts(self, addresses: set[str]) -> None:
        """Some boxes' counts changed: redraw their rows only."""
        for address in addresses:
            box = await asyncio.to_thread(self.app.store.box, address)
            if box is not None:
                self.sidebar.update_box(box)
        self.app.show_unread(sum(b.unread for b in self.sidebar.boxes))

    # The status line speaks of the box in view: when it was checked, when it will be, "checking…". A poll of
    # another box changes nothing there unless it brings a problem or ends one, so watching 20 boxes costs no more
    # repaints than watching one (issue 12: idle).
    def _in_view(self, address: str) -> bool:
        return address == self.app.watcher.in_view

    def poll_slow(self, event: watched.PollSlow) -> None:
        if self._in_view(event.address):
            self.status.show(checking=True)

    def poll_left(self, event: watched.PollLeft) -> None:
        if self._in_view(event.address):
            self.status.show(checking=False)  # (another process polls it: what it finds comes through the store)

    def poll_succeeded(self, event: watched.PollSucceeded) -> None:
        self.index_soon(poll_over=True)
        if self._in_view(event.address):
            self.status.show(checking=False, last_poll=event.at, problem="")
        else:
            self.status.show(problem="")
        if event.recovered:
            self.notify("Connected again.", markup=False)

    def poll_failed(self, event: watched.PollFailed) -> None:
        self.index_soon(poll_over=True)  # (what its parts stored)
        problem = ("The API key was refused (401): press K to enter another." if event.key_refused
                   else event.problem)
        if self._in_view(event.address):
            self.status.show(checking=False)
        self.status.show(problem=problem)
        if event.first:
            self.notify(one_line(problem, 400), title="Cannot check mail", severity="warning",
                        markup=False)

    def box_gone(self, event: watched.BoxGone) -> None:
        self.index_soon(poll_over=True)  # (what its parts stored)
        if self._in_view(event.address):
            self.status.show(checking=False)
        self.notify(f"{one_line(event.address)} has expired; its mail stays here.", markup=False)

    def scheduled(self, event: watched.Scheduled) -> None:
        self.status.show(next_poll=event.in_view_at, paused_until=event.paused_until, slowed=event.stretch > 1)

    def announce(self, rows: tuple[Summary, ...]) -> None:
        if len(rows) == 1:
            row = rows[0]
            text = f"{sender(row.from_name, row.from_email, 60)}: {one_line(row.subject, 80) or '(no subject)'}"
        else:
            text = f"{len(rows)} new messages"
        boxes = sorted({row.mailbox for row in rows})
        where = one_line(boxes[0], 40) if len(boxes) == 1 else f"{len(boxes)} mailboxes"
        self.notify(text, title=f"New mail · {where}", markup=False)
        self.app.alert(f"New mail · {where}", text)

    # --- filtering ---------------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    def filter_typed(self, text: str) -> None:
        """The `/` field's text changed: filter the list now, in the key's own turn (see FilterField)."""
        if self.app.archive is None:  # (a first `/` in the app's first moment: the archive opens first)
            self.filter_when_open(text)
            return
        row_filter = self._row_filter(self.app.archive, text)[0]
        self.messages.set_filter(row_filter)
        if row_filter is not None:
            self.index_for_filter(text)

    @work(group="filter-open", exclusive=True, exit_on_error=False)
    async def filter_when_open(self, text: str) -> None:
        row_filter = (await self.row_filter(text))[0]
        if self.query_one("#filter", Input).value == text:
            self.messages.set_filter(row_filter)

    @work(group="filter-index", exclusive=True, exit_on_error=False)
    async def index_for_filter(self, text: str) -> None:
        """Bodies not indexed yet (mail that has just arrived) are indexed now and the filter asked again: a word
        of a body is found however new its mail is. (One read when nothing is pending, as is usual: the app's
        indexer keeps up.)"""
        field = self.query_one("#filter", Input)

        def typed_on() -> bool:
            return field.value != text

        indexed = await asyncio.to_thread(self.app.archive.index_pending, stop=typed_on, rest=1.0)
        if indexed and not typed_on():
            self.messages.set_filter((await self.row_filter(text))[0])

    @on(Input.Submitted, "#filter")
    async def filter_done(self, event: Input.Submitted) -> None:
        problems = (await self.row_filter(event.value))[1]
        if problems:  # said once the query is complete, not at every key of `after:2…`
            self.notify(" ".join(problems), title="Search", severity="warning", markup=False)
        self.messages.focus()

    async def row_filter(self, text: str) -> tuple[RowFilter | None, tuple[str, ...]]:
        """`/` searches the box in view with the archive's query syntax (archive.py `row_filter`); if the store
        cannot hold the archive's index, by a substring of the sender or subject."""
        try:
            archive = await self.app.open_archive()  # (at once, but for a first `/` in the app's first moment)
        except TmailError:
            return RowFilter.substring(text), ()
        return self._row_filter(archive, text)

    @staticmethod
    def _row_filter(archive: Archive, text: str) -> tuple[RowFilter | None, tuple[str, ...]]:
        try:
            return archive.row_filter(text)
        except (TmailError, sqlite3.Error):
            return RowFilter.substring(text), ()

    def action_back(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or (field.has_class("shown") and self.messages.has_focus):
            field.value = ""
            field.remove_class("shown")
            self.messages.set_filter(None)
        self.messages.focus()

    # --- the rest ----------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()

    def error(self, exc: BaseException, doing: str = "") -> None:
        """A failed action, said in a notice; a network problem also stays in the status line until the next
        successful check shows it is over."""
        reason = getattr(exc, "strerror", None) or str(exc)
        text = f"{doing}: {reason}" if doing else reason
        self.notify(one_line(text, 400), title="Error", severity="error", markup=False)
        if isinstance(exc, NetworkError):
            self.status.show(problem=one_line(reason, 300))
