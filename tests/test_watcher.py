"""The poll loop shared by the reader and the command line: pacing (quota, back-off), what counts as gone, and
"new" that is right for every process sharing one store."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx

from tmail_tui import watcher as watcher_module
from tmail_tui.api import TempMailClient
from tmail_tui.api.models import Mailbox, Message, Quota
from tmail_tui.poller import LATE_SHARE, MAX_STRETCH, BoxTimes, PollPolicy
from tmail_tui.store import Store, StoreError
from tmail_tui.watcher import (
    BoxesChanged,
    BoxGone,
    MailArrived,
    MailStored,
    PollFailed,
    PollLeft,
    PollSlow,
    PollSucceeded,
    Scheduled,
    Watcher,
)

from .conftest import KEY

BOX = "box@quickbox.test"
NOW = 1_800_000_000.0


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW + seconds, timezone.utc)


# --- the policy ------------------------------------------------------------------------------------------------------

def policy() -> PollPolicy:
    return PollPolicy(rng=random.Random(1))


def test_a_spent_quota_pauses_until_its_reset_then_polling_resumes():
    box = BoxTimes(BOX, born=NOW - 1000, last_poll=NOW - 100)
    spent = Quota(limit=50_000, used=50_000, remaining=0, reset=at(600))
    assert policy().paused_until(spent, NOW) == NOW + 600
    assert policy().due_at(box, True, NOW, spent) == NOW + 600
    assert policy().due_at(box, True, NOW + 601, spent) <= NOW + 601  # the reset passed: poll now


def test_a_reset_in_the_past_or_unreadable_never_stops_polling():
    box = BoxTimes(BOX, born=NOW - 1000, last_poll=NOW - 100)
    past = Quota(limit=50_000, remaining=0, reset=at(-60))
    assert policy().paused_until(past, NOW) is None
    assert policy().due_at(box, True, NOW, past) <= NOW
    unknown_reset = Quota(limit=50_000, remaining=0, reset=None)
    assert policy().stretch(unknown_reset, NOW) == MAX_STRETCH  # carefully, but on
    assert policy().due_at(box, True, NOW, unknown_reset) is not None
    nonsense = Quota(limit=-1, remaining=-7, reset=None)
    assert policy().stretch(nonsense, NOW) == 1.0 and policy().paused_until(nonsense, NOW) is None


def test_a_quota_spent_faster_than_the_month_stretches_the_pace():
    box = BoxTimes(BOX, born=NOW - 1000, last_poll=NOW)
    plenty = Quota(limit=50_000, remaining=40_000, reset=at(15 * 86400))
    scarce = Quota(limit=50_000, remaining=50, reset=at(20 * 86400))
    assert policy().due_at(box, True, NOW, plenty) == NOW + 15
    assert policy().due_at(box, True, NOW, scarce) == NOW + 15 * MAX_STRETCH


def test_boxes_out_of_view_share_wake_ups_and_none_is_polled_early_or_much_late():
    """Twenty boxes, one in view, their first polls spread over 20 s (as at start-up), and half an hour of the poll
    loop as the watcher runs it: once awake, every box already due is polled with the one that woke it."""
    boxes = [BoxTimes(f"b{n}@quickbox.test", born=NOW - 3600, last_poll=NOW + n) for n in range(20)]
    view = {boxes[0].address}
    pace = policy()
    polls: dict[str, list[float]] = {box.address: [box.last_poll] for box in boxes}
    now, awake, wakes = NOW + 20, False, 0
    while now < NOW + 1800:
        choice = pace.next_poll(boxes, view, now, None)
        if choice.now(now, awake):
            pace.record_success(choice.box, now)
            polls[choice.box.address].append(now)
            now, awake = now + 0.05, True  # (a poll takes a moment)
        else:
            now, awake, wakes = max(choice.wake, now), False, wakes + 1
    in_view = polls[boxes[0].address][1:]  # (from the first poll of the loop)
    assert max(b - a for a, b in zip(in_view, in_view[1:])) <= 15.01  # the box in view keeps its exact pace
    for box in boxes[1:]:
        gaps = [b - a for a, b in zip(polls[box.address], polls[box.address][1:])]
        assert len(gaps) >= 25 and min(gaps) >= 60 and max(gaps) <= 60 * (1 + LATE_SHARE) + 1
    # Alone, each would wake the loop: 120 wakes for the box in view and 19 x ~29 for the others.
    assert wakes <= 120 + 30


def test_the_store_is_looked_at_the_pace_of_the_box_in_view():
    fresh = BoxTimes(BOX, born=NOW - 60, last_poll=NOW)
    older = BoxTimes("old@quickbox.test", born=NOW - 3600, last_poll=NOW)
    gone = BoxTimes("gone@quickbox.test", born=NOW - 60, last_poll=NOW, gone=True)
    boxes = [fresh, older, gone]
    assert policy().look_every(boxes, {BOX}, NOW) == 5
    assert policy().look_every(boxes, {older.address}, NOW) == 15
    assert policy().look_every(boxes, {older.address, BOX}, NOW) == 5  # an armed fresh box
    assert policy().look_every(boxes, set(), NOW) == 15
    assert policy().look_every(boxes, {gone.address}, NOW) == 15


def test_failures_back_off_and_are_capped():
    waits = [policy().backoff(n) for n in range(1, 12)]
    assert waits[0] < waits[3] < waits[6] and max(waits) <= 300 * 1.2


# --- the watcher against a scripted server --------------------------------------------------------------------------

class Server:
    """A MockTransport that serves one box's messages and can be told to fail."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.polls = 0
        self.answers: list[httpx.Response] = []  # served first, one per request
        self.delay = 0.0  # seconds each poll's answer takes
        self.quota = {"X-RateLimit-Limit": "50000", "X-RateLimit-Remaining": "49000",
                      "X-RateLimit-Reset": at(20 * 86400).isoformat()}

    def deliver(self, n: int, subject: str = "") -> None:
        self.messages.append({"id": f"m{n}", "to": BOX, "subject": subject or f"message {n}",
                              "receivedAt": f"2026-06-28 09:{n % 60:02d}:00", "html": False, "content": "hi"})

    def client(self) -> TempMailClient:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/messages":
                self.polls += 1
                time.sleep(self.delay)
            if self.answers:
                return self.answers.pop(0)
            if request.url.path == "/api/domains":
                return httpx.Response(200, json={"status": True, "data": {"domains": []}}, headers=self.quota)
            return httpx.Response(200, content=json.dumps({"status": True, "messages": self.messages}),
                                  headers=self.quota)

        return TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler))


