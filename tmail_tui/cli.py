"""The `tmail` command. No subcommand starts the TUI; subcommands are for scripts and quick looks.

Every subcommand runs on the same core as the reader: the workflows in `mailboxes.py`, and for `watch` and `code`
the reader's own poll loop (`watcher.py`), so they keep the reader's quota-aware pace, share it with a reader or
another `tmail` open on the same box, and see every new message once, whoever fetched it.

Exit status: 0 success, 1 an API, network or file error (message on stderr), 2 bad usage.
`--json` prints machine-readable output (ASCII-only JSON, so no control character can reach a terminal), in one
schema for every command (the README documents it). Global options go before or after the subcommand.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.cells import cell_len

from . import __version__
from . import config as config_module
from .api import AuthError, NotFoundError, TempMailClient, TmailError, check_key
from .api.client import DOMAIN_TYPES, is_loopback
from .api.models import Mailbox, Message
from .codes import find_codes
from .formatting import headers, local_time, sender, time_left
from .mailboxes import InvalidInput, Mailboxes, check_address
from .poller import FAST, PollPolicy
from .render import human_size, render_body, text_with_links, wrap_for_terminal
from .sanitize import clean_text, one_line, safe_filename
from .store import Store, StoredBox, Summary
from .verify_links import rank_links
from .watcher import BoxGone, MailArrived, PollFailed, PollSucceeded, Scheduled, Watcher


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


# --- output helpers -------------------------------------------------------------------------------------------------


def emit_json(value: Any, *, lines: bool = False) -> None:
    print(json.dumps(value, ensure_ascii=True, indent=None if lines else 2), flush=True)


def table(headers_: list[str], rows: list[list[str]]) -> str:
    """Aligned columns by terminal cell width; every cell is one sanitised line. The last column is not padded."""
    cells = [[one_line(c) for c in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers_)]

    def line(values: list[str]) -> str:
        padded = [v + " " * (widths[i] - cell_len(v)) for i, v in enumerate(values[:-1])]
        return "  ".join(padded + [values[-1]]).rstrip()

    return "\n".join([line(headers_)] + [line(r) for r in cells])


def warn(text: str) -> None:
    print(f"tmail: {one_line(text)}", file=sys.stderr, flush=True)


# The one --json schema (README, "Command line"): snake_case, the same names in every command.

def box_json(box: Mailbox) -> dict[str, Any]:
    return {"address": box.email, "domain": box.domain, "expire_at": box.expire_at_raw or None,
            "expires_in_seconds": box.expires_in_seconds, "created_at": box.created_at_raw or None}


def stored_box_json(box: StoredBox, now: float) -> dict[str, Any]:
    return {"address": box.address, "domain": box.domain, "expire_at": box.expire_at_raw or None,
            "expired": box.is_expired(now), "origin": box.origin, "messages": box.total, "unread": box.unread}


def message_json(message: Message, seen: bool, with_text: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": message.id, "mailbox": message.mailbox, "from_name": message.from_name,
        "from_email": message.from_email, "subject": message.subject, "received_at": message.received_raw or None,
        "seen": seen, "html": message.is_html, "content": message.content,
        "attachments": [{"name": a.name, "extension": a.extension, "size": a.size} for a in message.attachments],
    }
    if with_text:
        body = render_body(message.content, message.is_html)
        data["text"] = body.text
        data["links"] = [{"number": link.number, "url": link.url, "label": link.label, "safe": link.safe}
                         for link in body.links]
    return data


def describe_box(box: Mailbox) -> str:
    left = box.expires_in_seconds
    if left is None and box.expire_at is not None:
        left = int(box.expire_at.timestamp() - time.time())
    until = f" until {local_time(box.expire_at, box.expire_at_raw)}" if box.expire_at or box.expire_at_raw else ""
    return f"{one_line(box.email)} (expires in {time_left(left)}{until})" if left is not None else one_line(box.email)


def message_summary(message: Message | Summary, seen: bool) -> list[str]:
    if isinstance(message, Summary):
        count, received = message.attachments, (message.received_at, message.received_raw)
    else:
        count, received = len(message.attachments), (message.received_at, message.received_raw)
    return [message.id, " " if seen else "*", local_time(*received), sender(message.from_name, message.from_email, 40),
            f"+{count}" if count else "", one_line(message.subject, 80) or "(no subject)"]


def message_document(message: Message) -> str:
    """A message as the reader shows it: headers, the body as clean text, then links and attachments."""
    lines = [f"{label + ':':<9}{value}" for label, value in headers(message, seconds=True)]
    lines += [f"{'Id:':<9}{one_line(message.id)}", "", text_with_links(render_body(message.content, message.is_html))]
    if message.attachments:
        lines += ["", "Attachments:"] + [
            f"  {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})" for a in message.attachments]
    return clean_text("\n".join(lines))


# --- commands -------------------------------------------------------------------------------------------------------


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
            say_progress(event, address)
        box = await asyncio.to_thread(ctx.store.box, address)
    return box


async def cmd_domains(ctx: Context) -> int:
    domains = await ctx.api.domains(ctx.args.type)
    if ctx.args.json:
        emit_json({"requested_type": domains.requested_type, "allowed_types": list(domains.allowed_types),
                   "domains": [{"domain": d.domain, "type": d.type, "custom": d.custom} for d in domains.domains]})
    else:
        print(table(["DOMAIN", "TYPE", "CUSTOM"],
                    [[d.domain, d.type or "?", "yes" if d.custom else ""] for d in domains.domains]))
    return 0


async def cmd_new(ctx: Context) -> int:
    box = await ctx.mailboxes.create_named(ctx.args.name, ctx.args.domain, keep_stray=ctx.args.keep)
    if ctx.args.json:
        emit_json(box_json(box))
    else:
        print(f"Created {describe_box(box)}")
    return 0


async def cmd_rename(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    renamed = await ctx.mailboxes.rename(address, ctx.args.name, ctx.args.domain)
    if ctx.args.json:
        emit_json(box_json(renamed))
    else:
        print(f"{one_line(address)} is now {describe_box(renamed)}")
    return 0


async def cmd_delete(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    said = await ctx.mailboxes.delete(address)
    if ctx.args.json:
        emit_json({"deleted": address, "message": said})
    else:
        print(f"Deleted {one_line(address)}. {said}".rstrip())
    return 0


async def cmd_add(ctx: Context) -> int:
    added = await ctx.mailboxes.add(ctx.args.address)
    if ctx.args.json:
        emit_json({"added": added.address, "messages": added.messages, "known_before": added.known_before})
    elif added.known_before:
        print(f"{one_line(added.address)} is already in your list ({added.messages} message"
              f"{'s' if added.messages != 1 else ''} on the server).")
    else:
        print(f"Added {one_line(added.address)} ({added.messages} message{'s' if added.messages != 1 else ''}).")
    return 0


async def cmd_boxes(ctx: Context) -> int:
    now = time.time()
    boxes = await asyncio.to_thread(ctx.store.boxes)
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


def say_progress(event: object, address: str) -> None:
    """What a long-running command says on stderr while it waits: one line per outage, not per retry."""
    if isinstance(event, Scheduled) and event.stretch > 1 and not say_progress.slowed:
        say_progress.slowed = True
        warn(f"The month's API quota is running low: checking {event.stretch:.0f}x less often to make it last.")
    if isinstance(event, PollFailed) and event.first:
        warn(event.problem)
    elif isinstance(event, PollSucceeded) and event.recovered:
        warn(f"Checking {address} again: the server answers.")
    elif isinstance(event, Scheduled) and event.paused_until is not None:
        warn(f"The month's quota is used up: checking resumes at "
             f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(event.paused_until))}.")
    elif isinstance(event, BoxGone) or isinstance(event, Scheduled) and event.at is None and event.paused_until is None:
        raise TmailError(f"{address} has expired or was deleted; its mail stays in `tmail inbox {address} "
                         "--offline`.")


say_progress.slowed = False


async def cmd_watch(ctx: Context) -> int:
    address = check_address(ctx.args.address)
    watcher = ctx.watcher(address)
    await known_box(ctx, address, watcher)
    await watcher.start()  # from here on, mail is new
    print(f"Watching {one_line(address)}. Ctrl-C stops.", file=sys.stderr, flush=True)
    async for event in watcher.events():
        say_progress(event, address)
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
                    say_progress(event, address)
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


async def cmd_login(ctx: Context) -> int:
    """Ask for the key (never on the command line: it would show in `ps` and the shell's history), try it with one
    request, and keep it in the config file (0600)."""
    if sys.stdin.isatty():
        key = getpass.getpass("User API key (from your Temp Mail API page; not shown as you paste): ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise UsageError("No key was given.")
    if not ctx.args.unchecked:
        try:
            await check_key(key, ctx.config.base_url, insecure=ctx.config.allow_insecure)
        except AuthError:
            raise
        except TmailError as exc:
            raise TmailError(f"The key could not be checked: {exc} Run `tmail login --unchecked` to keep it "
                             "anyway.") from None
    path = config_module.save_api_key(key)
    print(f"Key {'saved' if ctx.args.unchecked else 'checked and saved'} in {path} (readable only by you).")
    if os.environ.get(config_module.KEY_VARIABLE):
        warn(f"{config_module.KEY_VARIABLE} is set in your environment: it is used instead of the saved key.")
    return 0


COMMANDS: dict[str, Callable[[Context], Awaitable[int]]] = {
    "domains": cmd_domains, "new": cmd_new, "rename": cmd_rename, "delete": cmd_delete, "add": cmd_add,
    "boxes": cmd_boxes, "inbox": cmd_inbox, "read": cmd_read, "save": cmd_save,
    "delete-message": cmd_delete_message, "watch": cmd_watch, "code": cmd_code, "link": cmd_link,
    "login": cmd_login,
}


def build_parser() -> argparse.ArgumentParser:
    # The global options are accepted on both sides of the subcommand: each subcommand repeats them with a
    # suppressed default, so a value given before the subcommand is not overwritten after it.
    globals_before = argparse.ArgumentParser(add_help=False)
    globals_after = argparse.ArgumentParser(add_help=False)
    for parser_, default in ((globals_before, None), (globals_after, argparse.SUPPRESS)):
        parser_.add_argument("--base-url", default=default, help="the User API base URL, with or without /api "
                             "(default: TMAIL_BASE_URL, the config file, or https://v1.tempmailg.com)")
        parser_.add_argument("--json", action="store_true", default=default or False,
                             help="machine-readable output (one schema: see the README)")
        parser_.add_argument("--insecure", action="store_true", default=default or False,
                             help="allow a plain http:// base URL to another machine (the key then travels in clear)")
    parser = argparse.ArgumentParser(
        prog="tmail", parents=[globals_before], description="A terminal mail reader for throwaway Temp Mail "
        "addresses. With no command, starts the full-screen reader.")
    parser.add_argument("--version", action="version", version=f"tmail {__version__}")
    parser.add_argument("--demo", action="store_true", help="run the reader against the bundled emulator with "
                        "demo mail (no key needed, nothing leaves this machine)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[globals_after])

    p = command("login", "enter your API key: it is checked with one request, then saved (mode 600)")
    p.add_argument("--unchecked", action="store_true", help="save it even if it cannot be checked now")
    p = command("domains", "list the domains your plan allows")
    p.add_argument("--type", choices=DOMAIN_TYPES, default="free", help="free (default), premium or all")
    p = command("new", "create a mailbox (random, or with the name you choose)")
    p.add_argument("--name", help="the part before the @")
    p.add_argument("--domain", help="one of `tmail domains`")
    p.add_argument("--keep", action="store_true", help="keep the random box when the name is refused")
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
    p.add_argument("--width", type=int, help="wrap to this many columns (default: the terminal's width when "
                   "printing to a terminal, no wrapping into a pipe; 0: never)")
    p = command("save", "save a message's attachments (all of them unless named)")
    p.add_argument("message_id")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--dir", help="folder to save into (default: your downloads folder)")
    p = command("delete-message", "delete a message")
    p.add_argument("message_id")
    p = command("watch", "print each message that arrives from now on, until Ctrl-C")
    p.add_argument("address")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g}; default: the "
                   "reader's pace for the box in view)")
    p = command("code", "wait for a verification code at an address and print it")
    p.add_argument("address")
    p.add_argument("--new", action="store_true", help="ignore the mail already in the box when it starts")
    p.add_argument("--timeout", type=positive, default=120.0, help="seconds to wait before giving up (default 120)")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g})")
    p = command("link", "wait for a verification (confirm, sign-in, reset) link at an address and print it")
    p.add_argument("address")
    p.add_argument("--new", action="store_true", help="ignore the mail already in the box when it starts")
    p.add_argument("--timeout", type=positive, default=120.0, help="seconds to wait before giving up (default 120)")
    p.add_argument("--interval", type=positive, help=f"seconds between checks (at least {FAST:g})")
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

        return run_tui(base_url=args.base_url, demo=args.demo, insecure=args.insecure)
    try:
        return asyncio.run(run(parser, args))
    except KeyboardInterrupt:
        return 0 if args.command == "watch" else 130


async def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    ctx: Context | None = None
    try:
        ctx = Context(args)
        return await COMMANDS[args.command](ctx)
    except (UsageError, InvalidInput) as exc:
        parser.print_usage(sys.stderr)
        print(f"tmail: error: {clean_text(str(exc), multiline=False)}", file=sys.stderr)
        return 2
    except TmailError as exc:
        print(f"tmail: {clean_text(str(exc), multiline=False)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tmail: {clean_text(exc.strerror or str(exc), multiline=False)}"
              f"{': ' + clean_text(str(exc.filename), multiline=False) if exc.filename else ''}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 0 if args.command == "watch" else 130
    finally:
        if ctx is not None:
            await ctx.close()


if __name__ == "__main__":
    sys.exit(main())
