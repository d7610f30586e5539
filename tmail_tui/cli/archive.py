"""Commands about the archive (every message ever fetched, boxes gone or alive): search, export, label, prune.

`tmail search` first indexes the bodies no process has indexed yet (the reader does it as mail arrives; a store
that had mail before the index existed is indexed once, with a line on stderr saying so), then answers: the index
of subjects, senders, boxes and attachment names is always current (see archive.py). Ctrl+C stops the indexing
after the batch in hand; what was indexed stays indexed.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from ..archive import Archive, Hit
from ..export import FORMATS, download, export_boxes
from ..formatting import local_time, sender
from ..mailboxes import check_address
from ..sanitize import one_line
from ..search import parse_age
from .context import Context, UsageError
from .output import emit_json, table, warn

SAY_INDEXING_FROM = 200  # pending bodies above which `tmail search` says it is indexing


async def open_archive(ctx: Context) -> Archive:
    return await asyncio.to_thread(Archive, ctx.store)


async def index_pending(archive: Archive, say: Callable[[str], None] = warn) -> None:
    """Index what is pending, stopping after the batch in hand if the command is interrupted."""
    pending = await asyncio.to_thread(archive.pending)
    if not pending:
        return
    if pending >= SAY_INDEXING_FROM:
        say(f"Indexing {pending:,} messages for search, once (HTML mail takes about 15 s a thousand; Ctrl+C stops, "
            "keeping what is done)…")
    stop = threading.Event()
    try:
        await asyncio.to_thread(archive.index_pending, stop=stop.is_set)
    finally:
        stop.set()


def hit_json(hit: Hit) -> dict[str, Any]:
    row = hit.row
    return {"id": row.id, "mailbox": row.mailbox, "label": hit.label or None, "from_name": row.from_name,
            "from_email": row.from_email, "subject": row.subject, "received_at": row.received_raw or None,
            "seen": not row.unread, "attachment_count": row.attachments, "snippet": hit.snippet_text,
            "score": hit.score}


async def cmd_search(ctx: Context) -> int:
    text = " ".join(ctx.args.query)
    box = check_address(ctx.args.box) if ctx.args.box else None
    archive = await open_archive(ctx)
    try:
        await index_pending(archive)
        result = await asyncio.to_thread(archive.search, text, mailbox=box, limit=ctx.args.limit)
    finally:
        archive.close()
    for problem in result.query.problems:
        warn(problem)
    if ctx.args.json:
        emit_json([hit_json(hit) for hit in result.hits])
    elif not result.hits:
        print("No message matches.")
    else:
        labelled = any(hit.label for hit in result.hits)
        rows = [[hit.row.id, local_time(hit.row.received_at, hit.row.received_raw), hit.row.mailbox]
                + ([hit.label] if labelled else [])
                + [sender(hit.row.from_name, hit.row.from_email, 40), one_line(hit.row.subject, 80) or "(no subject)"]
                for hit in result.hits]
        print(table(["ID", "RECEIVED", "BOX"] + (["LABEL"] if labelled else []) + ["FROM", "SUBJECT"], rows))
    if result.more:
        warn(f"Only the best {ctx.args.limit} are shown: --limit N for more.")
    return 0


async def cmd_export(ctx: Context) -> int:
    args = ctx.args
    if args.all != (len(args.paths) == 1) or len(args.paths) > 2:
        raise UsageError("Give ADDRESS and DIR, or --all and DIR.")
    folder = args.paths[-1]
    if args.all:
        addresses = [box.address for box in await asyncio.to_thread(ctx.store.boxes, False)]
    else:
        address = check_address(args.paths[0])
        if await asyncio.to_thread(ctx.store.box, address) is None and not await asyncio.to_thread(
                ctx.store.count, address):
            raise UsageError(f"{address} is not one of your mailboxes (see `tmail boxes`).")
        addresses = [address]
    if not addresses:
        print("No mailboxes, so nothing to export.")
        return 0
    fetch = None
    if args.with_attachments:
        api = ctx.api  # raises, saying how to set the key, when there is none

        async def fetch(message, attachment):
            return await download(api, message, attachment)

    report = await export_boxes(ctx.store, addresses, args.format, folder, fetch=fetch)
    if args.json:
        emit_json({"format": args.format, "messages": report.messages, "attachments": report.attachments,
                   "files": [{"mailbox": b, "path": str(p), "messages": n} for b, p, n in report.boxes],
                   "missing": [{"mailbox": b, "id": i, "name": name, "reason": why}
                               for b, i, name, why in report.missing]})
        return 0
    for _, path, count in report.boxes:
        print(f"{path}  ({count} message{'s' if count != 1 else ''})")
    if report.missing:
        warn(f"{len(report.missing)} attachment{'s' if len(report.missing) != 1 else ''} not included:")
        for box, message_id, name, why in report.missing[:20]:
            warn(f"  {one_line(name, 80)} of message {one_line(message_id, 60)} in {one_line(box, 80)}: {why}")
        if len(report.missing) > 20:
            warn(f"  and {len(report.missing) - 20} more (--json lists them all).")
    return 0


async def cmd_label(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    if await asyncio.to_thread(ctx.store.box, address) is None and not await asyncio.to_thread(
            ctx.store.count, address):
        raise UsageError(f"{address} is not one of your mailboxes (see `tmail boxes`).")
    archive = await open_archive(ctx)
    try:
        if ctx.args.clear:
            label = await asyncio.to_thread(archive.set_label, address, "")
        elif ctx.args.text:
            label = await asyncio.to_thread(archive.set_label, address, " ".join(ctx.args.text))
        else:
            label = await asyncio.to_thread(archive.label, address)
        suggested = await asyncio.to_thread(archive.suggest_label, address)
    finally:
        archive.close()
    if ctx.args.json:
        emit_json({"address": address, "label": label or None, "suggested": suggested or None})
    elif label:
        print(f"{one_line(address)}: {label}")
    else:
        hint = f" (suggested from its first sender: tmail label {address} {suggested})" if suggested else ""
        print(f"{one_line(address)} has no label{one_line(hint)}.")
    return 0


async def cmd_prune(ctx: Context) -> int:
    config = ctx.config
    older_than: float | None = None
    if ctx.args.older_than is not None:
        older_than = parse_age(ctx.args.older_than)
        if older_than is None or older_than <= 0:
            raise UsageError(f"--older-than {one_line(ctx.args.older_than, 40)!r} is not an age (30d, 12h, 2w).")
        keep = None
    else:
        if not config.max_age_days and config.max_messages is None:
            raise UsageError("Nothing to prune by: give --older-than (e.g. 30d), or set max_age_days or max_messages "
                             "in the config file. Mail is never removed otherwise.")
        older_than = config.max_age_days * 86400.0 if config.max_age_days else None
        keep = config.max_messages
    archive = await open_archive(ctx)
    try:
        keys = await asyncio.to_thread(archive.prunable, older_than=older_than, keep=keep, now=time.time())
        if not ctx.args.dry_run:
            await asyncio.to_thread(archive.prune, keys)
    finally:
        archive.close()
    per_box: dict[str, int] = {}
    for box, _ in keys:
        per_box[box] = per_box.get(box, 0) + 1
    if ctx.args.json:
        emit_json({"dry_run": ctx.args.dry_run, "messages": len(keys),
                   "boxes": [{"mailbox": b, "messages": n} for b, n in sorted(per_box.items())]})
        return 0
    verb = "Would remove" if ctx.args.dry_run else "Removed"
    print(f"{verb} {len(keys)} message{'s' if len(keys) != 1 else ''} from {len(per_box)} "
          f"mailbox{'es' if len(per_box) != 1 else ''} (mail of live boxes is kept).")
    if per_box and ctx.args.dry_run:
        print(table(["BOX", "MESSAGES"], [[b, str(n)] for b, n in sorted(per_box.items())]))
    return 0


def add_commands(command) -> None:
    p = command("search", "search every message ever fetched, in every box (bodies too); see the README for the "
                "syntax: words, \"a phrase\", from:, to:, subject:, label:, has:attachment, has:code, is:unread, "
                "after:2d, before:2026-11-01, -word", cmd_search)
    p.add_argument("query", nargs="*", metavar="QUERY", help="the query (quote it for the shell when it holds quotes)")
    p.add_argument("--box", metavar="ADDRESS", help="only this box")
    p.add_argument("--limit", type=_count, default=50, help="at most this many results (default 50)")
    p = command("export", "write mailboxes as mail files: mbox, maildir or one .eml a message; nothing in DIR is "
                "overwritten", cmd_export)
    p.usage = "tmail export (ADDRESS | --all) [--format {mbox,maildir,eml}] [--with-attachments] DIR"
    p.add_argument("paths", nargs="+", metavar="ADDRESS DIR")
    p.add_argument("--all", action="store_true", help="every box")
    p.add_argument("--format", choices=FORMATS, default="mbox", help="mbox (default): one file a box; maildir: a "
                   "folder a box; eml: a folder a box, one file a message")
    p.add_argument("--with-attachments", action="store_true",
                   help="download the attachments still on the server into the messages (says which are not)")
    p = command("label", "show or set a box's label (what the address was for: \"github sign-up\")", cmd_label)
    p.add_argument("address")
    p.add_argument("text", nargs="*", metavar="TEXT", help="the label; none shows it (and a suggestion)")
    p.add_argument("--clear", action="store_true", help="remove the label")
    p = command("prune", "remove old mail of expired boxes: by --older-than, else by max_age_days / max_messages "
                "in the config (nothing is removed unless one is given)", cmd_prune)
    p.add_argument("--older-than", metavar="AGE", help="e.g. 30d, 12h, 2w (a bare number is days)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be removed")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return value
