"""The message list: one line per message (unread mark, time, sender, attachments, subject), filterable.

The list never holds a box: it holds pages of light summaries (no bodies) read from the store when drawn, so a box
of a million messages opens, ends, pages and filters like one of a hundred, in ~10 MB (issue 12). A page is read
next to the page before or after it with a seek in the index (`Store.page`), or from the nearer end of the box; the
last few pages read are kept. Counting (a filter's matches, the rows after mail arrived) runs in a thread, and the
first page of a filter shows before its count is known.

`show(first, total)` starts a box with its newest rows (read by the screen); polls change rows with `upsert`
(a poll that brings nothing touches nothing; one new message costs a recount in a thread and one repaint).
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence

from rich.text import Text
from textual import work
from textual.geometry import Region

from ...formatting import sender, short_time
from ...sanitize import one_line
from ...store import PageKey, RowFilter, Store, Summary
from .virtual_list import VirtualList

SENDER_MOST = 56  # columns of the sender at the most (a display name and a long address)
PAGE = 100  # rows read at once: ~1 ms from SQLite
PAGES_KEPT = 64  # the pages kept (6,400 rows: a few MB)


def _sort_key(row: Summary) -> float:
    return -(row.received_ts if row.received_ts is not None else float("-inf"))


class Rows(Sequence):
    """The rows of the list as a sequence (read page by page): `rows[0]`, `rows[-1]`, `len(rows)`."""

    def __init__(self, owner: MessageList) -> None:
        self.owner = owner

    def __len__(self) -> int:
        return self.owner.loaded_count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        return self.owner.row(index)

    def __iter__(self) -> Iterator[Summary]:
        for index in range(len(self)):
            yield self.owner.row(index)


class MessageList(VirtualList):
    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.store: Store | None = None  # where the pages come from (the screen sets it)
        self.box: str | None = None  # the mailbox whose rows these are
        self.row_filter: RowFilter | None = None  # the rows shown (None: all of the box)
        self.total = 0  # rows in the box, whatever the filter
        self.loaded_count = 0  # rows in the list as shown (the filter's matches, once counted)
        self.edits = 0  # changes since show(): a count read before them is stale
        self._pages: OrderedDict[int, list[Summary]] = OrderedDict()
        self._keys: dict[int, list[PageKey]] = {}
        self._senders: dict[tuple[str, int], str] = {}

    # --- what the screen and the actions use ---------------------------------------------------------------------

    @property
    def rows(self) -> Rows:
        return Rows(self)

    @property
    def selected(self) -> Summary | None:
        return self.row(self.cursor) if 0 <= self.cursor < self.loaded_count else None

    def index_of(self, message_id: str) -> int | None:
        """Where a message is in the list (None: not in it), from the pages read or else the store's index."""
        place = self._cached_index(message_id)
        if place is None and self.store is not None and self.box is not None:
            key = self.store.key_of(self.box, message_id, self.row_filter)
            place = None if key is None else self.store.position(self.box, key, self.row_filter)
        return place if place is None or place < self.loaded_count else None

    def _cached_index(self, message_id: str) -> int | None:
        return self._cached_places().get(message_id)

    def _cached_places(self) -> dict[str, int]:
        """Where each row of the pages read is (a few thousand at most)."""
        return {row.id: page * PAGE + offset for page, rows in self._pages.items()
                for offset, row in enumerate(rows)}

    def show_box(self, address: str | None) -> None:
        """Another box is selected: its rows are being read (`show` follows)."""
        self.box = address
        self.show([], 0)

    def show(self, rows: list[Summary], total: int | None = None, keys: list[PageKey] | None = None) -> None:
        """A box's newest rows (`rows`, of `total` in all, or all of them; `keys`: their places, from
        `Store.page`) and the cursor at the top."""
        self.total = len(rows) if total is None else max(total, len(rows))
        raced, self.edits = self.edits > 0, 0  # mail reported while the rows were read: count again
        self._forget()
        for start in range(0, len(rows), PAGE):
            self._keep(start // PAGE, rows[start:start + PAGE], (keys or [])[start:start + PAGE])
        self._senders.clear()
        if self.row_filter is not None:
            self.set_filter(self.row_filter)
        else:
            self._show_count(self.total, 0)
        if raced:
            self.count_later(self.box, self.row_filter, self.edits, None)

    def set_filter(self, row_filter: RowFilter | None) -> None:
        """Show only the rows `row_filter` keeps (None: all): the first page at once, the count after."""
        self.row_filter = row_filter
        self.edits += 1
        self._forget()
        if row_filter is None:
            self._show_count(self.total, 0)
            return
        first, keys = self._read(0, PAGE, self.total)
        self._keep(0, first, keys)
        self._show_count(len(first), 0)
        if len(first) == PAGE:
            if self.store is not None:
                self.store.stop_counting()  # typing: only the last filter's count matters
            self.count_later(self.box, self.row_filter, self.edits, None)
        self.border_subtitle = f"{len(first)}{'+' if len(first) == PAGE else ''} of {self.total}"

    def upsert(self, rows: Iterable[Summary], new: bool = False) -> None:
        """New or changed messages from a poll: a row on a read page is replaced (and repainted if shown); new
        ones are counted again in a thread. A highlight on the top row follows the newest mail (watching a box for
        a code, the code is where the highlight is); anywhere else it stays with its message.

        `new`: mail that arrived. It is counted again even when a read page holds it already: a page read after the
        last count (another process stored the message meanwhile) shows it while the count does not include it,
        and replacing it in place would leave the list one row short for good."""
        self.edits += 1
        unseen = new
        places = self._cached_places()
        for row in rows:
            place = places.get(row.id)
            if place is None:
                unseen = True
            else:
                self._pages[place // PAGE][place % PAGE] = row
                self.refresh_row(place)
        if unseen:
            keep = self._key_at(self.cursor) if self.cursor > 0 else None
            self.count_later(self.box, self.row_filter, self.edits, keep)

    def remove(self, message_id: str) -> None:
        self.edits += 1
        keep = self._key_at(self.cursor) if self.selected and self.selected.id != message_id else None
        self.count_later(self.box, self.row_filter, self.edits, keep, self.cursor)

    def mark_read(self, message_id: str) -> None:
        self.edits += 1
        place = self._cached_index(message_id)
        if place is not None and self.row(place).unread:
            self._pages[place // PAGE][place % PAGE] = self.row(place)._replace(unread=False)
            self.refresh_row(place)

    # --- pages ---------------------------------------------------------------------------------------------------

    def row(self, index: int) -> Summary:
        page = index // PAGE
        rows = self._pages.get(page)
        if rows is None or index % PAGE >= len(rows):
            rows = self._load(page)
        else:
            self._pages.move_to_end(page)
        return rows[index % PAGE] if index % PAGE < len(rows) else rows[-1]

    def _load(self, page: int) -> list[Summary]:
        start = page * PAGE
        after = self._keys.get(page - 1)
        before = self._keys.get(page + 1)
        if after:
            rows, keys = self._read(start, PAGE, self.loaded_count, after=after[-1])
        elif before:
            rows, keys = self._read(start, PAGE, self.loaded_count, before=before[0])
        else:
            rows, keys = self._read(start, PAGE, self.loaded_count)
        if not rows:  # the box shrank under the list: a recount is on its way
            rows = [Summary("", "", "", "", None, "", False, 0, self.box or "")]
        self._keep(page, rows, keys)
        return rows

    def _read(self, start: int, limit: int, total: int, **near) -> tuple[list[Summary], list[PageKey]]:
        if self.store is None or self.box is None:
            return [], []
        return self.store.page(self.box, start, limit, total, self.row_filter, **near)

    def _keep(self, page: int, rows: list[Summary], keys: list[PageKey]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        if keys:
            self._keys[page] = keys
        while len(self._pages) > PAGES_KEPT:
            gone, _ = self._pages.popitem(last=False)
            self._keys.pop(gone, None)

    def _forget(self) -> None:
        self._pages.clear()
        self._keys.clear()

    def _key_at(self, index: int) -> PageKey | None:
        """The place in the order of the row at `index` (to find it again after the list changed)."""
        if not 0 <= index < self.loaded_count:
            return None
        self.row(index)
        keys = self._keys.get(index // PAGE)
        if keys and index % PAGE < len(keys):
            return keys[index % PAGE]
        selected = self.row(index)
        return None if self.store is None or self.box is None else self.store.key_of(self.box, selected.id)

    def _show_count(self, count: int, cursor: int) -> None:
        self.loaded_count = count
        self.set_row_count(count, cursor=cursor)
        self.border_subtitle = f"{count} of {self.total}" if self.row_filter is not None else ""

    @work(thread=True, exclusive=True, group="list-count", exit_on_error=False)
    def count_later(self, box: str | None, row_filter: RowFilter | None, edits: int, keep: PageKey | None,
                    cursor: int | None = None) -> None:
        """Count the list again, off the UI thread (a million rows take ~0.1 s, filtered up to ~1 s), and where the
        highlighted message is now."""
        if self.store is None or box is None:
            return
        try:
            total = self.store.count(box)
            count = self.store.view_count(box, row_filter) if row_filter is not None else total
            place = self.store.position(box, keep, row_filter) if keep is not None else None
        except sqlite3.OperationalError:
            return  # stopped: a newer count was asked for
        self.app.call_from_thread(self._counted, box, row_filter, edits, total, count, place, cursor)

    def _counted(self, box: str, row_filter: RowFilter | None, edits: int, total: int, count: int, place: int | None,
                 cursor: int | None) -> None:
        if (box, row_filter) != (self.box, self.row_filter) or edits != self.edits:
            return  # the list changed meanwhile: a newer count is on its way
        self.total = total
        self._forget()
        self._show_count(count, place if place is not None else (cursor if cursor is not None else 0))
        if place is not None:
            self.scroll_to_region(Region(0, place * self.ROW_HEIGHT, 1, self.ROW_HEIGHT), animate=False, force=True,
                                  immediate=True)

    # --- drawing -------------------------------------------------------------------------------------------------

    def render_row(self, index: int, line: int, width: int) -> Text:
        row = self.row(index)
        sender_width = max(min(SENDER_MOST, width // 3), 10)  # a third of the row: wide terminals show whole senders
        who = self._senders.get((row.id, sender_width))
        if who is None:
            if len(self._senders) > 4096:
                self._senders.clear()
            who = self._senders[(row.id, sender_width)] = sender(row.from_name, row.from_email, sender_width)
        strong = self.style_for("virtual-list--strong") if row.unread else None
        text = Text()
        text.append("●" if row.unread else " ", style="bold" if row.unread else "")
        text.append(f" {short_time(row.received_at, row.received_raw, self.clock()):>6} ",
                    style=self.style_for("virtual-list--dim"))
        text.append(who.ljust(sender_width), style=strong or "")
        text.append(f" {'+' + str(row.attachments) if row.attachments else '':>3} ",
                    style=self.style_for("virtual-list--dim"))
        text.append(one_line(row.subject, max(width, 40)) or "(no subject)", style=strong or "")
        text.truncate(width, overflow="ellipsis")  # a subject that does not fit ends in "…", not mid-word unsaid
        return text
