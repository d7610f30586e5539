"""The message list: one line per message (unread mark, time, sender, attachments, subject), filterable.

Rows come from the store as light summaries (no bodies); only visible lines are drawn. A big box shows its newest
rows at once (`show(first, total)`); the rest are loaded only when wanted (a placeholder row comes into view, or a
filter is typed: `MoreWanted`), then given with `finish(all)`. A poll that brings one message inserts one row; one that
brings nothing touches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from rich.text import Text
from textual.message import Message

from ...formatting import sender, short_time
from ...sanitize import one_line
from ...store import Summary
from .virtual_list import VirtualList


def _sort_key(row: Summary) -> float:
    return -(row.received_ts if row.received_ts is not None else float("-inf"))


class MessageList(VirtualList):
    class MoreWanted(Message):
        """Rows not loaded yet are wanted: load them all and call `finish`."""

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.box: str | None = None  # the mailbox whose rows these are
        self.all_rows: list[Summary] = []
        self.rows: list[Summary] = []  # what is shown: all_rows through the filter
        self.filter_text = ""
        self.total = 0  # rows in the box, loaded or not
        self.edits = 0  # changes since show(): a full load read before them is stale
        self._wanted = False  # MoreWanted was posted since show()
        self._senders: dict[tuple[str, int], str] = {}

    @property
    def selected(self) -> Summary | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _matches(self, row: Summary) -> bool:
        needle = self.filter_text
        return not needle or needle in row.subject.lower() or needle in row.from_name.lower() \
            or needle in row.from_email.lower()

    @property
    def complete(self) -> bool:
        return len(self.all_rows) >= self.total

    def show_box(self, address: str | None) -> None:
        """Another box is selected: its rows are being read (`show` follows); rows reported meanwhile are kept."""
        self.box = address
        self.show([])

    def show(self, rows: list[Summary], total: int | None = None) -> None:
        """Every row of the box (`rows` are the newest `total`, or all of them), and any row `upsert` added since
        `show_box` that the read missed."""
        known = {r.id for r in rows}
        extra = [r for r in self.all_rows if r.id not in known]
        self.all_rows = sorted(extra + rows, key=_sort_key) if extra else rows
        self.total = len(self.all_rows) if total is None else max(total + len(extra), len(self.all_rows))
        self.edits = 0
        self._wanted = False
        self._senders.clear()
        self._apply(None)

    def finish(self, rows: list[Summary]) -> None:
        """Every row of the box, after `show` gave the first ones. The cursor stays where it is."""
        keep, index = (self.selected.id if self.selected else None), self.cursor
        self.all_rows = rows
        self.total = len(rows)
        self._apply(keep, index)

    def want_more(self) -> None:
        if not self.complete and not self._wanted:
            self._wanted = True
            self.post_message(self.MoreWanted())

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        if self.filter_text:
            self.want_more()  # a filter searches every row
        self._apply(self.selected.id if self.selected else None)

    def _apply(self, keep: str | None, index: int = 0) -> None:
        self.rows = [r for r in self.all_rows if self._matches(r)] if self.filter_text else list(self.all_rows)
        if keep:
            index = next((i for i, r in enumerate(self.rows) if r.id == keep), 0)
        # Until every row is loaded, the unfiltered list counts the rest too (drawn as placeholders).
        count = len(self.rows) if self.filter_text else len(self.rows) + self.total - len(self.all_rows)
        self.set_row_count(count, cursor=index)
        self.border_subtitle = f"{len(self.rows)} of {self.total}" if self.filter_text else ""

    def upsert(self, rows: Iterable[Summary]) -> None:
        """New or changed messages from a poll: update those rows only. A highlight on the top row follows the
        newest mail (watching a box for a code, the code is where the highlight is); anywhere else it stays with
        its message."""
        self.edits += 1
        keep = self.selected.id if self.selected and self.cursor > 0 else None
        by_id = {r.id: i for i, r in enumerate(self.all_rows)}
        new: list[Summary] = []
        for row in rows:
            if row.id in by_id:
                self.all_rows[by_id[row.id]] = row
                shown = next((i for i, r in enumerate(self.rows) if r.id == row.id), None)
                if shown is not None:
                    self.rows[shown] = row
                    self.refresh_row(shown)
            elif self.complete or not self.all_rows or _sort_key(row) <= _sort_key(self.all_rows[-1]):
                new.append(row)
            # else: it belongs to the rows not loaded yet, and the load will bring it.
        if new:
            # New rows go first so that, among equal times, the one fetched last shows on top (as the store sorts).
            self.all_rows = new + self.all_rows
            self.all_rows.sort(key=_sort_key)
            self.total += len(new)
            self._apply(keep, self.cursor)

    def remove(self, message_id: str) -> None:
        self.edits += 1
        before = len(self.all_rows)
        self.all_rows = [r for r in self.all_rows if r.id != message_id]
        self.total -= before - len(self.all_rows)
        self._apply(None, self.cursor)

    def mark_read(self, message_id: str) -> None:
        self.edits += 1
        for i, row in enumerate(self.rows):
            if row.id == message_id and row.unread:
                self.rows[i] = row._replace(unread=False)
                self.all_rows = [self.rows[i] if r.id == message_id else r for r in self.all_rows]
                self.refresh_row(i)

    def render_row(self, index: int, line: int, width: int) -> Text:
        if index >= len(self.rows):
            self.want_more()
            return Text("  …", style=self.style_for("virtual-list--dim"))  # not loaded yet
        row = self.rows[index]
        sender_width = max(min(32, width // 3), 10)
        who = self._senders.get((row.id, sender_width))
        if who is None:
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
        return text
