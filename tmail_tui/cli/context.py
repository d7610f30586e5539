"""What every command needs: the settings, the store, the API client, the workflows, the reader's poll loop on one
box, and how a long wait reports its progress."""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit

from .. import config as config_module
from ..api import NotFoundError, TempMailClient, TmailError
from ..api.client import is_loopback
from ..mailboxes import Mailboxes
from ..poller import FAST, PollPolicy
from ..store import Store, StoredBox
from ..watcher import BoxGone, PollFailed, PollSucceeded, Scheduled, Watcher
from .output import warn


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.config = config_module.load(base_url=args.base_url, insecure=args.insecure)
        self._store: Store | None = None
        self._api: TempMailClient | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config.store_path)
        return self._store

    @property
    def api(self) -> TempMailClient:
        if self._api is None:
            if not self.config.api_key:
                raise TmailError("No API key is set. Set TMAIL_API_KEY, or run `tmail` once to enter it "
                                 f"(it is kept in {config_module.config_path()}).")
            try:
                self._api = TempMailClient(self.config.api_key, self.config.base_url,
                                           insecure=self.config.allow_insecure)
            except TmailError as exc:
                raise TmailError(f"{exc} (The key came from {self.config.key_source}.)") from None
        return self._api

    @property
    def mailboxes(self) -> Mailboxes:
        return Mailboxes(self.api, self.store)

    def watcher(self, address: str) -> Watcher:
        """The reader's poll loop on one box, as if it were the box in view (at `--interval` if given: never faster
        than the reader's fastest pace, as the quota is monthly; a server on this machine, the bundled emulator, has
        no quota to protect)."""
        interval = getattr(self.args, "interval", None)
        if interval is not None and interval < FAST and not is_loopback(urlsplit(self.config.base_url).hostname):
            raise UsageError(f"--interval {interval:g} is too often: tmail checks a box at most every {FAST:g}s "
                             "(the API's quota is monthly).")
        policy = PollPolicy(fast=interval, in_view=interval) if interval else PollPolicy()
        return Watcher(self.api, self.store, policy, addresses=[address], in_view=address)

    async def close(self) -> None:
        if self._api is not None:
            await self._api.aclose()
        if self._store is not None:
            self._store.close()


async def known_box(ctx: Context, address: str, watcher: Watcher | None = None) -> StoredBox:
    """The box as stored; an address this computer did not know is added once the server shows it is this key's
    (an address that is not yours, or has expired, is an error and is not added). With a watcher, a box never
    fetched before is fetched once now, so that what a command calls new is what arrives after it started."""
    box = await asyncio.to_thread(ctx.store.box, address)
    if box is None:
        try:
            await ctx.mailboxes.add(address)
        except NotFoundError:
            raise TmailError(f"{address} is not one of your mailboxes, or has expired.") from None
        box = await asyncio.to_thread(ctx.store.box, address)
    elif watcher is not None and box.first_poll_seq is None:
        for event in await watcher.poll(box):
            Progress(address)(event)
        box = await asyncio.to_thread(ctx.store.box, address)
    return box


class Progress:
    """What a long-running command says on stderr while it waits: one line per outage, not per retry; once that a
    low quota slows it; and an error when the box is gone."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.slowed = False

    def __call__(self, event: object) -> None:
        address = self.address
        if isinstance(event, Scheduled) and event.stretch > 1 and not self.slowed:
            self.slowed = True
            warn(f"The month's API quota is running low: checking {event.stretch:.0f}x less often to make it last.")
        if isinstance(event, PollFailed) and event.first:
            warn(event.problem)
        elif isinstance(event, PollSucceeded) and event.recovered:
            warn(f"Checking {address} again: the server answers.")
        elif isinstance(event, Scheduled) and event.paused_until is not None:
            warn(f"The month's quota is used up: checking resumes at "
                 f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(event.paused_until))}.")
        elif isinstance(event, BoxGone) or (isinstance(event, Scheduled) and event.at is None
                                            and event.paused_until is None):
            raise TmailError(f"{address} has expired or was deleted; its mail stays in `tmail inbox {address} "
                             "--offline`.")
