"""The mail screen's mailbox keys: n N e a D c r. Each asks what it must (a dialog), calls one workflow of the core
(mailboxes.py) and says what happened; the sidebar follows from the watcher's report, like any other change.
The dialogs are imported when a key first opens one: the reader's first frame does not need them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from ...api import TmailError
from ...sanitize import one_line

if TYPE_CHECKING:
    from .mail import MailScreen


class MailboxActions:
    @work(group="new", exit_on_error=False)
    async def action_new_random(self: MailScreen) -> None:
        await self.adopt(self.app.mailboxes.create(), lambda box: f"Created {one_line(box.email)}. Press c to copy it.")

    @work(group="demo", exclusive=True, exit_on_error=False)
    async def seed_demo(self: MailScreen, count: int = 2) -> None:
        """The demo starts with two boxes; the emulator fills them with mail of every kind."""
        for _ in range(count):
            box = await self.app.mailboxes.create()
        self.select_when_shown(box.email)

    def keep_demo_alive(self: MailScreen) -> None:
        """A demo left open keeps showing mail: when its boxes have all expired, it makes a new one (the
        emulator's live mail goes to the newest live box)."""
        now = self.app.clock()
        if self.sidebar.boxes and not any(not b.is_expired(now) for b in self.sidebar.boxes):
            self.notify("The demo's boxes expired: here is a new one, and mail keeps arriving.", markup=False)
            self.seed_demo(count=1)

    async def name_and_domain(self: MailScreen, title: str, name: str = "", domain: str | None = None,
                              verb: str = "creates") -> tuple[str, str] | None:
        """The mailbox form, over the domains this key may use; None when cancelled or the domains can't be had."""
        try:
            domains = await self.app.mailboxes.domains()
        except TmailError as exc:
            self.error(exc)
            return None
        choices = [(d.domain, f"{one_line(d.domain)} ({one_line(d.type) or '?'})") for d in domains]
        from .mailbox_form import MailboxFormScreen

        return await self.app.push_screen_wait(MailboxFormScreen(title, choices, name=name, domain=domain, verb=verb))

    async def adopt(self: MailScreen, making, said) -> None:
        """Run a workflow that makes or renames a box; select the box once it shows, and say what happened."""
        try:
            box = await making
        except TmailError as exc:
            self.error(exc)
            return
        self.select_when_shown(box.email)
        self.notify(said(box), markup=False)

    @work(group="new", exit_on_error=False)
    async def action_new_named(self: MailScreen) -> None:
        choice = await self.name_and_domain("New mailbox")
        if choice is not None:
            await self.adopt(self.app.mailboxes.create_named(*choice), lambda box: f"Created {one_line(box.email)}.")

    @work(group="rename", exit_on_error=False)
    async def action_rename(self: MailScreen) -> None:
        box = self.selected_box
        if box is None or box.is_expired(self.app.clock()):
            self.notify("Select a live mailbox to rename.", severity="warning", markup=False)
            return
        name, _, domain = box.address.partition("@")
        choice = await self.name_and_domain(f"Change {one_line(box.address)}", name, domain, verb="changes")
        if choice is not None:
            await self.adopt(self.app.mailboxes.rename(box.address, *choice),
                             lambda renamed: f"{one_line(box.address)} is now {one_line(renamed.email)}.")

    @work(group="add", exit_on_error=False)
    async def action_add_address(self: MailScreen) -> None:
        from .add_address import AddAddressScreen

        address = await self.app.push_screen_wait(AddAddressScreen())
        if not address:
            return
        try:
            added = await self.app.mailboxes.add(address)
        except TmailError as exc:
            self.error(exc, f"Could not add {address}")
            return
        self.select_when_shown(added.address)
        known = "is already in your list" if added.known_before else "was added"
        self.notify(f"{one_line(added.address)} {known}.", markup=False)

    @work(group="delete-box", exit_on_error=False)
    async def action_delete_mailbox(self: MailScreen) -> None:
        box = self.selected_box
        if box is None:
            return
        detail = f"Its {box.total} message{'s' if box.total != 1 else ''} will be removed from this computer too."
        from .confirm import ConfirmScreen

        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete {one_line(box.address)}?", detail)):
            return
        try:
            await self.app.mailboxes.delete(box.address)
        except TmailError as exc:
            self.error(exc)
            return
        self.app.watcher.wake()
        self.notify(f"Deleted {one_line(box.address)}.", markup=False)

    def action_copy_address(self: MailScreen) -> None:
        box = self.selected_box
        if box is None:
            return
        self.app.copy_to_clipboard(box.address)
        self.notify(f"Copied {one_line(box.address)} to the clipboard.", markup=False)

    def action_refresh(self: MailScreen) -> None:
        box = self.selected_box
        if box is None:
            return
        if box.is_expired(self.app.clock()):
            self.notify(f"{one_line(box.address)} looks expired: asking the server again.", markup=False)
        self.app.watcher.check_now(box.address)
