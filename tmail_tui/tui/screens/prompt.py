"""One line to type, and optionally a choice beside it: the label of a box (`L`), the command a message is piped
to (`|`). Enter answers (text, choice); Escape answers None."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from .dialog import Dialog


class PromptScreen(Dialog[tuple[str, str] | None]):
    DEFAULT_CSS = """
    #prompt { width: 80; }
    PromptScreen Label { margin-top: 1; }
    """
    # Enter answers from the field or the choice (unless the choice's list is open: then it picks one).
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "answer", "OK", priority=True)]

    def __init__(self, title: str, *, detail: str = "", value: str = "", placeholder: str = "",
                 hint: str = "Enter: OK · Escape: cancel", choices: list[tuple[str, str]] | None = None,
                 choice: str | None = None, choice_label: str = "") -> None:
        super().__init__()
        self.prompt_title = title
        self.detail = detail
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.choices = choices or []  # (value, label)
        self.choice = choice if choice in {v for v, _ in self.choices} else (self.choices[0][0] if choices else "")
        self.choice_label = choice_label

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(Text(self.prompt_title, style="bold"), markup=False)
            if self.detail:
                yield Static(Text(self.detail), markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-text")
            if self.choices:
                yield Label(self.choice_label)
                yield Select([(Text(label), value) for value, label in self.choices], value=self.choice,
                             allow_blank=False, id="prompt-choice")
            yield Static(Text(self.hint), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#prompt-text", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and self.choices:
            return not self.query_one("#prompt-choice", Select).expanded
        return True

    def action_answer(self) -> None:
        choice = self.query_one("#prompt-choice", Select).value if self.choices else ""
        self.dismiss((self.query_one("#prompt-text", Input).value, choice if isinstance(choice, str) else ""))

    def action_cancel(self) -> None:
        self.dismiss(None)
