"""Commands that wait on the reader's own poll loop: watch (every new message), and expect with its common cases code
and link (the first message that matches and carries what is asked for)."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing
from datetime import datetime
from typing import Any

from ..api import TmailError
from ..expect import BadExpectation, Expectation, parse_since
from ..hooks import run_hook
from ..mailboxes import check_address
from ..poller import FAST
from ..sanitize import one_line
from ..schema import message_json
from ..store import Summary
from ..watcher import MailArrived, PollSucceeded
from .context import Context, Progress, UsageError, known_box, positive
from .output import emit_json, message_document, message_summary, warn


async def cmd_watch(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    watcher = ctx.watcher(address)
    await known_box(ctx, address, watcher)
    await watcher.start()  # from here on, mail is new
    print(f"Watching {one_line(address)}. Ctrl-C stops.", file=sys.stderr, flush=True)
    progress = Progress(address)
    async for event in watcher.events():
        progress(event)
        if isinstance(event, MailArrived):
            for row in sorted(event.rows, key=lambda r: (r.received_ts is None, r.received_ts or 0)):
                stored = await asyncio.to_thread(ctx.store.message, row.id, row.mailbox)
                if stored is None:
                    continue  # deleted meanwhile
                if ctx.args.json:
                    emit_json(message_json(stored.message, stored.seen, with_text=True), lines=True)
                else:
                    print("  ".join(message_summary(stored.message, stored.seen)[2:]), flush=True)
                if ctx.args.exec:
                    ran = await run_hook(ctx.args.exec, message_json(stored.message, stored.seen, with_text=True))
                    if not ran.ok:
                        warn(ran.detail)
    return 0  # pragma: no cover - the loop ends only by an error or Ctrl-C


async def expect_mail(ctx: Context, expectation: Expectation, since: datetime | str | None) -> dict[str, Any]:
    """The first message that meets `expectation`: among those already there (newest first; none when `since` is
    "now", those received after it when it is a time) and then those that arrive, on the reader's own poll loop,
    for up to --timeout seconds. Each message is judged once. A timeout says what came and why it did not do."""
    address = check_address(ctx.args.address)
    watcher = ctx.watcher(address)
    await known_box(ctx, address, watcher)
    await watcher.start()  # from here on, mail is new
    print(f"Waiting for {expectation.describe()} at {one_line(address)} (up to {ctx.args.timeout:g}s).",
          file=sys.stderr, flush=True)
    judged: set[str] = set()
    misses: list[str] = []
    progress = Progress(address)

    def first_match(rows: list[Summary], arrived: bool) -> dict[str, Any] | None:
        for row in sorted(rows, key=lambda r: -(r.received_ts or 0)):
            if row.id in judged or not arrived and isinstance(since, datetime) and (
                    row.received_at is None or row.received_at < since):
                continue
            judged.add(row.id)
            stored = ctx.store.message(row.id, row.mailbox)
            if stored is None:
                continue
            verdict = expectation.judge(stored.message)
            if verdict.result is not None:
                return verdict.result
            misses.append(f"“{one_line(row.subject, 60) or '(no subject)'}” from "
                          f"{one_line(row.from_email, 60) or '?'}: {verdict.why_not}")
        return None

    async def stored_rows() -> list[Summary]:
        return await asyncio.to_thread(ctx.store.summaries, address)

    try:
        async with asyncio.timeout(ctx.args.timeout):
            if since != "now":
                found = await asyncio.to_thread(first_match, await stored_rows(), False)
                if found is not None:
                    return found
            async with aclosing(watcher.events()) as events:
                async for event in events:
                    progress(event)
                    found = None
                    if isinstance(event, MailArrived):
                        found = await asyncio.to_thread(first_match, list(event.rows), True)
                    elif isinstance(event, PollSucceeded) and since != "now":
                        found = await asyncio.to_thread(first_match, await stored_rows(), False)
                    if found is not None:
                        return found
    except TimeoutError:
        pass
    came = f" What came: {'; '.join(misses[-5:])}." if misses else " Nothing came."
    raise TmailError(f"{expectation.describe('No')} arrived at {address} within {ctx.args.timeout:g}s.{came}")


async def deliver_result(ctx: Context, expectation: Expectation, found: dict[str, Any]) -> int:
    """Print what was expected, and with --then-delete delete the message it came from (so a rerun never sees it)."""
    if getattr(ctx.args, "then_delete", False):
        await ctx.mailboxes.delete_message(found["mailbox"], found["message_id"])
    if expectation.gives == "message":
        stored = await asyncio.to_thread(ctx.store.message, found["message_id"], found["mailbox"])
        if ctx.args.json:
            emit_json(message_json(stored.message, stored.seen, with_text=True) if stored else found)
        else:
            print(message_document(stored.message) if stored else found["message_id"])
    elif ctx.args.json:
        emit_json(found)
    else:
        print(found["code"] if expectation.gives == "code" else found["url"])
    return 0


async def cmd_expect(ctx: Context) -> int:
    """Wait for the mail that matches (sender, subject, body), then give its code, its link or the message."""
    args = ctx.args
    gives = "link" if args.link is not None else "message" if args.message else "code"
    try:
        expectation = Expectation.of(args.sender or (), args.subject or (), args.body or (), gives,
                                     args.link or None)
        since = parse_since(args.since)
    except BadExpectation as exc:
        raise UsageError(str(exc)) from None
    return await deliver_result(ctx, expectation, await expect_mail(ctx, expectation, since))


async def cmd_code(ctx: Context) -> int:
    """Wait for a verification code and print it: `tmail expect --code` (with --new: `--since now`)."""
    expectation = Expectation(gives="code")
    return await deliver_result(ctx, expectation, await expect_mail(ctx, expectation, "now" if ctx.args.new else None))


async def cmd_link(ctx: Context) -> int:
    """Wait for a verification link and print it: `tmail expect --link` (with --new: `--since now`)."""
    expectation = Expectation(gives="link")
    return await deliver_result(ctx, expectation, await expect_mail(ctx, expectation, "now" if ctx.args.new else None))


def add_commands(command) -> None:
    p = command("watch", "print each message that arrives from now on, until Ctrl-C", cmd_watch)
    p.add_argument("address")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g}; default: the "
                   "reader's pace for the box in view)")
    p.add_argument("--exec", metavar="CMD", help="run CMD for each new message, its JSON on standard input (split "
                   "like shell words but run without a shell; the API key is not in its environment)")
    for name, what, run in (("code", "a verification code", cmd_code),
                            ("link", "a verification (confirm, sign-in, reset) link", cmd_link)):
        p = command(name, f"wait for {what} at an address and print it", run)
        p.add_argument("address")
        p.add_argument("--new", action="store_true", help="ignore the mail already in the box when it starts")
        p.add_argument("--timeout", type=positive, default=120.0,
                       help="seconds to wait before giving up (default 120)")
        p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g})")
    p = command("expect", "wait for the mail that matches, then print its code (default), its link or the message",
                cmd_expect)
    p.add_argument("address")
    p.add_argument("--from", dest="sender", action="append", metavar="TEXT",
                   help="a part of the sender's name or address (repeatable; all must match)")
    p.add_argument("--subject", action="append", metavar="TEXT", help="a part of the subject (repeatable)")
    p.add_argument("--body", action="append", metavar="REGEX", help="a regular expression the text must match")
    p.add_argument("--since", metavar="WHEN", help="now (default: only mail that arrives after the start), all, "
                   "a time ago (10m, 2h) or a date")
    gives = p.add_mutually_exclusive_group()
    gives.add_argument("--code", action="store_true", help="print the verification code (the default)")
    gives.add_argument("--link", nargs="?", const="", metavar="PATTERN",
                       help="print the verification link (or the first link whose address matches PATTERN)")
    gives.add_argument("--message", action="store_true", help="print the message (with --json: all of it)")
    p.add_argument("--then-delete", action="store_true", help="delete the message once it is taken")
    p.add_argument("--timeout", type=positive, default=120.0, help="seconds to wait before giving up (default 120)")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g})")
