"""Add an address made elsewhere (on the website): the API has no way to list a user's boxes."""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

ADDRESS = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")


class AddAddressScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    AddAddressScreen { align: center middle; }
    AddAddressScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $accent;
                                  background: $surface; padding: 1 2; }
    AddAddressScreen #add-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Add a mailbox you created elsewhere", style="bold"), markup=False)
            yield Input(placeholder="name@domain", id="address")
            yield Static("", id="add-error", markup=False)

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        address = event.value.strip()
        if not ADDRESS.match(address):
            self.query_one("#add-error", Static).update("That is not an e-mail address.")
            return
        self.dismiss(address)

    def action_cancel(self) -> None:
        self.dismiss(None)
