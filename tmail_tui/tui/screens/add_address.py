"""Add an address made elsewhere (on the website): the API has no way to list a user's boxes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...mailboxes import InvalidInput, check_address
from .dialog import Dialog


class AddAddressScreen(Dialog[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Add a mailbox you created elsewhere", style="bold"), markup=False)
            yield Input(placeholder="name@domain", id="address")
            yield Static("", classes="error", markup=False)
            yield Static("Enter adds it · Escape cancels", classes="hint", markup=False)

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(check_address(event.value))
        except InvalidInput:
            self.query_one(".error", Static).update("That is not an e-mail address.")

    def action_cancel(self) -> None:
        self.dismiss(None)
