"""The `tmail` command. No subcommand starts the TUI; subcommands are for scripts and quick looks.

Exit status: 0 success, 1 an API, network or file error (message on stderr), 2 bad usage.
`--json` prints machine-readable output (ASCII-only JSON, so no control character can reach a terminal).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from . import __version__
from . import config as config_module
from .api import NetworkError, NotFoundError, QuotaError, ServerError, TempMailClient, TmailError
from .api.client import DOMAIN_TYPES
from .api.models import Mailbox, Message
from .codes import find_codes
from .formatting import local_time, sender, time_left
from .render import human_size, render_body, text_with_links
from .sanitize import clean_text, one_line, safe_filename
from .store import Store, StoredBox

ADDRESS = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


# --- output helpers -------------------------------------------------------------------------------------------------


def emit_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=True, indent=2))


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Aligned columns by terminal cell width; every cell is one sanitised line. The last column is not padded."""
    cells = [[one_line(c) for c in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        padded = [v + " " * (widths[i] - cell_len(v)) for i, v in enumerate(values[:-1])]
        return "  ".join(padded + [values[-1]]).rstrip()

    return "\n".join([line(headers)] + [line(r) for r in cells])


def warn(text: str) -> None:
    print(f"tmail: {one_line(text)}", file=sys.stderr)


def box_json(box: Mailbox) -> dict[str, Any]:
    return {"email": box.email, "id": box.id, "domain": box.domain, "expire_at": box.expire_at_raw,
            "expires_in_seconds": box.expires_in_seconds, "created_at": box.created_at_raw}


def stored_box_json(box: StoredBox, now: float) -> dict[str, Any]:
    return {"email": box.address, "origin": box.origin, "expire_at": box.expire_at_raw or None,
            "expired": box.is_expired(now), "messages": box.total, "unread": box.unread}


def describe_box(box: Mailbox) -> str:
    left = box.expires_in_seconds
    if left is None and box.expire_at is not None:
        left = int(box.expire_at.timestamp() - time.time())
    until = f" until {local_time(box.expire_at, box.expire_at_raw)}" if box.expire_at or box.expire_at_raw else ""
    return f"{one_line(box.email)} (expires in {time_left(left)}{until})" if left is not None else one_line(box.email)


def message_summary(message: Message, seen: bool) -> list[str]:
    count = len(message.attachments)
    return [message.id, " " if seen else "*", local_time(message.received_at, message.received_raw),
            sender(message.from_name, message.from_email, 40), f"+{count}" if count else "",
            one_line(message.subject, 80) or "(no subject)"]


def message_document(message: Message) -> str:
    """A message as the reader shows it: headers, the body as clean text, then links and attachments."""
    lines = [
        f"From:    {sender(message.from_name, message.from_email)}",
        f"To:      {one_line(message.mailbox) or '(unknown)'}",
        f"Date:    {local_time(message.received_at, message.received_raw, seconds=True)}",
        f"Subject: {one_line(message.subject) or '(no subject)'}",
        f"Id:      {one_line(message.id)}",
        "",
        text_with_links(render_body(message.content, message.is_html)),
    ]
    if message.attachments:
        lines += ["", "Attachments:"] + [
            f"  {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})" for a in message.attachments]
    return clean_text("\n".join(lines))


def message_json(message: Message, seen: bool | None = None, with_text: bool = False) -> dict[str, Any]:
    data = message.to_json()
    if seen is not None:
        data["seen"] = seen
    if with_text:
        body = render_body(message.content, message.is_html)
        data["text"] = body.text
        data["links"] = [{"number": link.number, "url": link.url, "label": link.label, "safe": link.safe}
                         for link in body.links]
    return data


# --- commands -------------------------------------------------------------------------------------------------------


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.config = config_module.load(base_url=args.base_url)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config.store_path)
        return self._store

    def client(self) -> TempMailClient:
        if not self.config.api_key:
            raise TmailError("No API key is set. Set TMAIL_API_KEY, or run `tmail` once to enter it "
                             f"(it is kept in {config_module.config_path()}).")
        return TempMailClient(self.config.api_key, self.config.base_url)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def remember(ctx: Context, address: str) -> None:
    """A box this computer did not know is added to its list (one it knows keeps its state, expired or not)."""
    if ctx.store.box(address) is None:
        ctx.store.add_address(address)


def check_address(address: str) -> str:
    address = address.strip()
    if not ADDRESS.match(address):
        raise UsageError(f"{one_line(address, 80)!r} is not an e-mail address.")
    return address


async def cmd_domains(ctx: Context) -> int:
    async with ctx.client() as api:
        domains = await api.domains(ctx.args.type)
    if ctx.args.json:
        emit_json({"requested_type": domains.requested_type, "allowed_types": list(domains.allowed_types),
                   "domains": [{"domain": d.domain, "type": d.type, "custom": d.custom} for d in domains.domains]})
    else:
        print(table(["DOMAIN", "TYPE", "CUSTOM"],
                    [[d.domain, d.type or "?", "yes" if d.custom else ""] for d in domains.domains]))
    return 0


async def cmd_new(ctx: Context) -> int:
    async with ctx.client() as api:
        box = await api.create_mailbox()
        ctx.store.save_box(box, "created")
        if ctx.args.name or ctx.args.domain:
            username = ctx.args.name or box.email.partition("@")[0]
            try:
                renamed = await api.change_mailbox(box.email, username, ctx.args.domain or box.domain)
            except TmailError as exc:
                warn(f"Created {box.email}, but could not change it to {username}@{ctx.args.domain or box.domain}: "
                     f"{exc}")
                if ctx.args.json:
                    emit_json(box_json(box))
                return 1
            ctx.store.rename_box(box.email, renamed)
            box = renamed
    if ctx.args.json:
        emit_json(box_json(box))
    else:
        print(f"Created {describe_box(box)}")
    return 0


async def cmd_rename(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    async with ctx.client() as api:
        renamed = await api.change_mailbox(address, ctx.args.name, ctx.args.domain or address.rpartition("@")[2])
    ctx.store.rename_box(address, renamed)
    if ctx.args.json:
        emit_json(box_json(renamed))
    else:
        print(f"{one_line(address)} is now {describe_box(renamed)}")
    return 0


async def delete_known(deleting: Awaitable[str], known: bool, already_gone: str) -> str:
    """Delete on the server. A 404 for something this computer knows means it is gone already: that is success
    (the local copy is removed next); for something unknown it stays an error (a typo, most likely)."""
    try:
        return await deleting
    except NotFoundError:
        if not known:
            raise
        return already_gone


async def cmd_delete(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    async with ctx.client() as api:
        said = await delete_known(api.delete_mailbox(address), ctx.store.box(address) is not None,
                                  "It had already expired or been deleted on the server.")
    ctx.store.forget_box(address)
    if ctx.args.json:
        emit_json({"deleted": address, "message": said})
    else:
        print(f"Deleted {one_line(address)}. {said}".rstrip())
    return 0


async def cmd_add(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    async with ctx.client() as api:
        messages = await api.messages(address)  # proves the box exists and is this key's
    ctx.store.add_address(address)
    result = ctx.store.record_poll(address, messages)
    if ctx.args.json:
        emit_json({"added": address, "messages": len(messages), "new": len(result.new)})
    else:
        print(f"Added {one_line(address)} ({len(messages)} message{'s' if len(messages) != 1 else ''}).")
    return 0


async def cmd_boxes(ctx: Context) -> int:
    now = time.time()
    boxes = ctx.store.boxes()
    if ctx.args.json:
        emit_json([stored_box_json(b, now) for b in boxes])
    elif not boxes:
        print("No mailboxes yet. Create one with `tmail new`, or add one made elsewhere with `tmail add ADDRESS`.")
    else:
        print(table(["ADDRESS", "EXPIRES", "MAIL"],
                    [[b.address, time_left(b.seconds_left(now), b.gone_at is not None),
                      f"{b.unread} new / {b.total}" if b.unread else str(b.total)] for b in boxes]))
    return 0


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
    try:
        async with ctx.client() as api:
            messages = await api.messages(address)
    except NotFoundError:
        if ctx.store.box(address) is not None:
            ctx.store.mark_gone(address)
        return await _stored_instead(ctx, address, "the mailbox has expired or was deleted on the server")
    except (NetworkError, ServerError, QuotaError) as exc:
        return await _stored_instead(ctx, address, str(exc))
    remember(ctx, address)
    ctx.store.record_poll(address, messages)
    print_inbox(ctx, address)
    return 0


async def _stored_instead(ctx: Context, address: str, why: str) -> int:
    """The live fetch failed: show what was already fetched, and still exit 1 so scripts can tell."""
    if not ctx.store.messages(address):
        raise TmailError(f"Could not fetch {address}: {why}")
    warn(f"Could not fetch {address} ({why}). Showing the copy saved earlier.")
    print_inbox(ctx, address)
    return 1


async def cmd_read(ctx: Context) -> int:
    stored = ctx.store.message(ctx.args.message_id)
    status = 0
    try:
        async with ctx.client() as api:
            message = await api.message(ctx.args.message_id)
        if not message.mailbox and stored:
            message = stored.message
        ctx.store.save_message(message)
        ctx.store.mark_seen(message.id)
    except (NotFoundError, NetworkError, ServerError, QuotaError) as exc:
        if stored is None:
            raise
        warn(f"Could not fetch the message ({exc}). Showing the copy saved earlier.")
        message, status = stored.message, 1
    if ctx.args.json:
        emit_json(message_json(message, True, with_text=True))
    else:
        print(message_document(message))
    return status


async def cmd_save(ctx: Context) -> int:
    folder = Path(ctx.args.dir).expanduser() if ctx.args.dir else ctx.config.download_dir
    saved: list[str] = []
    failed = 0
    async with ctx.client() as api:
        stored = ctx.store.message(ctx.args.message_id)
        message = stored.message if stored else await api.message(ctx.args.message_id)
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
        for attachment in attachments:
            try:
                path = await api.download_attachment(message.id, attachment.name, folder, attachment.extension)
            except (TmailError, OSError) as exc:
                failed += 1
                warn(f"Could not save {attachment.name}: {getattr(exc, 'strerror', None) or exc}")
                continue
            saved.append(str(path))
            if not ctx.args.json:
                print(clean_text(str(path), multiline=False))
    if ctx.args.json:
        emit_json({"saved": saved})
    return 1 if failed else 0


async def cmd_delete_message(ctx: Context) -> int:
    async with ctx.client() as api:
        said = await delete_known(api.delete_message(ctx.args.message_id),
                                  ctx.store.message(ctx.args.message_id) is not None,
                                  "It was already gone on the server.")
    ctx.store.delete_message(ctx.args.message_id)
    if ctx.args.json:
        emit_json({"deleted": ctx.args.message_id, "message": said})
    else:
        print(f"Deleted the message. {said}".rstrip())
    return 0


async def each_poll(ctx: Context, api: TempMailClient, address: str) -> AsyncIterator[list[Message]]:
    """Every `--interval` seconds, the box's messages; network, server and quota errors are said on stderr and
    retried with backoff; an expired box ends it with an error."""
    delay = ctx.args.interval
    while True:
        try:
            messages = await api.messages(address)
        except NotFoundError:
            ctx.store.mark_gone(address)
            raise TmailError(f"{address} has expired or was deleted; its mail stays in `tmail inbox "
                             f"{address} --offline`.") from None
        except (NetworkError, ServerError, QuotaError) as exc:
            delay = min(max(delay * 2, ctx.args.interval), 300) * random.uniform(0.8, 1.2)
            if isinstance(exc, QuotaError) and exc.reset and api.quota and api.quota.remaining == 0:
                delay = max(delay, min(exc.reset.timestamp() - time.time(), 3600))
            warn(f"{exc} Retrying in {delay:.0f}s.")
        else:
            delay = ctx.args.interval
            yield messages
        await asyncio.sleep(delay)


def oldest_first(messages: list[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (m.received_at is None, m.received_at or 0))


async def cmd_watch(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    remember(ctx, address)
    print(f"Watching {one_line(address)} every {ctx.args.interval:g}s. Ctrl-C stops.", file=sys.stderr, flush=True)
    async with ctx.client() as api:
        async for messages in each_poll(ctx, api, address):
            new = set(ctx.store.record_poll(address, messages).new)
            for message in oldest_first([m for m in messages if m.id in new]):
                if ctx.args.json:
                    print(json.dumps(message_json(message, message.is_seen, with_text=True), ensure_ascii=True),
                          flush=True)
                else:
                    print("  ".join(message_summary(message, message.is_seen)[2:]), flush=True)
    return 0  # pragma: no cover - the loop ends only by an error or Ctrl-C


async def cmd_code(ctx: Context) -> int:
    """Wait for a verification code and print it: the newest message with one, or with --new one that arrives
    after the command starts."""
    address = check_address(ctx.args.address)
    remember(ctx, address)
    deadline = time.monotonic() + ctx.args.timeout
    checked: set[str] | None = None  # ids already read for a code (with --new, also those there at the start)
    async with ctx.client() as api:
        polls = each_poll(ctx, api, address)
        while True:
            try:
                messages = await asyncio.wait_for(anext(polls), max(deadline - time.monotonic(), 0.001))
            except asyncio.TimeoutError:
                raise TmailError(f"No code arrived at {address} within {ctx.args.timeout:g}s.") from None
            ctx.store.record_poll(address, messages)
            if checked is None:
                checked = {m.id for m in messages} if ctx.args.new else set()
            for message in reversed(oldest_first([m for m in messages if m.id not in checked])):
                checked.add(message.id)  # a message's code never changes: convert it once, not on every poll
                codes = find_codes(message.subject, render_body(message.content, message.is_html).text)
                if codes:
                    if ctx.args.json:
                        emit_json({"code": codes[0], "codes": codes, "message_id": message.id,
                                   "subject": message.subject})
                    else:
                        print(codes[0])
                    return 0


COMMANDS: dict[str, Callable[[Context], Awaitable[int]]] = {
    "domains": cmd_domains, "new": cmd_new, "rename": cmd_rename, "delete": cmd_delete, "add": cmd_add,
    "boxes": cmd_boxes, "inbox": cmd_inbox, "read": cmd_read, "save": cmd_save,
    "delete-message": cmd_delete_message, "watch": cmd_watch, "code": cmd_code,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tmail", description="A terminal mail reader for throwaway Temp Mail addresses. "
        "With no command, starts the full-screen reader.")
    parser.add_argument("--version", action="version", version=f"tmail {__version__}")
    parser.add_argument("--base-url", help="the User API base URL (default: TMAIL_BASE_URL, the config file, "
                        "or https://v1.tempmailg.com)")
    parser.add_argument("--demo", action="store_true", help="run the reader against the bundled emulator with "
                        "demo mail (no key needed, nothing leaves this machine)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    p = command("domains", "list the domains your plan allows")
    p.add_argument("--type", choices=DOMAIN_TYPES, default="free", help="free (default), premium or all")
    p = command("new", "create a mailbox (random, or with the name you choose)")
    p.add_argument("--name", help="the part before the @")
    p.add_argument("--domain", help="one of `tmail domains`")
    p = command("rename", "change a mailbox's name and/or domain")
    p.add_argument("address")
    p.add_argument("name", help="the new part before the @")
    p.add_argument("--domain", help="move it to this domain too")
    p = command("delete", "delete a mailbox")
    p.add_argument("address")
    p = command("add", "add a mailbox you created elsewhere (e.g. on the website)")
    p.add_argument("address")
    command("boxes", "list your mailboxes (from the local store; no request is made)")
    p = command("inbox", "list a mailbox's messages")
    p.add_argument("address")
    p.add_argument("--offline", action="store_true", help="show what was fetched before, without a request")
    p = command("read", "show a message: headers, clean text, links, attachments")
    p.add_argument("message_id")
    p = command("save", "save a message's attachments (all of them unless named)")
    p.add_argument("message_id")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--dir", help="folder to save into (default: your downloads folder)")
    p = command("delete-message", "delete a message")
    p.add_argument("message_id")
    p = command("watch", "print each new message as it arrives, until Ctrl-C")
    p.add_argument("address")
    p.add_argument("--interval", type=positive, default=5.0, help="seconds between checks (default 5)")
    p = command("code", "wait for a verification code at an address and print it")
    p.add_argument("address")
    p.add_argument("--new", action="store_true", help="ignore the mail already in the box when it starts")
    p.add_argument("--timeout", type=positive, default=120.0, help="seconds to wait before giving up (default 120)")
    p.add_argument("--interval", type=positive, default=5.0, help="seconds between checks (default 5)")
    return parser


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .tui.launch import run_tui

        return run_tui(base_url=args.base_url, demo=args.demo)
    ctx: Context | None = None
    try:
        ctx = Context(args)
        return asyncio.run(COMMANDS[args.command](ctx))
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"tmail: error: {exc}", file=sys.stderr)
        return 2
    except TmailError as exc:
        print(f"tmail: {clean_text(str(exc), multiline=False)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tmail: {clean_text(exc.strerror or str(exc), multiline=False)}"
              f"{': ' + clean_text(str(exc.filename), multiline=False) if exc.filename else ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0 if args.command == "watch" else 130
    finally:
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
