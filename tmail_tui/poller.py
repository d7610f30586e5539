"""When to poll which mailbox: a pure policy, no I/O, no clock of its own (so it can be tested and simulated).

The API has no push and no "since": every poll returns every message of one box and costs one request of a
monthly quota (50,000 documented, ~1.1 a minute on average). So:
- the box in view is polled fast (every 5 s) while it is fresh, when a verification mail is most likely;
  afterwards every 15 s while it stays in view; other live boxes every 60 s; expired boxes never;
- if spending runs ahead of the month's pace, intervals stretch in proportion; at zero remaining, nothing is polled
  until the reset;
- a failure backs off exponentially with jitter, and the first success returns to the normal pace.
"""

from __future__ import annotations

import random
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


@dataclass
class BoxTimes:
    """What the policy needs to know about one box."""

    address: str
    born: float  # created (or added) at, epoch seconds
    expires: float | None = None  # None: unknown (a box added by address)
    gone: bool = False  # the server said 404
    last_poll: float | None = None
    failures: int = 0
    retry_at: float | None = None  # set by a failure: no poll before this

    def expired(self, now: float) -> bool:
        return self.gone or (self.expires is not None and self.expires <= now)


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

    def stretch(self, quota: Quota | None, now: float) -> float | None:
        """How much to stretch every interval to stay within the quota; None means stop until the reset."""
        if quota is None or quota.remaining is None:
            return 1.0
        if quota.remaining <= 0:
            return None
        if quota.limit is None or quota.reset is None:
            return 1.0
        left = max(quota.reset.timestamp() - now, 1.0)
        fair_share = quota.limit * min(left / MONTH, 1.0)
        if quota.remaining >= PACE_SLACK * fair_share:
            return 1.0
        return min(PACE_SLACK * fair_share / quota.remaining, MAX_STRETCH)

    def due_at(self, box: BoxTimes, in_view: bool, now: float, quota: Quota | None) -> float | None:
        """When this box should next be polled (None: not at all)."""
        interval = self.base_interval(box, in_view, now)
        stretch = self.stretch(quota, now)
        if interval is None or stretch is None:
            return None
        due = now if box.last_poll is None else box.last_poll + interval * stretch
        if box.retry_at is not None:
            due = max(due, box.retry_at)
        return due

    def next_poll(self, boxes: list[BoxTimes], in_view: str | None, now: float,
                  quota: Quota | None) -> tuple[BoxTimes, float] | None:
        """The box to poll next and when; the one in view wins a tie."""
        best: tuple[BoxTimes, float] | None = None
        for box in boxes:
            due = self.due_at(box, box.address == in_view, now, quota)
            if due is None:
                continue
            if best is None or due < best[1] or (due == best[1] and box.address == in_view):
                best = (box, due)
        return best

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the n-th failure in a row: 5, 10, 20 ... up to 5 minutes, with ±20% jitter."""
        return min(self.fast * 2 ** max(failures - 1, 0), MAX_BACKOFF) * self.rng.uniform(0.8, 1.2)

    def record_success(self, box: BoxTimes, now: float) -> None:
        box.last_poll, box.failures, box.retry_at = now, 0, None

    def record_failure(self, box: BoxTimes, now: float, quota_reset: float | None = None) -> float:
        """Note a failed poll; returns how long until the next try."""
        box.failures += 1
        wait = self.backoff(box.failures)
        if quota_reset is not None and quota_reset > now:
            wait = max(wait, quota_reset - now)
        box.retry_at = now + wait
        return wait
