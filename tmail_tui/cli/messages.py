"""Commands about messages: inbox, read, save, delete-message."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from ..api import TmailError
from ..mailboxes import check_address
from ..render import wrap_for_terminal
from ..sanitize import clean_text, one_line
from ..schema import message_json
from ..watcher import BoxGone, PollFailed
from .context import Context, known_box
from .output import emit_json, message_document, message_summary, table, warn


def print_inbox(ctx: Context, address: str) -> None:
    stored = ctx.store.messages(address)
    if ctx.args.json:
        emit_json([message_json(s.message, s.seen) for s in stored])
    elif not stored:
        print(f"No mail in {one_line(address)} yet.")
    else:
        print(table(["ID", "", "RECEIVED", "FROM", "ATT", "SUBJECT"],
                    [message_summary(s.message, s.seen) for s in stored]))


async def cmd_inbox(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    if ctx.args.offline:
        print_inbox(ctx, address)
        return 0
    known = await asyncio.to_thread(ctx.store.box, address)
    box = await known_box(ctx, address)
    problem = ""
    if known is not None:  # a box just added was polled by adding it
        for event in await ctx.watcher(address).poll(box):
            if isinstance(event, PollFailed):
                problem = event.problem
            elif isinstance(event, BoxGone):
                problem = "the mailbox has expired or was deleted on the server"
    if problem:
        if not ctx.store.count(address):
            raise TmailError(f"Could not fetch {address}: {problem}")
        warn(f"Could not fetch {address} ({problem}). Showing the copy saved earlier.")
    print_inbox(ctx, address)
    return 1 if problem else 0


async def cmd_read(ctx: Context) -> int:
    stored = await asyncio.to_thread(ctx.store.message, ctx.args.message_id)
    status = 0
    try:
        message = await ctx.api.message(ctx.args.message_id)
        if not message.mailbox and stored:
            message = stored.message
        await asyncio.to_thread(ctx.store.save_message, message)
        await asyncio.to_thread(ctx.store.mark_seen, message.id, message.mailbox)
    except TmailError as exc:
        if stored is None:
            raise
        warn(f"Could not fetch the message ({exc}). Showing the copy saved earlier.")
        message, status = stored.message, 1
    if ctx.args.json:
        emit_json(message_json(message, True, with_text=True))
    else:
        width = ctx.args.width if ctx.args.width is not None else (
            shutil.get_terminal_size().columns if sys.stdout.isatty() else 0)
        document = message_document(message)
        print(wrap_for_terminal(document, width) if width > 0 else document)
    return status


async def cmd_save(ctx: Context) -> int:
    folder = Path(ctx.args.dir).expanduser() if ctx.args.dir else ctx.config.download_dir
    stored = await asyncio.to_thread(ctx.store.message, ctx.args.message_id)
    message = stored.message if stored else await ctx.api.message(ctx.args.message_id)
    attachments = list(message.attachments)
    if ctx.args.names:
        by_name = {a.name: a for a in attachments}
        missing = [n for n in ctx.args.names if n not in by_name]
        if missing:
            available = ", ".join(one_line(a.name) for a in attachments) or "none"
            raise TmailError(f"No attachment named {', '.join(map(repr, missing))} (attachments: {available}).")
        attachments = [by_name[n] for n in ctx.args.names]
    if not attachments:
        raise TmailError("This message has no attachments.")
    saved = await ctx.mailboxes.save(message, attachments, folder)
    for warning in saved.warnings:
        warn(warning)
    for name, why in saved.failures:
        warn(f"Could not save {name}: {why}")
    if ctx.args.json:
        emit_json({"saved": [str(f) for f in saved.files]})
    else:
        for file in saved.files:
            print(clean_text(str(file), multiline=False))
    return 1 if saved.failures else 0


async def cmd_delete_message(ctx: Context) -> int:
    said = await ctx.mailboxes.delete_message(None, ctx.args.message_id)
    if ctx.args.json:
        emit_json({"deleted": ctx.args.message_id, "message": said})
    else:
        print(f"Deleted the message. {said}".rstrip() if "already" in said else "Deleted the message.")
    return 0


def add_commands(command) -> None:
    p = command("inbox", "list a mailbox's messages", cmd_inbox)
    p.add_argument("address")
    p.add_argument("--offline", action="store_true", help="show what was fetched before, without a request")
    p = command("read", "show a message: headers, clean text, links, attachments", cmd_read)
    p.add_argument("message_id")
    p.add_argument("--width", type=int, help="wrap to this many columns (default: the terminal's width when "
                   "printing to a terminal, no wrapping into a pipe; 0: never)")
    p = command("save", "save a message's attachments (all of them unless named)", cmd_save)
    p.add_argument("message_id")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--dir", help="folder to save into (default: your downloads folder)")
    p = command("delete-message", "delete a message", cmd_delete_message)
    p.add_argument("message_id")