def fast() -> PollPolicy:
    return PollPolicy(fast=0.05, in_view=0.05, background=0.05, rng=random.Random(1))


def new_store(path, expire_in: float = 600) -> Store:
    store = Store(path)
    now = datetime.now(timezone.utc)
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1, "created_at": now.isoformat(),
                                     "expire_at": (now + timedelta(seconds=expire_in)).isoformat()}))
    return store


async def collect(watcher: Watcher, until, timeout: float = 5.0) -> list:
    """The watcher's events until `until(events)` holds."""
    events: list = []

    async def run() -> None:
        async for event in watcher.events():
            events.append(event)
            if until(events):
                return

    await asyncio.wait_for(run(), timeout)
    return events


def arrived(events) -> list[str]:
    return [row.id for e in events if isinstance(e, MailArrived) for row in e.rows]


async def test_two_watchers_on_one_store_each_see_each_message_once(tmp_path):
    server = Server()
    path = tmp_path / "s.db"
    new_store(path).record_poll(BOX, [])  # polled before: everything from now on is new
    one = Watcher(server.client(), Store(path), fast(), in_view=BOX)
    two = Watcher(server.client(), Store(path), fast(), in_view=BOX)
    await one.start()
    await two.start()
    server.deliver(1)
    server.deliver(2)
    seen_one, seen_two = [], []

    async def follow(watcher, seen):
        async for event in watcher.events():
            seen.extend(arrived([event]))
            if len(seen) >= 3:
                return

    tasks = [asyncio.create_task(follow(one, seen_one)), asyncio.create_task(follow(two, seen_two))]
    await asyncio.sleep(0.5)
    server.deliver(3)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert sorted(seen_one) == sorted(seen_two) == ["m1", "m2", "m3"]  # each once, whoever fetched it


async def test_old_mail_is_not_news_but_mail_of_a_box_made_later_is(tmp_path):
    server = Server()
    server.deliver(1)
    store = new_store(tmp_path / "s.db")  # never polled: its first look is old mail
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    events = await collect(watcher, lambda ev: any(isinstance(e, MailStored) for e in ev))
    assert arrived(events) == [] and [r.id for e in events if isinstance(e, MailStored) for r in e.rows] == ["m1"]
    server.deliver(2)
    events = await collect(watcher, lambda ev: arrived(ev))
    assert arrived(events) == ["m2"]
    later = "later@quickbox.test"
    store.add_address(later)
    server.messages = [dict(m, to=later) for m in server.messages]
    watcher.addresses = None
    events = await collect(watcher, lambda ev: any(r.mailbox == later for e in ev if isinstance(e, MailArrived)
                                                  for r in e.rows))
    assert any(isinstance(e, BoxesChanged) for e in events)


