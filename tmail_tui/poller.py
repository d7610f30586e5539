"""When to poll which mailbox: a pure policy, no I/O, no clock of its own (so it can be tested and simulated).

The API has no push and no "since": every poll returns every message of one box and costs one request of a
monthly quota (50,000 documented, ~1.1 a minute on average). So:
- the box in view is polled fast (every 5 s) while it is fresh, when a verification mail is most likely;
  afterwards every 15 s while it stays in view; other live boxes every 60 s; expired boxes never;
- if spending runs ahead of the month's pace, intervals stretch in proportion;
- at zero remaining, nothing is polled until the reset, and then polling resumes by itself. A reset already past
  means the month has begun again: poll. A spent quota with no readable reset means "poll, carefully" (at the longest
  stretch). Nothing the headers say can stop polling for good: a stuck "quota used up" would hide the one mail the
  user waits for;
- a failure, of any kind, backs off exponentially with jitter, and the first success returns to the normal pace;
- a box out of view may be polled up to a sixth of its interval late (LATE_SHARE), so boxes share wake-ups: once
  the loop is awake for one box, every box already due is polled with it, back to back. Twenty boxes polled once a
  minute then cost one wake-up a minute, not twenty, and on an idle machine a wake-up, not the work done in it, is
  what costs (a thread asleep for a second runs its first milliseconds 10-25x slower than a busy one). Only ever
  later, never earlier: sharing wake-ups spends no more of the quota. The box in view and armed boxes keep their
  exact pace.

The reader, `tmail watch`, `tmail code` and every other loop use this one policy (through the watcher).
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field

from .api.models import Quota

FAST = 5.0
IN_VIEW = 15.0
BACKGROUND = 60.0
FRESH_FOR = 300.0  # seconds after creation during which the box in view is polled fast
MAX_BACKOFF = 300.0
MONTH = 30 * 86400.0
PACE_SLACK = 0.5  # throttle only once remaining budget falls below half of the pro-rata share
MAX_STRETCH = 60.0
LATE_SHARE = 1 / 6  # of its interval a box out of view may wait to share a wake-up with others (10 s of 60 s)


@dataclass
class BoxTimes:
    """What the policy needs to know about one box (derived from the stored box, plus this process's failures)."""

    address: str
    born: float  # created (or added) at, epoch seconds
    expires: float | None = None  # None: unknown (a box added by address)
    gone: bool = False  # the server said it is gone
    last_poll: float | None = None
    failures: int = 0
    retry_at: float | None = None  # set by a failure: no poll before this

    def expired(self, now: float) -> bool:
        return self.gone or (self.expires is not None and self.expires <= now)


def readable(quota: Quota | None, now: float) -> Quota | None:
    """The quota as far as it can be believed: negative counts are unreadable, and numbers from before a reset that
    has passed are old news (the month has begun again)."""
    if quota is None:
        return None
    remaining = quota.remaining if quota.remaining is not None and quota.remaining >= 0 else None
    limit = quota.limit if quota.limit is not None and quota.limit > 0 else None
    if quota.reset is not None and quota.reset.timestamp() <= now and remaining == 0:
        return Quota(limit=limit, used=None, remaining=None, reset=None, reset_raw="")
    return Quota(limit=limit, used=quota.used, remaining=remaining, reset=quota.reset, reset_raw=quota.reset_raw)


@dataclass
class NextPoll:
    """What the loop does next: poll `box` at its first wake-up from `due` on, and wake no later than `wake` (when
    the first box can wait no longer; every box due by then is polled in that wake-up)."""

    box: BoxTimes
    due: float
    wake: float

    def now(self, now: float, awake: bool) -> bool:
        """Poll `box` now? Yes once it is due, if the loop is awake anyway (a poll just ended) or cannot wait."""
        return self.due <= now and (awake or self.wake <= now)


@dataclass
class PollPolicy:
    fast: float = FAST
    in_view: float = IN_VIEW
    background: float = BACKGROUND
    fresh_for: float = FRESH_FOR
    rng: random.Random = field(default_factory=random.Random)

    def base_interval(self, box: BoxTimes, in_view: bool, now: float) -> float | None:
        if box.expired(now):
            return None
        if in_view:
            return self.fast if now - box.born < self.fresh_for else self.in_view
        return self.background

    def stretch(self, quota: Quota | None, now: float) -> float:
        """How much to stretch every interval to stay within the quota (see `paused_until` for a spent quota)."""
        quota = readable(quota, now)
        if quota is None or quota.remaining is None:
            return 1.0
        if quota.remaining <= 0:  # spent: a known reset pauses polling until then (paused_until); an unknown one
            return 1.0 if quota.reset is not None else MAX_STRETCH  # means poll now and then, carefully
        if quota.limit is None or quota.reset is None:
            return 1.0
        left = max(quota.reset.timestamp() - now, 1.0)
        fair_share = quota.limit * min(left / MONTH, 1.0)
        if quota.remaining >= PACE_SLACK * fair_share:
            return 1.0
        return min(PACE_SLACK * fair_share / quota.remaining, MAX_STRETCH)

    def paused_until(self, quota: Quota | None, now: float) -> float | None:
        """The reset time, while the quota is spent and the reset is still ahead; None when polling may go on."""
        quota = readable(quota, now)
        if quota is None or quota.remaining != 0 or quota.reset is None:
            return None
        reset = quota.reset.timestamp()
        return reset if reset > now else None

    def due_at(self, box: BoxTimes, in_view: bool, now: float, quota: Quota | None) -> float | None:
        """When this box should next be polled (None: not at all)."""
        window = self._window(box, in_view, now, self.stretch(quota, now), self.paused_until(quota, now))
        return None if window is None else window[0]

    def _window(self, box: BoxTimes, in_view: bool, now: float, stretch: float,
                paused: float | None) -> tuple[float, float] | None:
        """From when this box is due, and until when it may wait for a wake-up another box makes."""
        interval = self.base_interval(box, in_view, now)
        if interval is None:
            return None
        due = now if box.last_poll is None else box.last_poll + interval * stretch
        if box.retry_at is not None:
            due = max(due, box.retry_at)
        if paused is not None:
            due = max(due, paused)
        return due, due if in_view or box.last_poll is None else due + interval * stretch * LATE_SHARE

    def next_poll(self, boxes: list[BoxTimes], in_view: Collection[str], now: float,
                  quota: Quota | None) -> NextPoll | None:
        """The box to poll next, from when, and when the loop must wake at the latest. `in_view`: the boxes polled
        at the in-view pace (the one on screen, and any armed box waiting for a code): of the boxes due, they come
        first, so others sharing their wake-up never hold them up."""
        stretch, paused = self.stretch(quota, now), self.paused_until(quota, now)  # (the same for every box)
        windows = [(box, window) for box in boxes
                   if (window := self._window(box, box.address in in_view, now, stretch, paused)) is not None]
        if not windows:
            return None
        box, (due, _) = min(windows, key=lambda bw: (max(bw[1][0], now), bw[0].address not in in_view, bw[1][0]))
        return NextPoll(box, due, min(latest for _, (_, latest) in windows))

    def look_every(self, boxes: list[BoxTimes], in_view: Collection[str], now: float) -> float:
        """Seconds between looks at the store for what other processes fetched: the pace of the box in view (or
        an armed one), 5 s while it is fresh and 15 s after, so their mail shows as soon as this process's own
        polls would have shown it. No faster: a wake-up costs (see LATE_SHARE)."""
        paces = (self.base_interval(box, True, now) for box in boxes if box.address in in_view)
        return min(filter(None, paces), default=self.in_view)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the n-th failure in a row: 5, 10, 20 ... up to 5 minutes, with ±20% jitter."""
        return min(self.fast * 2 ** max(failures - 1, 0), MAX_BACKOFF) * self.rng.uniform(0.8, 1.2)

    def record_success(self, box: BoxTimes, now: float) -> None:
        box.last_poll, box.failures, box.retry_at = now, 0, None

    def record_failure(self, box: BoxTimes, now: float) -> float:
        """Note a failed poll; returns how long until the next try. A spent quota waits for its reset by itself
        (`paused_until`), so a failure never has to know about the quota."""
        box.failures += 1
        wait = self.backoff(box.failures)
        box.retry_at = now + wait
        return wait
