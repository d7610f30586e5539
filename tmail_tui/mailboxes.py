"""Every mailbox and message workflow, written once for the reader and the command line.

Each one talks to the API, then writes the store; neither front end repeats a step. The reader learns of the result
from its watcher (the store's box version moves, `BoxesChanged`), the command line prints what the call returns.
Store I/O runs in threads: the reader's event loop never waits on SQLite.

Decisions:
- A new box with a name is made in two steps (the API has no other way: create a random box, then rename it). The
  name's form and the domain are checked first, so a mistake costs no stray box; if the server still refuses the
  name, the random box is deleted again (unless asked to keep it), and the error says which happened.
- Deleting something this computer knows that the server no longer has (404) is success: it was gone already, and
  forgetting it here is all that is left. For something unknown, a 404 stays an error (a typo, most likely).
- Adding a box made elsewhere asks the server for its mail first: that proves the box exists and is this key's.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

from .api import NotFoundError, PlanError, TempMailClient, TmailError
from .api.models import Attachment, Domain, Mailbox, Message
from .downloads import SavedFile, prepare_folder, sweep_partials
from .sanitize import one_line
from .store import Store, normal_address

ADDRESS = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")
# What can be the part before the @ at all; the server may be stricter, and says so.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "letters, digits, dot, dash or underscore, starting with a letter or digit (at most 64)"


class InvalidInput(TmailError):
    """What the user typed cannot be right; nothing was sent."""


def check_address(text: str) -> str:
    address = normal_address(text)
    if not ADDRESS.fullmatch(address):
        raise InvalidInput(f"{one_line(text, 80)!r} is not an e-mail address.")
    return address


def check_name(text: str) -> str:
    name = text.strip()
    if not NAME.fullmatch(name):
        raise InvalidInput(f"{one_line(name, 80)!r} cannot be a mailbox name: use {NAME_RULE}.")
    return name.lower()


@dataclass(frozen=True)
class Added:
    address: str
    messages: int
    known_before: bool


@dataclass
class Saved:
    files: list[SavedFile] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (attachment name, why)

    @property
    def warnings(self) -> list[str]:
        return [f.warning for f in self.files if f.warning]


class Mailboxes:
    def __init__(self, api: TempMailClient, store: Store) -> None:
        self.api = api
        self.store = store
        self._domains: list[Domain] | None = None

    async def domains(self) -> list[Domain]:
        """The domains this key may use (all of them when the plan allows premium ones), asked once."""
        if self._domains is None:
            try:
                listing = await self.api.domains("all")
            except PlanError:
                listing = await self.api.domains("free")
            self._domains = list(listing.domains)
        return self._domains

    async def _check_domain(self, domain: str) -> str:
        domain = domain.strip().lower()
        allowed = [d.domain.lower() for d in await self.domains()]
        if domain not in allowed:
            raise InvalidInput(f"{one_line(domain, 80)!r} is not one of your domains "
                               f"({', '.join(one_line(d) for d in allowed) or 'none'}).")
        return domain

    async def create(self) -> Mailbox:
        box = await self.api.create_mailbox()
        await asyncio.to_thread(self.store.save_box, box, "created")
        return box

    async def create_named(self, name: str | None, domain: str | None, keep_stray: bool = False) -> Mailbox:
        """A box called name@domain (either may be left to the server's choice)."""
        name = check_name(name) if name else None
        domain = await self._check_domain(domain) if domain else None
        box = await self.create()
        if name is None and domain is None:
            return box
        wanted = f"{name or box.email.partition('@')[0]}@{domain or box.domain}"
        try:
            return await self.rename(box.email, name or box.email.partition("@")[0], domain or box.domain)
        except TmailError as exc:
            if keep_stray:
                raise TmailError(f"Created {box.email}, but could not name it {wanted}: {exc} "
                                 f"{box.email} is kept.") from None
            try:
                await self.delete(box.email)
            except TmailError:
                raise TmailError(f"Could not name the new box {wanted}: {exc} Deleting the random box "
                                 f"{box.email} failed too: it stays in your list.") from None
            raise TmailError(f"Could not name the new box {wanted}: {exc} (The random box made first was "
                             "deleted again.)") from None

    async def rename(self, address: str, name: str, domain: str | None = None) -> Mailbox:
        address, name = check_address(address), check_name(name)
        domain = (domain or address.rpartition("@")[2]).strip().lower()
        renamed = await self.api.change_mailbox(address, name, domain)
        await asyncio.to_thread(self.store.rename_box, address, renamed)
        return renamed

    async def add(self, address: str) -> Added:
        address = check_address(address)
        known = await asyncio.to_thread(self.store.box, address) is not None
        messages = await self.api.messages(address)  # proves the box exists and is this key's
        await asyncio.to_thread(self.store.add_address, address)
        await asyncio.to_thread(self.store.record_poll, address, messages)
        return Added(address, len(messages), known)

    async def delete(self, address: str) -> str:
        """Delete a box on the server and here; returns what happened, in words."""
        address = check_address(address)
        known = await asyncio.to_thread(self.store.box, address) is not None
        said = await _already_gone_is_fine(self.api.delete_mailbox(address), known,
                                           "It had already expired or been deleted on the server.")
        await asyncio.to_thread(self.store.forget_box, address)
        return said

    async def delete_message(self, mailbox: str | None, message_id: str) -> str:
        known = await asyncio.to_thread(self.store.message, message_id, mailbox) is not None
        said = await _already_gone_is_fine(self.api.delete_message(message_id), known,
                                           "It was already gone on the server.")
        await asyncio.to_thread(self.store.delete_message, message_id, mailbox)
        return said

    async def mark_seen(self, message: Message) -> None:
        await asyncio.to_thread(self.store.mark_seen, message.id, message.mailbox)

    async def save(self, message: Message, attachments: list[Attachment], folder: Path) -> Saved:
        """Download attachments into `folder`, each under a free name; one failure does not stop the others. A
        folder that cannot be one is one error for all (DownloadError), before anything is asked of the server.
        Stale partial files of earlier, killed downloads are swept from the folder first."""
        folder = await asyncio.to_thread(prepare_folder, folder)
        await asyncio.to_thread(sweep_partials, folder)
        saved = Saved()
        for attachment in attachments:
            try:
                saved.files.append(await self.api.download_attachment(
                    message.id, attachment.name, folder, attachment.extension, listed_size=attachment.size))
            except (TmailError, OSError) as exc:
                saved.failures.append((attachment.name, getattr(exc, "strerror", None) or str(exc)))
        return saved


async def _already_gone_is_fine(deleting, known: bool, already_gone: str) -> str:
    try:
        return await deleting
    except NotFoundError:
        if not known:
            raise
        return already_gone

