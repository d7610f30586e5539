"""The status line: last and next poll, quota remaining and reset, and the current connection problem if any."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from ...api.models import Quota
from ...formatting import duration
from ...sanitize import one_line


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.clock = clock
        self.last_poll: float | None = None
        self.next_poll: float | None = None
        self.quota: Quota | None = None
        self.problem = ""
        self.paused = ""
        self._shown: Text | None = None

    def compose_text(self) -> Text:
        now = self.clock()
        text = Text()
        if self.problem:
            text.append("⚠ " + one_line(self.problem, 120) + "  ", style="bold red")
        if self.paused:
            text.append(one_line(self.paused, 100) + "  ", style="bold yellow")
        if self.last_poll is not None:
            text.append(f"checked {datetime.fromtimestamp(self.last_poll).strftime('%H:%M:%S')}")
        else:
            text.append("not checked yet")
        if self.next_poll is not None and not self.paused:
            text.append(f" · next in {max(int(self.next_poll - now), 0)}s")
        quota = self.quota
        if quota is not None and quota.remaining is not None:
            of = f" of {quota.limit:,}" if quota.limit else ""
            text.append(f" · quota {quota.remaining:,}{of} left")
            if quota.reset is not None:
                text.append(f", resets in {duration(quota.reset.timestamp() - now)}")
        return text

    def refresh_status(self) -> None:
        text = self.compose_text()
        if text != self._shown:  # an unchanged line is not repainted
            self._shown = text
            self.update(text)
