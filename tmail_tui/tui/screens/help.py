"""`?`: every key, from the same table that defines the bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keys import KEYS, NAVIGATION
from .dialog import Dialog


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    #help { width: 80; scrollbar-gutter: stable; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key in KEYS:
            table.add_row(Text(key.shown), Text(key.help))
        table.add_row("", "")
        for keys, what in NAVIGATION:
            table.add_row(Text(keys), Text(what))
        with VerticalScroll(id="help"):
            yield Static(Text("tmail keys", style="bold"), markup=False)
            yield Static(Text("Escape, q or ? closes this help. Every action is also in the command palette "
                              "(ctrl+p).\n", style="italic"), markup=False)
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
