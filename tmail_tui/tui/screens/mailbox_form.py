"""Choose a mailbox's name and domain: for a new named box (N) and for changing one (e)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.validation import Regex
from textual.widgets import Input, Label, Select, Static

from ...mailboxes import NAME, NAME_RULE
from .dialog import Dialog


class MailboxFormScreen(Dialog[tuple[str, str] | None]):
    """Returns (name, domain), or None when cancelled."""

    DEFAULT_CSS = """
    MailboxFormScreen Label { margin-top: 1; }
    """
    # Enter submits from any field, the domain list included (unless its choices are open: then it picks one).
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "submit", "Create", priority=True)]

    def __init__(self, title: str, domains: list[tuple[str, str]], name: str = "", domain: str | None = None,
                 verb: str = "creates") -> None:
        super().__init__()
        self.form_title = title
        self.verb = verb
        self.domains = domains  # (domain, label)
        self.initial_name = name
        self.initial_domain = domain if domain in {d for d, _ in domains} else (domains[0][0] if domains else None)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.form_title, style="bold"), markup=False)
            yield Label("Name (the part before the @)")
            yield Input(self.initial_name, placeholder="e.g. signup.test", id="name",
                        validators=[Regex(NAME.pattern, failure_description=f"Use {NAME_RULE}.")])
            yield Label("Domain")
            yield Select([(Text(label), domain) for domain, label in self.domains], value=self.initial_domain,
                         allow_blank=False, id="domain")
            yield Static("", classes="error", markup=False)
            yield Static(f"Enter {self.verb} it · Escape cancels", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "submit" and self.query_one("#domain", Select).expanded)

    def action_submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        domain = self.query_one("#domain", Select).value
        if not NAME.fullmatch(name):
            self.query_one(".error", Static).update(f"Use {NAME_RULE}.")
            return
        if not isinstance(domain, str):
            self.query_one(".error", Static).update("Pick a domain.")
            return
        self.dismiss((name.lower(), domain))

    def action_cancel(self) -> None:
        self.dismiss(None)
