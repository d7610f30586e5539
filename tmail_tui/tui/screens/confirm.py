"""A yes/no question. `y` or Enter says yes; `n` or Escape says no."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from .dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    DEFAULT_CSS = """
    #confirm { border: thick $error; }
    ConfirmScreen Horizontal { align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(Text(self.question, style="bold"), markup=False)
            if self.detail:
                yield Static(Text(self.detail), markup=False)
            with Horizontal():
                # Not focusable: Enter must mean yes wherever focus is, as the hint says.
                yes = Button("Yes (y)", variant="error", id="yes")
                no = Button("No (n)", id="no")
                yes.can_focus = no.can_focus = False
                yield yes
                yield no

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