async def test_a_404_page_from_a_proxy_does_not_expire_a_live_box(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db")
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    server.answers = [httpx.Response(404, content=b"<html>Not Found</html>")]  # once, then good answers
    events = await collect(watcher, lambda ev: any(isinstance(e, PollSucceeded) for e in ev))
    failed = [e for e in events if isinstance(e, PollFailed)]
    assert failed and "not yet believed" in failed[0].problem
    assert not any(isinstance(e, BoxGone) for e in events) and store.box(BOX).gone_at is None


async def test_the_apis_own_404_or_three_in_a_row_mean_gone(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db")
    server.answers = [httpx.Response(404, json={"status": False, "message": "Email not found."})]
    events = await collect(Watcher(server.client(), store, fast(), in_view=BOX),
                           lambda ev: any(isinstance(e, BoxGone) for e in ev))
    assert store.box(BOX).gone_at is not None
    store2 = new_store(tmp_path / "t.db")
    page = httpx.Response(404, content=b"<html>Not Found</html>")
    domains_fine = httpx.Response(200, json={"status": True, "data": {"domains": []}})
    server.answers = [page, domains_fine, page, domains_fine, page, domains_fine]
    policy = fast()
    policy.backoff = lambda failures: 0.01  # no waiting between the tries
    events = await collect(Watcher(server.client(), store2, policy, in_view=BOX),
                           lambda ev: any(isinstance(e, BoxGone) for e in ev))
    assert len([e for e in events if isinstance(e, PollFailed)]) == 2


async def test_when_even_the_domains_are_not_found_the_base_url_is_blamed(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db")
    server.answers = [httpx.Response(404, content=b"<html>Not Found</html>") for _ in range(2)]  # (one each)
    events = await collect(Watcher(server.client(), store, fast(), in_view=BOX),
                           lambda ev: any(isinstance(e, PollFailed) for e in ev))
    [failed] = [e for e in events if isinstance(e, PollFailed)]
    assert "base URL looks wrong" in failed.problem
    assert store.box(BOX).gone_at is None and store.box(BOX).misses == 0


async def test_a_commit_just_after_a_polls_own_look_is_seen_at_once(tmp_path):
    """A poll's job reads the store again after its write, in the poll's thread, so the loop need not. A box
    another process adds just after that read is still seen at the loop's next step, not a look interval later."""
    server = Server()
    path = tmp_path / "s.db"
    store = new_store(path)
    watcher = Watcher(server.client(), store, PollPolicy(fast=30, in_view=30, background=30), in_view=BOX)
    looked = watcher._look

    def look_then_another_process_commits():
        look = looked()
        if threading.current_thread().name == "tmail-poll" and Store(path).box("late@quickbox.test") is None:
            Store(path).save_box(Mailbox.from_api({"email": "late@quickbox.test", "id": 2}))
        return look

    watcher._look = look_then_another_process_commits
    events = await collect(watcher, lambda ev: any(isinstance(e, BoxesChanged) for e in ev), timeout=3)
    assert any(isinstance(e, PollSucceeded) for e in events)
    assert "late@quickbox.test" in [b.address for b in watcher._boxes]


async def test_a_box_another_process_is_polling_is_left_to_it_and_its_lease_kept(tmp_path):
    """The claim is taken in the poll's thread: a box another process holds is left to it (PollLeft, so the reader
    stops saying "checking"), no request is made, its lease stands, and what it stores arrives through the store."""
    server = Server()
    server.deliver(1)
    path = tmp_path / "s.db"
    new_store(path).record_poll(BOX, [])  # polled before: what comes now is news
    store = Store(path)
    other = Store(path)
    assert other.claim_poll(BOX, time.time(), 60)
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    events = await collect(watcher, lambda ev: any(isinstance(e, PollLeft) for e in ev))
    assert [type(e) for e in events if type(e) in (PollSlow, PollLeft, PollSucceeded)] == [PollLeft]
    assert server.polls == 0
    assert not store.claim_poll(BOX, time.time(), 60)  # the other process's lease stands
    other.record_poll(BOX, [Message.from_api(server.messages[0])])  # its answer
    events = await collect(watcher, lambda ev: any(isinstance(e, MailArrived) for e in ev))
    assert [r.id for e in events if isinstance(e, MailArrived) for r in e.rows] == ["m1"]


async def test_a_store_that_cannot_take_the_poll_fails_it_and_gives_the_box_back(tmp_path):
    """The completing write fails (a full disk, a locked store): the poll fails with the store's words, the lease is
    given back at once (another process may poll the box), and the loop goes on."""
    server = Server()
    path = tmp_path / "s.db"
    store = new_store(path)

    def full_disk(*args, **kwargs):
        raise StoreError("The disk is full: free some space.")

    store.record_poll = full_disk
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    events = await collect(watcher, lambda ev: any(isinstance(e, PollFailed) for e in ev))
    [failed] = [e for e in events if isinstance(e, PollFailed)]
    assert "The disk is full" in failed.problem and server.polls == 1
    assert Store(path).claim_poll(BOX, time.time(), 60)  # the lease was given back


async def test_only_a_slow_poll_is_told_as_under_way(tmp_path, monkeypatch):
    """Quick polls are not announced (the reader would only flash "checking…", and each message is UI-thread work);
    one still running after SLOW_POLL is, once, before its end."""
    monkeypatch.setattr(watcher_module, "SLOW_POLL", 0.2)
    server = Server()
    watcher = Watcher(server.client(), new_store(tmp_path / "s.db"), fast(), in_view=BOX)
    events = await collect(watcher, lambda ev: sum(isinstance(e, PollSucceeded) for e in ev) >= 3)
    assert not any(isinstance(e, PollSlow) for e in events)
    server.delay = 0.5
    events = await collect(watcher, lambda ev: any(isinstance(e, PollSucceeded) for e in ev))
    assert [type(e) for e in events if type(e) in (PollSlow, PollSucceeded)] == [PollSlow, PollSucceeded]
    assert events[[type(e) for e in events].index(PollSlow)].address == BOX


async def test_an_unexpected_error_backs_off_instead_of_looping(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db")
    client = server.client()

    async def broken(job):
        server.polls += 1
        raise RecursionError("maximum recursion depth exceeded")

    client.polling = broken
    watcher = Watcher(client, store, PollPolicy(fast=1.0, in_view=1.0, rng=random.Random(1)), in_view=BOX)
    events = []

    async def run():
        async for event in watcher.events():
            events.append(event)

    task = asyncio.create_task(run())
    await asyncio.sleep(0.7)
    task.cancel()
    failed = [e for e in events if isinstance(e, PollFailed)]
    assert server.polls == 1  # the back-off after a failure (0.8-1.2 s here; 4-6 s at the reader's pace), no loop
    assert "Unexpected trouble" in failed[0].problem and failed[0].first
    assert all(not e.first for e in failed[1:])  # one loud notice per outage


async def test_a_spent_quota_is_said_and_obeyed_until_its_reset(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db")
    server.quota = {"X-RateLimit-Limit": "50000", "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": (datetime.now(timezone.utc) + timedelta(seconds=1.5)).isoformat()}
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    await collect(watcher, lambda ev: any(isinstance(e, Scheduled) and e.paused_until for e in ev))
    polls = server.polls
    await asyncio.sleep(0.5)
    assert server.polls == polls  # paused
    server.quota = dict(server.quota, **{"X-RateLimit-Remaining": "49999"})
    await collect(watcher, lambda ev: any(isinstance(e, PollSucceeded) for e in ev), timeout=5)
    assert server.polls > polls  # resumed by itself after the reset


async def test_r_checks_a_box_that_looks_expired(tmp_path):
    server = Server()
    store = new_store(tmp_path / "s.db", expire_in=-60)  # its expiry passed (by our clock)
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    await collect(watcher, lambda ev: any(isinstance(e, Scheduled) for e in ev))
    assert server.polls == 0
    watcher.check_now(BOX)
    await collect(watcher, lambda ev: any(isinstance(e, PollSucceeded) for e in ev))
    assert server.polls == 1


async def test_an_idle_poll_is_one_claim_and_one_write_that_carries_the_quota(tmp_path):
    """Every poll of a box with nothing new: the claim, then one transaction that marks the box polled and saves the
    quota the answer told (a third write per poll was a third of an idle reader's store work)."""
    server = Server()
    path = tmp_path / "s.db"
    new_store(path).record_poll(BOX, [])
    store = Store(path)
    commits: list[str] = []
    original = store._transaction

    def counted():
        commits.append("commit")
        return original()

    store._transaction = counted
    watcher = Watcher(server.client(), store, fast(), in_view=BOX)
    await watcher.start()
    commits.clear()
    await watcher.poll(store.box(BOX))  # (the claim is the loop's: counted apart below)
    assert commits == ["commit"]
    other = Store(path)  # another process paces itself by the quota this poll saw
    saved = other.quota()
    assert saved is not None and saved[0].remaining == 49000 and saved[0].limit == 50000
    server.quota = dict(server.quota, **{"X-RateLimit-Remaining": "48999"})
    events = await collect(watcher, lambda ev: sum(isinstance(e, PollSucceeded) for e in ev) >= 1)
    assert any(isinstance(e, PollSucceeded) for e in events)
    assert other.quota()[0].remaining == 48999
