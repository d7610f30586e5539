"""No key yet: paste one (stored 0600), or try the demo against the bundled emulator."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static


class FirstRunScreen(Screen[tuple[str, str]]):
    """Returns ("key", key) or ("demo", "")."""

    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; }
    FirstRunScreen > Vertical { width: 76; max-width: 95%; height: auto; border: thick $accent; padding: 1 2; }
    FirstRunScreen Horizontal { height: auto; margin-top: 1; }
    FirstRunScreen Button { margin-right: 2; }
    FirstRunScreen #key-error { color: $error; height: auto; }
    """
    BINDINGS = [("ctrl+q", "app.quit", "Quit")]

    def __init__(self, config_path: str, problem: str = "") -> None:
        super().__init__()
        self.config_path = config_path
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Welcome to tmail", style="bold"), markup=False)
            yield Static(Text(
                "Paste your Temp Mail User API key (from the API page of your account). It is kept in "
                f"{self.config_path}, readable only by you. Or try the demo: it runs against a local emulator "
                "and nothing leaves this machine."), markup=False)
            yield Input(placeholder="User API key", password=True, id="key")
            yield Static(Text(self.problem), id="key-error", markup=False)
            with Horizontal():
                yield Button("Save key and start", variant="primary", id="save")
                yield Button("Try the demo", id="demo")
        yield Footer()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        if not key or any(c.isspace() for c in key):
            self.query_one("#key-error", Static).update("Paste the key first (it has no spaces).")
            return
        self.dismiss(("key", key))

    @on(Button.Pressed, "#demo")
    def demo(self) -> None:
        self.dismiss(("demo", ""))
