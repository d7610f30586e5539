"""Looking away from the reader: an armed box (`A`) copies the code or link of the mail it waits for the moment it
lands and says so (a notice, the bell, a desktop notification through the terminal), warns before it expires, and
a new-mail hook (`on_new_mail` in the config) runs for each new message. Judging a message runs off the UI thread:
its body is converted like the reader's. What only an armed box or a hook needs (the expectation's code finder,
the hook runner) is imported when first used, not before the first frame."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work

from ...sanitize import one_line
from ...store import Summary

if TYPE_CHECKING:
    from ...expect import Expectation
    from .mail import MailScreen

EXPIRY_WARNING = 60.0  # seconds before an armed box expires that the user is warned


class Arming:
    @work(group="arm", exit_on_error=False)
    async def action_arm(self: MailScreen) -> None:
        """Arm the selected box, or disarm it when it is armed."""
        box = self.selected_box
        if box is None:
            return
        if box.address in self.armed:
            self.disarm(box.address, f"{one_line(box.address)} is no longer armed.")
            return
        if box.is_expired(self.app.clock()):
            self.notify("An expired box gets no more mail: arm a live one.", severity="warning", markup=False)
            return
        from .arm import ArmScreen

        expectation = await self.app.push_screen_wait(ArmScreen(box.address))
        if expectation is None:
            return
        self.armed[box.address] = expectation
        if self._expiry_watch is None:  # (only while a box is armed: an idle reader runs no timer for it)
            self._expiry_watch = self.set_interval(5.0, self.warn_expiring)
        self.app.watcher.hurry(box.address, True)  # polled at the fast pace while it waits
        self.sidebar.armed = {address: e.describe() for address, e in self.armed.items()}
        self.notify(f"{one_line(box.address)} is armed: waiting for {expectation.describe()}. You can look away.",
                    markup=False)

    def disarm(self: MailScreen, address: str, said: str) -> None:
        self.armed.pop(address, None)
        self._warned.discard(address)
        if not self.armed and self._expiry_watch is not None:
            self._expiry_watch.stop()
            self._expiry_watch = None
        self.app.watcher.hurry(address, False)
        self.sidebar.armed = {a: e.describe() for a, e in self.armed.items()}
        self.notify(said, markup=False)

    @work(group="armed", exit_on_error=False)
    async def check_armed(self: MailScreen, rows: tuple[Summary, ...]) -> None:
        """New mail in an armed box: the first message that meets its expectation gives its code or link."""
        for row in sorted(rows, key=lambda r: r.received_ts or 0):
            expectation = self.armed.get(row.mailbox)
            if expectation is None:
                continue
            stored = await asyncio.to_thread(self.app.store.message, row.id, row.mailbox)
            if stored is None:
                continue
            body = await self.app.converter.for_reader(stored.message.content, stored.message.is_html)
            verdict = await asyncio.to_thread(expectation.judge, stored.message, body)
            if verdict.result is not None:
                self.armed_mail_came(row, expectation, verdict.result)

    def armed_mail_came(self: MailScreen, row: Summary, expectation: Expectation, result: dict) -> None:
        found = result["code"] if expectation.gives == "code" else result["url"]
        self.app.copy_to_clipboard(found)
        who = one_line(row.from_name or row.from_email, 40) or "New mail"
        said = f"{who} · {one_line(found, 120)} (copied)"
        self.app.alert("tmail", said)
        self.disarm(row.mailbox, said)

    def warn_expiring(self: MailScreen) -> None:
        """An armed box about to expire: said once, so the user can make another before the mail is lost."""
        now = self.app.clock()
        for box in self.sidebar.boxes:
            left = box.seconds_left(now)
            if box.address in self.armed and left is not None and left < EXPIRY_WARNING \
                    and box.address not in self._warned:
                self._warned.add(box.address)
                self.notify(f"{one_line(box.address)} expires in {max(int(left), 0)}s and is still waiting for "
                            f"{self.armed[box.address].describe()}.", severity="warning", markup=False)

    @work(group="hooks", exit_on_error=False)
    async def run_hooks(self: MailScreen, rows: tuple[Summary, ...]) -> None:
        """The user's new-mail command, once per message, one at a time; a failure is said, never fatal."""
        from ...hooks import run_hook
        from ...schema import message_json

        command = self.app.config.on_new_mail
        for row in sorted(rows, key=lambda r: r.received_ts or 0):
            stored = await asyncio.to_thread(self.app.store.message, row.id, row.mailbox)
            if stored is None:
                continue
            payload = await asyncio.to_thread(message_json, stored.message, stored.seen, True)
            ran = await run_hook(command, payload)
            if not ran.ok:
                self.notify(ran.detail, title="New-mail hook", severity="warning", markup=False)
