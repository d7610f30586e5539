"""Arm a box (`A`): say what mail it waits for (a code or a link, optionally from whom or about what); when that
mail lands, its code or link is copied at once and a notice says so, wherever the user is looking."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from ...expect import Expectation
from ...sanitize import one_line
from .dialog import Dialog


class ArmScreen(Dialog[Expectation | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "arm", "Arm", priority=True)]
    DEFAULT_CSS = """
    ArmScreen Label { margin-top: 1; }
    """

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Arm {one_line(self.address)}", style="bold"), markup=False)
            yield Static(Text("When the mail comes, its code (or link) is copied and you are told, wherever you "
                              "are looking."), markup=False)
            yield Label("Wait for")
            yield Select([(Text("a verification code"), "code"), (Text("a verification link"), "link")],
                         value="code", allow_blank=False, id="gives")
            yield Label("From (a part of the sender; optional)")
            yield Input(placeholder="e.g. github", id="sender")
            yield Label("Subject (a part of it; optional)")
            yield Input(placeholder="e.g. verify", id="subject")
            yield Static("Enter arms it · Escape cancels", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#sender", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "arm" and self.query_one("#gives", Select).expanded)

    def action_arm(self) -> None:
        gives = self.query_one("#gives", Select).value
        self.dismiss(Expectation.of([self.query_one("#sender", Input).value],
                                    [self.query_one("#subject", Input).value],
                                    gives=gives if isinstance(gives, str) else "code"))

    def action_cancel(self) -> None:
        self.dismiss(None)
