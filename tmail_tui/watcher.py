"""The poll loop, one for the reader and the command line: which box is due, the request, the store write, and what
came of it, as a stream of past-tense events.

    watcher = Watcher(api, store)
    async for event in watcher.events():   # MailArrived, MailStored, PollFailed, QuotaChanged, ...

How a message travels: the watcher that polls a box writes the answer to the store in one transaction; then every
watcher, in this process or another, reads the store's changes since the point it has read up to
(`Store.changes_since`) and turns them into events. So a message fetched by `tmail watch` in another pane reaches an
open reader as surely as one the reader fetched itself, each process sees each message once, and "new" means new to
this watcher: first stored after it started, and not part of the first look at a box that already existed then
(`tmail watch` on a box never fetched before does not print its old mail as new).

Several processes keep one pace: a watcher claims a box in the store before polling it, and a box polled by any
process is not due again for any of them until its interval has passed (see `PollPolicy`). The quota any process
saw last paces all of them.

Store I/O runs in threads, never on the caller's event loop, but for one PRAGMA that never waits (`Store.version`).
No Textual here: the reader runs this loop in a thread of its own and wraps its events in Textual messages
(tui/watching.py); the command line prints them.

What things cost (issue 12): a poll is streamed and only the messages whose raw JSON the store does not know are
decoded (`known`, `TempMailClient.polling`), so an unchanged box of 5,000 HTML mails costs its download and a hash of
each message, off this event loop; a poll that changes nothing takes no write number. A big answer of new mail
(a first poll of thousands) is stored in parts while it downloads (stored_parts.py), and each part is reported as
it lands (at most every PART_EVERY seconds), so the first rows show at once; what is news is still told once, in
one MailArrived when the poll is over.

On an idle machine a wake-up, not the work done in it, is what costs: a thread asleep for a second runs its first
milliseconds 10-25x slower than a busy one (measured on the project's machine). So an idle look at the store is one
PRAGMA on this loop (`Store.version`, no thread hop); the boxes, the quota and the changes are read, in a thread,
only when something was committed since. A poll is one job in the client's poll thread: the claim, the request,
the store's write and the look after it, so it wakes this loop once, not four times (each hop was a wake-up of the
reader's UI thread); the look is used only if nothing was committed after it and this watcher's point has not
moved. Looks come at the pace of the box in view (`PollPolicy.look_every`: 5 s while it is fresh, 15 s after), so
mail another process stored shows within one of its poll intervals; boxes out of view share wake-ups
(`PollPolicy`). Side by side in tmux, 20 boxes, nothing arriving, tmail's CPU above an empty Textual app's, each
step in one window: 0.80% of a core -> 0.50% (polls sharing wake-ups, the PRAGMA on the loop) -> 0.28% (looks at
the in-view pace, not every 5 s); the UI thread's wake-ups 1.47 -> 0.67 a second (a poll as one job).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from .api import AuthError, NotFoundError, TempMailClient, TmailError
from .api.client import Fetch
from .api.models import Quota
from .poller import BoxTimes, PollPolicy
from .sanitize import one_line
from .store import Changes, Store, StoredBox, StoreError, Summary, normal_address
from .stored_parts import ProcessWrites, StreamedWrites

LEASE = 60.0  # seconds a claimed poll keeps other processes off the box (after a crash, no longer than this)
PART_EVERY = 0.25  # seconds between the looks at a growing box's parts (and so between its redraws)
SLOW_POLL = 1.0  # seconds a poll runs before it is told as under way (PollSlow)
MISSES_FOR_GONE = 3  # 404s in a row, not in the API's own words, before a box is believed gone

_T = TypeVar("_T")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# --- events ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailArrived:
    """Messages new to this watcher (notify the user)."""

    rows: tuple[Summary, ...]


@dataclass(frozen=True)
class MailStored:
    """Messages stored or changed that are not news: a first look at a box, a change, a seen flag."""

    rows: tuple[Summary, ...]
    under_way: bool = False  # stored by a poll still under way (a big answer's part): more is coming


@dataclass(frozen=True)
class MailRemoved:
    keys: tuple[tuple[str, str], ...]  # (mailbox, id)


@dataclass(frozen=True)
class BoxesChanged:
    """A box was added, renamed, deleted, found gone or alive again (by any process): reload the list of boxes."""


@dataclass(frozen=True)
class PollSlow:
    """A poll has run SLOW_POLL seconds and is still under way (a slow network, a big box): say "checking". A quick
    poll is not announced at all: it would only flash, and the message is UI-thread work on every poll. Followed by
    one of PollSucceeded, PollFailed, BoxGone or PollLeft, for the same box."""

    address: str


@dataclass(frozen=True)
class PollLeft:
    """Another process was polling the box, so this watcher asked nothing: that poll's answer comes through the
    store."""

    address: str


@dataclass(frozen=True)
class PollSucceeded:
    address: str
    at: float
    recovered: bool = False  # the first success after a failure: the problem is over


@dataclass(frozen=True)
class PollFailed:
    address: str
    problem: str  # for people: what happened, and that tmail retries
    retry_at: float
    first: bool  # the first failure of an outage (say it loudly once, not on every retry)
    key_refused: bool = False  # a 401: only another key helps


@dataclass(frozen=True)
class BoxGone:
    address: str


@dataclass(frozen=True)
class Scheduled:
    """What the loop will do next: poll `address` at `at` (None: nothing is due), or wait for the quota's reset."""

    address: str | None
    at: float | None
    paused_until: float | None = None
    stretch: float = 1.0  # > 1: checks are this much further apart, to make the month's quota last
    in_view_at: float | None = None  # when the box in view is polled next (None: no box in view, or never)


