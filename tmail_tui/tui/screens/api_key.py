"""The API key: pasted on the first start (or to replace a refused one), tried with one cheap request before it is
kept, or the demo against the bundled emulator instead.

The key never leaves this screen as text anyone can see: the field is masked, and its messages (which Textual writes
to the log file when TEXTUAL_LOG is set) carry a masked value.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...api import AuthError, TmailError, check_key
from ...sanitize import one_line

MASK = "•••"


class _Masked:
    """A message about the key field whose repr (what Textual's log writes) never holds the key."""

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(value={MASK!r})"

    def __rich_repr__(self):
        yield "value", MASK


class KeyInput(Input):
    """A password field whose messages never show the key in a log or a repr."""

    class Changed(_Masked, Input.Changed):
        pass

    class Submitted(_Masked, Input.Submitted):
        pass

    class Blurred(_Masked, Input.Blurred):
        pass


class KeyScreen(ModalScreen[tuple[str, str] | None]):
    """Returns ("key", key) once the key was accepted by the server (or could not be checked and the user pressed
    Enter again), ("demo", "") for the demo, or None (Escape)."""

    DEFAULT_CSS = """
    KeyScreen Horizontal { height: auto; margin-top: 1; }
    KeyScreen Button { margin-right: 2; }
    KeyScreen #key-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, config_path: str, base_url: str, *, insecure: bool = False, problem: str = "",
                 first_run: bool = True) -> None:
        super().__init__(classes="dialog")
        self.config_path = config_path
        self.base_url = base_url
        self.insecure = insecure
        self.problem = problem
        self.first_run = first_run
        self._unchecked = ""  # a key that could not be checked: Enter again keeps it anyway

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Welcome to tmail" if self.first_run else "Change the API key", style="bold"),
                         markup=False)
            yield Static(Text(
                "Paste your Temp Mail User API key (from the API page of your account). It is tried once, then kept "
                f"in {self.config_path}, readable only by you."
                + (" Or try the demo: it runs against a local emulator and nothing leaves this machine."
                   if self.first_run else "")), markup=False)
            yield KeyInput(placeholder="User API key", password=True, id="key")
            yield Static(Text(self.problem), id="key-error", markup=False)
            with Horizontal():
                yield Button("Check and save", variant="primary", id="save")
                if self.first_run:
                    yield Button("Try the demo", id="demo")
            yield Static(Text("Enter saves · Escape " + ("quits" if self.first_run else "cancels"), style="dim"),
                         markup=False)

    def say(self, text: str) -> None:
        self.query_one("#key-error", Static).update(Text(text))

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        if not key or any(c.isspace() for c in key):
            self.say("Paste the key first (it has no spaces).")
            return
        if key == self._unchecked:
            self.dismiss(("key", key))
            return
        self.say("Checking the key…")
        self.check(key)

    @work(group="check-key", exclusive=True, exit_on_error=False, description="checking the API key")
    async def check(self, key: str) -> None:
        try:
            await check_key(key, self.base_url, insecure=self.insecure)
        except AuthError as exc:
            self.say(one_line(str(exc), 300))
            return
        except TmailError as exc:
            self._unchecked = key
            self.say(one_line(f"The key could not be checked: {exc} Press Enter again to keep it anyway.", 400))
            return
        self.dismiss(("key", key))

    @on(Button.Pressed, "#demo")
    def demo(self) -> None:
        self.dismiss(("demo", ""))

    def action_cancel(self) -> None:
        if self.first_run:
            self.app.exit()
        else:
            self.dismiss(None)
