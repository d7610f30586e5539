"""A month of a heavy user, on a fake clock: 20 boxes a day, each watched (in view) until it expires.

Counts requests against the 50,000 monthly quota, and how long new mail waits to be seen while its box is fresh
and in view. Pure policy: no network, no Textual.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone

from tmail_tui.api.models import Quota
from tmail_tui.poller import BoxTimes, PollPolicy

DAY = 86400
TTL = 600


@dataclass
class SimResult:
    requests: int
    limit: int
    worst_fresh_delay: float
    mails: int


def simulate(days: int = 30, boxes_per_day: int = 20, limit: int = 50_000, seed: int = 1) -> SimResult:
    rng = random.Random(seed)
    policy = PollPolicy(rng=random.Random(seed))
    start = datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp()
    reset = datetime.fromtimestamp(start + days * DAY, timezone.utc)
    used = 0
    worst = 0.0
    mails = 0
    for day in range(days):
        for k in range(boxes_per_day):
            born = start + day * DAY + 8 * 3600 + k * 1800  # one every half hour from 08:00
            used += 1  # creating it
            box = BoxTimes("box", born=born, expires=born + TTL)
            arrivals = sorted(born + rng.uniform(5, 240) for _ in range(2))  # mail comes soon after sign-up
            pending = list(arrivals)
            now = born
            while now < born + TTL:
                quota = Quota(limit=limit, used=used, remaining=max(limit - used, 0), reset=reset)
                due = policy.due_at(box, True, now, quota)
                if due is None:
                    break
                now = max(due, now)
                if now >= born + TTL:
                    break
                used += 1
                policy.record_success(box, now)
                while pending and pending[0] <= now:
                    arrived = pending.pop(0)
                    if arrived - born < policy.fresh_for:
                        worst = max(worst, now - arrived)
                    mails += 1
    return SimResult(used, limit, worst, mails)
