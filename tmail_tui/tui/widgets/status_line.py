"""The status line: the current problem (until it is over), a paused quota, the last and next check, the quota.

Its state is reactive attributes set by the screen as the watcher reports; the line repaints when one changes, and a
one-second timer repaints it only while a countdown is on it (and only when the text really changed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...api.models import Quota
from ...formatting import duration
from ...sanitize import one_line


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    problem: reactive[str] = reactive("")
    paused_until: reactive[float | None] = reactive(None)
    last_poll: reactive[float | None] = reactive(None)
    next_poll: reactive[float | None] = reactive(None)
    checking: reactive[bool] = reactive(False)
    quota: reactive[Quota | None] = reactive(None)
    slowed: reactive[bool] = reactive(False)  # the pace is stretched to make the quota last

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self.next_poll is not None or self.paused_until is not None or self.quota is not None:
            if self._line() != self._shown:  # an unchanged line is not repainted
                self.refresh()

    def render(self) -> Text:
        self._shown = self._line()
        return self._shown

    def _line(self) -> Text:
        now = self.clock()
        text = Text()
        if self.problem:
            text.append("⚠ " + one_line(self.problem, 160) + "  ", style="bold red")
        if self.paused_until is not None:
            reset = datetime.fromtimestamp(self.paused_until).strftime("%Y-%m-%d %H:%M")
            text.append(f"Quota used up: checking resumes at {reset}  ", style="bold yellow")
        if self.checking:
            text.append("checking…")
        elif self.last_poll is not None:
            text.append(f"checked {datetime.fromtimestamp(self.last_poll).strftime('%H:%M:%S')}")
        else:
            text.append("not checked yet")
        if self.next_poll is not None and self.paused_until is None and not self.checking:
            text.append(f" · next in {max(round(self.next_poll - now), 0)}s")
            if self.slowed:
                text.append(" (slowed: quota low)", style="yellow")
        quota = self.quota
        if quota is not None and quota.remaining is not None and quota.remaining >= 0:
            of = f" of {quota.limit:,}" if quota.limit else ""
            text.append(f" · quota {quota.remaining:,}{of} left")
            if quota.reset is not None and quota.reset.timestamp() > now:
                text.append(f", resets in {duration(quota.reset.timestamp() - now)}")
        return text
