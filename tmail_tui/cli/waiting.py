"""Commands that wait on the reader's own poll loop: watch (every new message), code and link (the first message
that carries one)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import aclosing
from typing import Any

from ..api import TmailError
from ..api.models import Message
from ..codes import find_codes
from ..mailboxes import check_address
from ..poller import FAST
from ..render import render_body
from ..sanitize import one_line
from ..store import Summary
from ..verify_links import rank_links
from ..watcher import MailArrived, PollSucceeded
from .context import Context, Progress, known_box, positive
from .output import emit_json, message_json, message_summary


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
    return 0  # pragma: no cover - the loop ends only by an error or Ctrl-C


def code_in(message: Message) -> dict[str, Any] | None:
    """The verification code of a message (as `tmail code --json` gives it), or None."""
    codes = find_codes(message.subject, render_body(message.content, message.is_html).text)
    if not codes:
        return None
    return {**codes[0].to_json(), "candidates": [c.to_json() for c in codes], **message_reference(message)}


def link_in(message: Message) -> dict[str, Any] | None:
    """The verification link of a message (as `tmail link --json` gives it), or None."""
    body = render_body(message.content, message.is_html)
    ranked = rank_links(body.links, body.text)
    if not ranked or not ranked[0].is_verification:
        return None
    return {**ranked[0].to_json(), **message_reference(message)}


def message_reference(message: Message) -> dict[str, Any]:
    return {"message_id": message.id, "mailbox": message.mailbox, "subject": message.subject,
            "from_email": message.from_email, "received_at": message.received_raw or None}


async def wait_for_mail(ctx: Context, what: str, find: Callable[[Message], dict[str, Any] | None]) -> dict[str, Any]:
    """The newest message that gives what `find` looks for, or with --new the first such message to arrive after
    the command starts; each message is read once. Waits up to --timeout on the reader's own poll loop."""
    address = check_address(ctx.args.address)
    watcher = ctx.watcher(address)
    await known_box(ctx, address, watcher)
    await watcher.start()  # from here on, mail is new
    print(f"Waiting for a {what} at {one_line(address)} (up to {ctx.args.timeout:g}s).", file=sys.stderr,
          flush=True)
    checked: set[str] = set()
    progress = Progress(address)

    def first_found(rows: list[Summary]) -> dict[str, Any] | None:
        for row in sorted(rows, key=lambda r: -(r.received_ts or 0)):
            if row.id not in checked:
                checked.add(row.id)
                stored = ctx.store.message(row.id, row.mailbox)
                found = find(stored.message) if stored else None
                if found:
                    return found
        return None

    async def stored_rows() -> list[Summary]:
        return await asyncio.to_thread(ctx.store.summaries, address)

    try:
        async with asyncio.timeout(ctx.args.timeout):
            found = None if ctx.args.new else await asyncio.to_thread(first_found, await stored_rows())
            if found is not None:
                return found
            async with aclosing(watcher.events()) as events:
                async for event in events:
                    progress(event)
                    rows = list(event.rows) if isinstance(event, MailArrived) else []
                    if isinstance(event, PollSucceeded) and not ctx.args.new:
                        rows = await stored_rows()
                    found = await asyncio.to_thread(first_found, rows) if rows else None
                    if found is not None:
                        return found
    except TimeoutError:
        pass
    raise TmailError(f"No {what} arrived at {address} within {ctx.args.timeout:g}s.")


async def cmd_code(ctx: Context) -> int:
    """Wait for a verification code and print it (with --json: where it came from, and the other candidates)."""
    found = await wait_for_mail(ctx, "code", code_in)
    if ctx.args.json:
        emit_json(found)
    else:
        print(found["code"])
    return 0


async def cmd_link(ctx: Context) -> int:
    """Wait for a verification (confirm, sign-in, reset) link and print it."""
    found = await wait_for_mail(ctx, "verification link", link_in)
    if ctx.args.json:
        emit_json(found)
    else:
        print(found["url"])
    return 0


def add_commands(command) -> None:
    p = command("watch", "print each message that arrives from now on, until Ctrl-C", cmd_watch)
    p.add_argument("address")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g}; default: the "
                   "reader's pace for the box in view)")
    for name, what, run in (("code", "a verification code", cmd_code),
                            ("link", "a verification (confirm, sign-in, reset) link", cmd_link)):
        p = command(name, f"wait for {what} at an address and print it", run)
        p.add_argument("address")
        p.add_argument("--new", action="store_true", help="ignore the mail already in the box when it starts")
        p.add_argument("--timeout", type=positive, default=120.0,
                       help="seconds to wait before giving up (default 120)")
        p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g})")
