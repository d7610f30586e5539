"""The sidebar: one two-line row per mailbox (address; unread count and time left). Expired boxes are greyed."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text

from ...formatting import time_left
from ...sanitize import one_line
from ...store import StoredBox
from .virtual_list import VirtualList


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

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    @property
    def selected(self) -> StoredBox | None:
        return self.boxes[self.cursor] if 0 <= self.cursor < len(self.boxes) else None

    def tick(self) -> None:
        """The countdowns moved on: repaint the detail line of a live box only when its text changed (a box with
        hours left changes once a minute), and nothing else: an idle sidebar costs a comparison a second."""
        now = self.clock()
        top, bottom = self.scroll_offset.y // self.ROW_HEIGHT, (self.scroll_offset.y + self.size.height) // 2 + 1
        for index, box in enumerate(self.boxes[top:bottom], start=top):
            if box.expire_at is not None and not box.is_expired(now - 1):
                if self._details.get(box.address) != self._detail(box):
                    self.refresh_row(index)

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
