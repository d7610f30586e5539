"""The sidebar: one two-line row per mailbox (address; unread count and time left). Expired boxes are greyed.

The time left counts down, and only its own row repaints when its text changes (a box with hours left changes once
a minute, with days left hourly). No timer runs every second (a Textual timer's tick costs ~0.2 ms even when it does
nothing): each drawn row says when its text will next change, and the sidebar is woken then (WAKE_SLACK later at
most), so an idle sidebar of long-lived boxes wakes once a minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer

from ...formatting import duration_changes_in, time_left
from ...sanitize import one_line
from ...store import StoredBox
from .virtual_list import VirtualList

WAKE_SLACK = 0.25  # seconds a row's new text may wait for a wake already set for another row


class MailboxList(VirtualList):
    ROW_HEIGHT = 2
    DEFAULT_CSS = """
    MailboxList > .virtual-list--dim { color: $text-disabled; }
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.boxes: list[StoredBox] = []
        self._armed: dict[str, str] = {}  # address -> what the armed box waits for, in words
        self._labels: dict[str, str] = {}  # address -> the user's note on the box (`L`)
        self.clock = clock
        self.border_title = "Mailboxes"
        self._details: dict[str, str] = {}  # each box's detail line as last drawn
        self._wake: Timer | None = None  # the tick, set for when the first drawn row's text changes
        self._wake_at = math.inf  # (by the widget's clock)

    def show(self, boxes: list[StoredBox], select: str | None = None) -> None:
        """Replace the rows; keep the cursor on `select` (or on the box it was on)."""
        current = select or (self.selected.address if self.selected else None)
        self.boxes = boxes
        index = next((i for i, b in enumerate(boxes) if b.address == current), self.cursor)
        self.set_row_count(len(boxes), cursor=index)

    @property
    def armed(self) -> dict[str, str]:
        return self._armed

    @armed.setter
    def armed(self, armed: dict[str, str]) -> None:
        """Boxes armed (`A`) and what each waits for: their rows say so."""
        self._armed = dict(armed)
        self.refresh_all_rows()

    @property
    def labels(self) -> dict[str, str]:
        return self._labels

    @labels.setter
    def labels(self, labels: dict[str, str]) -> None:
        """The boxes' labels (what each address was given to): shown on their second line."""
        if labels != self._labels:
            self._labels = dict(labels)
            self.refresh_all_rows()

    def update_box(self, box: StoredBox) -> None:
        """One box's counts or state changed: redraw its row only."""
        for index, shown in enumerate(self.boxes):
            if shown.address == box.address:
                self.boxes[index] = box
                self.refresh_row(index)

    @property
    def selected(self) -> StoredBox | None:
        return self.boxes[self.cursor] if 0 <= self.cursor < len(self.boxes) else None

    def tick(self) -> None:
        """A countdown moved on: repaint the detail line of a live box only when its text changed, and nothing
        else. Each row still counting down sets the next wake (a repainted one when it is drawn)."""
        if self._wake is not None:
            self._wake.stop()  # (the timer that called, or one a direct call makes useless)
        self._wake, self._wake_at = None, math.inf
        now = self.clock()
        top, bottom = self.scroll_offset.y // self.ROW_HEIGHT, (self.scroll_offset.y + self.size.height) // 2 + 1
        for index, box in enumerate(self.boxes[top:bottom], start=top):
            if box.expire_at is not None and not box.is_expired(now - 1):
                if self._details.get(box.address) != self._detail(box):
                    self.refresh_row(index)
                else:
                    self._wake_by(box, now)

    def _wake_by(self, box: StoredBox, now: float) -> None:
        """Be woken when this drawn box's time left shows another text."""
        left = box.seconds_left(now)
        if left is None or left <= 0:
            return
        at = now + duration_changes_in(left)
        if at < self._wake_at - WAKE_SLACK:
            if self._wake is not None:
                self._wake.stop()
            self._wake, self._wake_at = self.set_timer(at - now + 0.02, self.tick), at

    def render_row(self, index: int, line: int, width: int) -> Text:
        box = self.boxes[index]
        expired = box.is_expired(self.clock())
        dim = self.style_for("virtual-list--dim")
        if line == 0:
            count = f" {box.unread}" if box.unread else ""
            address = one_line(box.address)
            room = max(width - len(count) - 1, 4)
            if len(address) > room:
                address = address[: room - 1] + "…"
            text = Text(" " + address, style=dim if expired else "")
            if box.unread and not expired:
                text.stylize(self.style_for("virtual-list--strong"))
            text.append(" " * max(width - text.cell_len - len(count), 0))
            text.append(count, style=self.style_for("virtual-list--strong"))
            return text
        detail = self._details[box.address] = self._detail(box)
        self._wake_by(box, self.clock())
        text = Text("   ", no_wrap=True, overflow="ellipsis")
        waiting = self._armed.get(box.address)
        if waiting:  # armed: what it waits for comes first
            text.append("⚑ ", style="bold")
            text.append(f"{one_line(waiting, 60)} · ", style=self.style_for("virtual-list--strong"))
        label = self._labels.get(box.address)
        if label:
            text.append(f"{one_line(label, 40)} · ", style=self.style_for("virtual-list--strong"))
        if text.cell_len + len(detail) > width:  # a narrow sidebar: the short form ("5 msgs · 9m 53s")
            detail = self._detail(box, short=True)
        text.append(detail, style=dim)
        text.truncate(width, overflow="ellipsis")  # a narrow sidebar cuts with an ellipsis, never mid-word silently
        return text

    def _detail(self, box: StoredBox, short: bool = False) -> str:
        """The count and the time left, as the second line shows them."""
        left = time_left(box.seconds_left(self.clock()), box.gone_at is not None)
        noun = ("msg" if short else "message") + ("s" if box.total != 1 else "")
        detail = f"{box.total} {noun} · {left}"
        if not short and not box.is_expired(self.clock()) and box.seconds_left(self.clock()) is not None:
            detail += " left"
        return detail