@dataclass(frozen=True)
class QuotaChanged:
    quota: Quota


Event = (MailArrived | MailStored | MailRemoved | BoxesChanged | PollSlow | PollLeft | PollSucceeded | PollFailed
         | BoxGone | Scheduled | QuotaChanged)


@dataclass
class _Failures:
    count: int = 0
    retry_at: float | None = None


@dataclass(frozen=True)
class _Look:
    """One look at the store: the version it was taken at (read first: a commit during the look shows at the next),
    the boxes, the quota saved, and the changes since `since`, the watcher's point then."""

    version: int | None
    boxes: list[StoredBox]
    quota: tuple[Quota, float] | None
    changes: Changes
    since: int


class _Claim:
    """A box's poll lease, taken in the poll's thread, given up by the loop when it stops waiting. The lock keeps
    the two from crossing: a lease taken just after the loop gave up would keep every process off the box for a
    whole LEASE."""

    def __init__(self, store: Store, address: str) -> None:
        self.store, self.address = store, address
        self.taken = False
        self._given_up = False
        self._lock = threading.Lock()

    def take(self, now: float) -> bool:
        with self._lock:
            if not self._given_up:
                self.taken = self.store.claim_poll(self.address, now, LEASE)
            return self.taken

    def release(self) -> None:
        with self._lock:
            if self.taken:
                self.store.release_poll(self.address)
                self.taken = False

    def ended(self) -> None:
        """The poll's completing write ended the lease: nothing is left to give back."""
        with self._lock:
            self.taken = False

    def give_up(self) -> None:
        with self._lock:
            self._given_up = True
        self.release()


class _Taken(Exception):
    """Another process holds the box's lease."""


@dataclass
class _Cursor:
    """How far this watcher has read the store."""

    seq: int
    boxes_version: int
    unpolled: set[str] = field(default_factory=set)  # boxes that existed unpolled at the start: a first look


