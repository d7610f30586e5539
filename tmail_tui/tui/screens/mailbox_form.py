"""Choose a mailbox's name and domain: for a new named box (N) and for changing one (e)."""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Regex
from textual.widgets import Input, Label, Select, Static

NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"


class MailboxFormScreen(ModalScreen[tuple[str, str] | None]):
    """Returns (name, domain), or None when cancelled."""

    DEFAULT_CSS = """
    MailboxFormScreen { align: center middle; }
    MailboxFormScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $accent;
                                   background: $surface; padding: 1 2; }
    MailboxFormScreen Label { margin-top: 1; }
    MailboxFormScreen #form-error { color: $error; height: auto; }
    MailboxFormScreen #form-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, domains: list[tuple[str, str]], name: str = "", domain: str | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.domains = domains  # (domain, label)
        self.initial_name = name
        self.initial_domain = domain if domain in {d for d, _ in domains} else (domains[0][0] if domains else None)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.form_title, style="bold"), markup=False)
            yield Label("Name (the part before the @)")
            yield Input(self.initial_name, placeholder="e.g. signup.test", id="name",
                        validators=[Regex(NAME, failure_description="Use letters, digits, dot, dash or underscore.")])
            yield Label("Domain")
            yield Select([(Text(label), domain) for domain, label in self.domains], value=self.initial_domain,
                         allow_blank=False, id="domain")
            yield Static("", id="form-error", markup=False)
            yield Static("Enter creates it · Escape cancels", id="form-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    def submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        domain = self.query_one("#domain", Select).value
        if not re.fullmatch(NAME, name):
            self.query_one("#form-error", Static).update("Use letters, digits, dot, dash or underscore "
                                                         "(starting with a letter or digit).")
            return
        if not isinstance(domain, str):
            self.query_one("#form-error", Static).update("Pick a domain.")
            return
        self.dismiss((name.lower(), domain))

    def action_cancel(self) -> None:
        self.dismiss(None)
