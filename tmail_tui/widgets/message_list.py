"""The message list: one line per message (unread mark, time, sender, attachments, subject), filterable.

Rows come from the store as light summaries (no bodies), so 10,000 messages load quickly; only visible lines are
drawn. A poll that brings one message inserts one row; one that brings nothing touches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from rich.text import Text

from ..formatting import sender, short_time
from ..sanitize import one_line
from ..store import Summary
from .virtual_list import VirtualList


def _sort_key(row: Summary) -> float:
    return -(row.received_ts if row.received_ts is not None else float("-inf"))


class MessageList(VirtualList):
    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.all_rows: list[Summary] = []
        self.rows: list[Summary] = []  # what is shown: all_rows through the filter
        self.filter_text = ""
        self._senders: dict[tuple[str, int], str] = {}

    @property
    def selected(self) -> Summary | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _matches(self, row: Summary) -> bool:
        needle = self.filter_text
        return not needle or needle in row.subject.lower() or needle in row.from_name.lower() \
            or needle in row.from_email.lower()

    def show(self, rows: list[Summary], keep: str | None = None) -> None:
        """Replace every row (a new box was selected)."""
        self.all_rows = rows
        self._senders.clear()
        self._apply(keep)

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._apply(self.selected.id if self.selected else None)

    def _apply(self, keep: str | None) -> None:
        self.rows = [r for r in self.all_rows if self._matches(r)] if self.filter_text else list(self.all_rows)
        index = next((i for i, r in enumerate(self.rows) if r.id == keep), 0) if keep else 0
        self.set_row_count(len(self.rows), cursor=index)
        self.border_subtitle = f"{len(self.rows)} of {len(self.all_rows)}" if self.filter_text else ""

    def upsert(self, rows: Iterable[Summary]) -> None:
        """New or changed messages from a poll: update those rows only."""
        keep = self.selected.id if self.selected else None
        by_id = {r.id: i for i, r in enumerate(self.all_rows)}
        new: list[Summary] = []
        for row in rows:
            if row.id in by_id:
                self.all_rows[by_id[row.id]] = row
                shown = next((i for i, r in enumerate(self.rows) if r.id == row.id), None)
                if shown is not None:
                    self.rows[shown] = row
                    self.refresh_row(shown)
            else:
                new.append(row)
        if new:
            # New rows go first so that, among equal times, the one fetched last shows on top (as the store sorts).
            self.all_rows = new + self.all_rows
            self.all_rows.sort(key=_sort_key)
            self._apply(keep)

    def remove(self, message_id: str) -> None:
        keep_index = self.cursor
        self.all_rows = [r for r in self.all_rows if r.id != message_id]
        self.rows = [r for r in self.rows if r.id != message_id]
        self.set_row_count(len(self.rows), cursor=keep_index)

    def mark_read(self, message_id: str) -> None:
        for i, row in enumerate(self.rows):
            if row.id == message_id and row.unread:
                self.rows[i] = replace(row, unread=False)
                self.all_rows = [self.rows[i] if r.id == message_id else r for r in self.all_rows]
                self.refresh_row(i)

    def render_row(self, index: int, line: int, width: int) -> Text:
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