class Watcher:
    """Polls the boxes of the store (or only `addresses`), the box `in_view` at the fast pace."""

    def __init__(self, api: TempMailClient, store: Store, policy: PollPolicy | None = None, *,
                 clock: Callable[[], float] = time.time, addresses: Iterable[str] | None = None,
                 in_view: str | None = None) -> None:
        self.api = api
        self.store = store
        self.policy = policy or PollPolicy()
        self.clock = clock
        self.addresses = None if addresses is None else {normal_address(a) for a in addresses}
        self._in_view = normal_address(in_view) if in_view else None
        self._failures: dict[str, _Failures] = {}
        self._not_before: dict[str, float] = {}  # boxes another process is polling: look again then
        self._forced: set[str] = set()  # boxes the user asked to check now, whatever the policy says
        self._hurried: set[str] = set()  # boxes polled at the in-view pace though not in view (armed ones)
        self._failing = False
        self._cursor: _Cursor | None = None
        self._wake = asyncio.Event()
        self._scheduled: Scheduled | None = None
        self._quota: Quota | None = None
        self._version: object = None  # the store's version at the last look
        self._looked: _Look | None = None  # the look a poll's job took after its write, not yet taken in
        self._boxes: list[StoredBox] = []  # as read at the last look
        self._part_stored = asyncio.Event()  # a part of a big answer was stored: show it before the poll ends
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop `events()` runs on, when in a thread of its own
        self._api_loop: asyncio.AbstractEventLoop | None = None  # then, the loop the API client's requests belong to

    def attach(self, loop: asyncio.AbstractEventLoop, api_loop: asyncio.AbstractEventLoop) -> None:
        """`events()` will run on `loop`, in a thread of its own (the reader: tui/watching.py): the steering below,
        called from the front end's thread, is handed to that loop, and a request of the API client's own (its
        connections belong to `api_loop`) is made there."""
        self._loop, self._api_loop = loop, api_loop

    # --- steering (from the front end, in any thread) ----------------------------------------------------------

    @property
    def in_view(self) -> str | None:
        return self._in_view

    @in_view.setter
    def in_view(self, address: str | None) -> None:
        self._in_view = normal_address(address) if address else None  # (read by the loop, written only here)
        self.wake()

    def hurry(self, address: str, on: bool = True) -> None:
        """Poll this box at the pace of the box in view (an armed box waiting for a code), or no longer."""
        address = normal_address(address)
        self._steer(lambda: (self._hurried.add if on else self._hurried.discard)(address))

    def wake(self) -> None:
        """Look again now: the boxes, the box in view or the store changed."""
        self._steer(None)

    def check_now(self, address: str) -> None:
        """`r`: poll this box now, even one thought gone or expired (the server says again whether it is)."""
        address = normal_address(address)

        def change() -> None:
            self._failures.pop(address, None)
            self._not_before.pop(address, None)
            self._forced.add(address)

        self._steer(change)

    def _steer(self, change: Callable[[], object] | None) -> None:
        """Make a change to what the loop reads, then wake it: on the loop's own thread, whichever thread asks
        (the loop iterates these sets and asyncio's objects are not thread-safe)."""
        def apply() -> None:
            if change is not None:
                change()
            self._wake.set()

        loop = self._loop
        if loop is None or _running_loop() is loop:
            apply()
            return
        try:
            loop.call_soon_threadsafe(apply)
        except RuntimeError:
            pass  # the loop is closed: nothing is watching any more

    # --- the loop ----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Fix the point from which mail counts as new (done by `events()` when not called before)."""
        if self._cursor is None:
            self._cursor = await asyncio.to_thread(self._read_start)

    def _read_start(self) -> _Cursor:
        boxes = self.store.boxes(counts=False)
        return _Cursor(self.store.last_seq(), self.store.boxes_version(),
                       {b.address for b in boxes if b.first_poll_seq is None})

    async def events(self) -> AsyncIterator[Event]:
        await self.start()
        awake = False  # a poll just ended: poll every box already due in the same wake-up (see PollPolicy)
        while True:
            self._wake.clear()
            version = self.store.version()  # (here, not in a thread: see the module's docstring)
            look, self._looked = self._looked, None  # the look a poll's job took after its write, if still true:
            if look is not None and (look.version != version or look.since != self._cursor.seq):
                look, self._version = None, None  # something was committed since, or this watcher's point moved
            if look is None and (version is None or version != self._version):  # something was committed: read it
                look = await asyncio.to_thread(self._look)
            if look is not None:
                self._version, self._boxes = look.version, look.boxes
                for event in self._change_events(look.changes):
                    yield event
                for event in self._quota_events(look.quota):
                    yield event
            now = self.clock()
            boxes = self._boxes
            times = [self._times(box) for box in boxes]
            fast = self._hurried | {self._in_view} if self._in_view else self._hurried
            choice = self.policy.next_poll(times, fast, now, self._quota)
            view = next((t for t in times if t.address == self._in_view), None)
            scheduled = Scheduled(choice.box.address if choice else None, choice.due if choice else None,
                                  self.policy.paused_until(self._quota, now), self.policy.stretch(self._quota, now),
                                  self.policy.due_at(view, True, now, self._quota) if view else None)
            if scheduled != self._scheduled:
                self._scheduled = scheduled
                yield scheduled
            if self._forced:
                due = self._forced.pop()
            elif choice and choice.now(now, awake):
                due = choice.box.address
            else:
                due = None
            box = next((b for b in boxes if b.address == due), None)
            if box is not None:
                async for event in self._poll_claimed(box):
                    yield event
            awake = due is not None
            if awake:
                continue  # look at what the poll stored; something else may be due at once
            look_in = self.policy.look_every(times, fast, now)
            delay = look_in if choice is None else min(max(choice.wake - now, 0.05), look_in)
            timer = asyncio.get_running_loop().call_later(delay, self._wake.set)  # (wait_for makes a task a time)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()

    def _look(self) -> _Look:
        """One look at the store, in a thread: the boxes, the quota and the changes since this watcher's point."""
        version, since = self.store.version(), self._cursor.seq
        boxes = [b for b in self.store.boxes(counts=False) if self.addresses is None or b.address in self.addresses]
        return _Look(version, boxes, self.store.quota(), self.store.changes_since(since, self.addresses), since)

    def _times(self, box: StoredBox) -> BoxTimes:
        failures = self._failures.get(box.address, _Failures())
        retry_at = max(filter(None, (failures.retry_at, self._not_before.get(box.address))), default=None)
        return BoxTimes(box.address, born=box.born, expires=box.expire_at.timestamp() if box.expire_at else None,
                        gone=box.gone_at is not None, last_poll=box.polled_at, failures=failures.count,
                        retry_at=retry_at)

    def _quota_events(self, saved: tuple[Quota, float] | None) -> list[Event]:
        quota = saved[0] if saved else self.api.quota
        if quota is None or quota == self._quota:
            return []
        self._quota = quota
        return [QuotaChanged(quota)]

    async def _poll_claimed(self, box: StoredBox) -> AsyncIterator[Event]:
        claim = _Claim(self.store, box.address)
        polling = asyncio.ensure_future(self._poll(box, claim))
        arrived: list[Summary] = []
        loop = asyncio.get_running_loop()
        slow_at = loop.time() + SLOW_POLL  # (None once told)
        try:
            self._part_stored.clear()
            while not polling.done():  # the parts of a big answer show as they are stored...
                stored = asyncio.ensure_future(self._part_stored.wait())
                wait = None if slow_at is None else max(slow_at - loop.time(), 0)
                await asyncio.wait((polling, stored), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                stored.cancel()
                if slow_at is not None and not polling.done() and loop.time() >= slow_at:
                    slow_at = None
                    yield PollSlow(box.address)
                if self._part_stored.is_set():
                    self._part_stored.clear()
                    for event in await self.changes():
                        if isinstance(event, MailArrived):  # ...but news is told once, when the poll is over
                            arrived += event.rows
                        if isinstance(event, MailArrived | MailStored):
                            event = MailStored(event.rows, under_way=True)
                        yield event
                    await asyncio.wait((polling,), timeout=PART_EVERY)  # (a redraw per part would slow it)
            for event in polling.result():
                yield event
            if arrived:
                for event in await self.changes():
                    if isinstance(event, MailArrived):
                        arrived += event.rows
                    else:
                        yield event
                yield MailArrived(tuple(arrived))
        except (asyncio.CancelledError, GeneratorExit):
            # Stopped mid-poll (the reader closing, its key replaced): give up the claim at once, or the next
            # watcher could not poll the box until the lease ran out.
            polling.cancel()
            claim.give_up()
            raise

    async def poll(self, box: StoredBox) -> list[Event]:
        """One poll of one box, whoever else is polling it, and what came of it (the store is written; the mail
        itself comes from `changes`)."""
        return await self._poll(box, None)

    async def _poll(self, box: StoredBox, claim: _Claim | None) -> list[Event]:
        """One poll as one job in the client's poll thread (`TempMailClient.polling`): the claim, the request, the
        store's write and the look at the store that follows, so a poll wakes this loop once, not once a step
        (issue 12). With `claim`, the box is claimed first; when another process holds it, nothing is asked."""
        address, started = box.address, self.clock()
        loop = asyncio.get_running_loop()

        def stored() -> None:  # (from the writer's thread, or the one hearing the child process)
            try:
                loop.call_soon_threadsafe(self._part_stored.set)
            except RuntimeError:
                pass  # the loop is closed: nobody is waiting

        # Streamed, only messages whose raw JSON the store does not know are decoded, and those are stored in parts
        # while the rest downloads (see api.polling, stored_parts.py). A box holding no mail, as at its first poll,
        # has nothing to recognise: its messages go undecoded to ProcessWrites (a big answer: to a process).
        writes = (StreamedWrites if box.total else ProcessWrites)(self.store, address, started, stored)

        def job(fetch: Fetch) -> _Look | None:
            if claim is not None and not claim.take(started):
                raise _Taken
            try:
                if box.total:
                    listing = fetch(address, known=partial(self.store.known_prints, address), deliver=writes.put)
                else:
                    listing = fetch(address, raw=writes.put)
                listing.extend(rest := writes.close())
                listing.fingerprints.update(rest.fingerprints)
                # The poll completed, with the quota the answer told: one write (it ends the claim).
                self.store.record_poll(address, listing, listing.fingerprints, fetched_at=started,
                                       first_place=writes.placed, quota=self._unsaved_quota())
            except BaseException:
                writes.abort()  # (what was stored stays: each part whole, as the server sent it)
                try:
                    if (quota := self._unsaved_quota()) is not None:
                        self.store.save_quota(quota)
                    if claim is not None:
                        claim.release()
                except StoreError:
                    pass  # the store's own trouble: the error raised here says it
                raise
            if claim is not None:
                claim.ended()
            return self._look() if self._cursor is not None else None

        try:
            look = await self.api.polling(job)
        except _Taken:
            # Another process is polling it: its answer reaches us through the store. Look again shortly.
            self._not_before[address] = started + self.policy.fast
            return [PollLeft(address)]
        except NotFoundError as exc:
            return await self._not_found(box, exc)
        except asyncio.CancelledError:
            writes.abort()
            raise
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the loop backs off and goes on
            return self._failed(address, _problem(exc), key_refused=isinstance(exc, AuthError))
        self._not_before.pop(address, None)
        self._looked = look
        self._failures.pop(address, None)
        recovered, self._failing = self._failing, False
        return [PollSucceeded(address, self.clock(), recovered)]

    def _unsaved_quota(self) -> Quota | None:
        """The quota the last answer told, if this watcher has not seen it yet (so not saved either)."""
        quota = self.api.quota
        return quota if quota is not None and quota != self._quota else None

    async def _not_found(self, box: StoredBox, exc: NotFoundError) -> list[Event]:
        """A 404 is believed when the API says it in its own words, or the box is past its expiry, or it comes
        again and again; a proxy's page is not. When even the domains are not found, the base URL is wrong."""
        address = box.address
        expired = box.expire_at is not None and box.expire_at.timestamp() <= self.clock()
        if not exc.api_said and not expired:
            try:
                await self._on_api_loop(self.api.domains("free"))
            except NotFoundError:
                return self._failed(address, f"Every request is answered 404: the base URL looks wrong "
                                             f"({one_line(self.api.base_url, 100)}). Check it on your API page.")
            except TmailError:
                pass
            if await asyncio.to_thread(self.store.note_miss, address) < MISSES_FOR_GONE:
                return self._failed(address, f"{one_line(str(exc), 200)} (not yet believed: asking again)")
        await asyncio.to_thread(self.store.mark_gone, address)
        self._failures.pop(address, None)
        return [BoxGone(address)]

    async def _on_api_loop(self, request: Coroutine[Any, Any, _T]) -> _T:
        """A request of the API client's async side, made on the loop its connections belong to."""
        if self._api_loop is None or self._api_loop is asyncio.get_running_loop():
            return await request
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(request, self._api_loop))

    def _failed(self, address: str, problem: str, key_refused: bool = False) -> list[Event]:
        now = self.clock()
        failures = self._failures.setdefault(address, _Failures())
        failures.count += 1
        wait = self.policy.backoff(failures.count)
        failures.retry_at = now + wait
        first, self._failing = not self._failing, True
        return [PollFailed(address, f"{problem} Retrying in {wait:.0f}s.", now + wait, first, key_refused)]

    async def changes(self) -> list[Event]:
        """What the store has gained since this watcher last looked, whoever fetched it."""
        await self.start()
        return self._change_events(await asyncio.to_thread(self.store.changes_since, self._cursor.seq,
                                                           self.addresses))

    def _change_events(self, changes: Changes) -> list[Event]:
        cursor = self._cursor
        arrived: list[Summary] = []
        stored: list[Summary] = []
        for row, first_seq, first_poll_seq in changes.rows:
            # A box unpolled when this watcher started: its first poll's mail is a first look, not news (while that
            # poll is stored in parts, the box has no first_poll_seq yet).
            first_look = row.mailbox in cursor.unpolled and (first_poll_seq is None or first_seq <= first_poll_seq)
            (arrived if first_seq > cursor.seq and not first_look else stored).append(row)
        events: list[Event] = []
        if changes.boxes_version != cursor.boxes_version:
            cursor.boxes_version = changes.boxes_version
            events.append(BoxesChanged())
        if changes.removed:
            events.append(MailRemoved(changes.removed))
        if stored:
            events.append(MailStored(tuple(stored)))
        if arrived:
            events.append(MailArrived(tuple(arrived)))
        cursor.seq = changes.seq
        return events


def _problem(exc: BaseException) -> str:
    if isinstance(exc, TmailError):
        return one_line(str(exc), 300)
    return f"Unexpected trouble while checking mail ({type(exc).__name__})."
