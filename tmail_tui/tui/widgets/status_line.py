"""The status line: the current problem (until it is over), a paused quota, the last and next check, the quota.

Its state is one `LineState`, changed by the screen through `show(field=...)` as the watcher reports; the line
repaints when its text changes, and only then (issue 12: idle is cheap). Plain fields, not Textual reactives: a
poll's end changes three or four of them at once, and one call builds the line once, where each reactive set ran
Textual's watchers and built it again. A repaint of this one line costs ~1.5 ms of Textual's compositor, so the line
holds no per-second countdown: it says when the next check is due as a time of day ("next 14:02:31"), which stays
true until the schedule changes, and a poll repaints it once, when it is over. "checking…" shows only for a poll the
watcher calls slow (`PollSlow`, after a second: a slow network, a big box): a quick poll would only flash it. The
fields a poll changes (checked, next, quota) are set together, from one message (tui/watching.py), and Textual
paints the line once for all of them. What moves with the clock (the quota's reset: "resets in 9m 05s" moves every
second in its last hour, "2d 14h" hourly) wakes the line when it moves, by a timer set for that moment: no timer
ticks every second (a Textual timer's tick costs ~0.2 ms doing nothing).
A change repaints only if it changes the text: the screen shows the box in view's checks, not every box's, and the
quota is counted in thousands while over a thousand are left ("49.8k of 50k"), so the poll of a box in the
background, which spends one request of the quota, moves nothing on the line (and sets no timer). The timer is
the event loop's own (`call_later`), not Textual's: a Textual timer is a task, a message and an inspection of the
callback's signature each time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widget import Widget

from ...api.models import Quota
from ...formatting import duration, duration_changes_in
from ...sanitize import one_line


@dataclass(frozen=True)
class LineState:
    """What the line speaks of."""

    problem: str = ""
    paused_until: float | None = None  # the quota is used up: checking resumes then
    last_poll: float | None = None  # of the box in view
    next_poll: float | None = None
    checking: bool = False  # a slow poll of the box in view is under way
    quota: Quota | None = None
    slowed: bool = False  # the pace is stretched to make the quota last


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.state = LineState()
        self._reset_shown: str | None = None  # the quota's reset as the line says it ("": not at all); None: not drawn
        self._drawn = ""  # the text last drawn
        self._wake: asyncio.TimerHandle | None = None  # set for when the clock next moves the line

    def on_unmount(self) -> None:
        if self._wake is not None:
            self._wake.cancel()

    def show(self, **changes: Any) -> None:
        """Change some of the line's fields (`LineState`'s names); it repaints if its text changed."""
        self.state = replace(self.state, **changes)
        self._changed()

    def _changed(self) -> None:
        if self._reset_shown is not None and self._line().plain != self._drawn:  # (not drawn yet: the first render)
            self.refresh()

    def _tick(self) -> None:
        if self._reset_shown is None:
            return  # not drawn yet: the first render sets the wake
        now = self.clock()
        if self._reset_text(now) != self._reset_shown:
            self._changed()  # the render sets the next wake
        else:
            self._wake_when_moving(now)

    def _reset_text(self, now: float) -> str:
        """The part of the line that moves with the clock: how long until the quota resets."""
        reset = self._reset_at()
        return duration(reset - now) if reset is not None and reset > now else ""

    def _reset_at(self) -> float | None:
        quota = self.state.quota
        return quota.reset.timestamp() if quota is not None and quota.reset is not None else None

    def _wake_when_moving(self, now: float) -> None:
        """Set the wake for the next moment the clock changes the line (when the quota's reset reads otherwise)."""
        if self._wake is not None:
            self._wake.cancel()
        self._wake = None
        reset = self._reset_at()
        if reset is not None and reset > now:
            self._wake = asyncio.get_running_loop().call_later(duration_changes_in(reset - now) + 0.02, self._tick)

    def render(self) -> Text:
        line = self._line()
        self._drawn = line.plain
        self._wake_when_moving(self.clock())
        return line

    def _line(self) -> Text:
        state, reset = self.state, self._reset_text(self.clock())
        self._reset_shown = reset
        text = Text()
        if state.problem:
            text.append("⚠ " + one_line(state.problem, 160) + "  ", style="bold red")
        if state.paused_until is not None:
            resumes = datetime.fromtimestamp(state.paused_until).strftime("%Y-%m-%d %H:%M")
            text.append(f"Quota used up: checking resumes at {resumes}  ", style="bold yellow")
        if state.checking:
            text.append("checking…")
        elif state.last_poll is not None:
            text.append(f"checked {datetime.fromtimestamp(state.last_poll).strftime('%H:%M:%S')}")
        else:
            text.append("not checked yet")
        if state.next_poll is not None and state.paused_until is None and not state.checking:
            # A time of day, not a countdown: it stays true, so the line needs no repaint every second.
            text.append(f" · next {datetime.fromtimestamp(state.next_poll).strftime('%H:%M:%S')}")
            if state.slowed:
                text.append(" (slowed: quota low)", style="yellow")
        left = quota_left(state.quota)
        if left:
            text.append(f" · quota {left}")
            if reset:
                text.append(f", resets in {reset}")
        return text


def quota_left(quota: Quota | None) -> str:
    """The quota as the line says it ("49.8k of 50k left"; "" when unknown): a request spent while over a thousand
    are left usually changes nothing here, and then a poll of a box out of view shows nothing at all."""
    if quota is None or quota.remaining is None or quota.remaining < 0:
        return ""
    of = f" of {count(quota.limit)}" if quota.limit else ""
    return f"{count(quota.remaining)}{of} left"


def count(requests: int) -> str:
    """A number of requests as the line says it: exact below a thousand, where every one counts; above, in thousands
    or millions, rounded down (never more than is left)."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if requests >= size:
            tenths = requests * 10 // size
            return f"{tenths // 10}{unit}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}{unit}"
    return f"{requests:,}"
