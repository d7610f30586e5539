"""Commands about mailboxes and the key: login, domains, new, rename, delete, add, boxes."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
import time

from .. import config as config_module
from ..api import AuthError, TmailError, check_key
from ..api.client import DOMAIN_TYPES
from ..formatting import time_left
from ..mailboxes import check_address
from ..sanitize import one_line
from .archive import open_archive
from .context import Context, UsageError
from .output import box_json, describe_box, emit_json, stored_box_json, table, warn


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
    labels = await box_labels(ctx)
    if ctx.args.json:
        emit_json([stored_box_json(b, now, labels.get(b.address, "")) for b in boxes])
    elif not boxes:
        print("No mailboxes yet. Create one with `tmail new`, or add one made elsewhere with `tmail add ADDRESS`.")
    else:
        print(table(["ADDRESS", "LABEL", "EXPIRES", "MAIL"],
                    [[b.address, labels.get(b.address, ""), time_left(b.seconds_left(now), b.gone_at is not None),
                      f"{b.unread} new / {b.total}" if b.unread else str(b.total)] for b in boxes]))
    return 0


async def box_labels(ctx: Context) -> dict[str, str]:
    """Each box's label (`tmail label`)."""
    archive = await open_archive(ctx)
    try:
        return await asyncio.to_thread(archive.labels)
    finally:
        archive.close()


def add_commands(command) -> None:
    p = command("login", "enter your API key: it is checked with one request, then saved (mode 600)", cmd_login)
    p.add_argument("--unchecked", action="store_true", help="save it even if it cannot be checked now")
    p = command("domains", "list the domains your plan allows", cmd_domains)
    p.add_argument("--type", choices=DOMAIN_TYPES, default="free", help="free (default), premium or all")
    p = command("new", "create a mailbox (random, or with the name you choose)", cmd_new)
    p.add_argument("--name", help="the part before the @")
    p.add_argument("--domain", help="one of `tmail domains`")
    p.add_argument("--keep", action="store_true", help="keep the random box when the name is refused")
    p = command("rename", "change a mailbox's name and/or domain", cmd_rename)
    p.add_argument("address")
    p.add_argument("name", help="the new part before the @")
    p.add_argument("--domain", help="move it to this domain too")
    p = command("delete", "delete a mailbox", cmd_delete)
    p.add_argument("address")
    p = command("add", "add a mailbox you created elsewhere (e.g. on the website)", cmd_add)
    p.add_argument("address")
    command("boxes", "list your mailboxes (from the local store; no request is made)", cmd_boxes)
