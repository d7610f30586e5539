"""Choose one of a list: an attachment to save, a link to open or copy."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .dialog import Dialog


class PickScreen(Dialog[tuple[str, int] | None]):
    """Enter answers ("enter", index); each key of `keys` answers (its verb, index); a digit 1-9 moves to that
    choice; Escape answers None. Unpickable choices are shown but cannot be picked."""

    DEFAULT_CSS = """
    #pick { width: 90; max-height: 80%; }
    PickScreen OptionList { height: auto; max-height: 24; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("j", "move('cursor_down')", "Down", show=False),
                Binding("k", "move('cursor_up')", "Up", show=False)]

    def __init__(self, prompt: str, choices: list[Text], *, keys: dict[str, str] | None = None,
                 unpickable: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.prompt = prompt
        self.choices = choices
        self.keys = keys or {}
        self.unpickable = unpickable  # not `self.disabled`: that would disable the screen itself

    def compose(self) -> ComposeResult:
        with Vertical(id="pick"):
            yield Static(Text(self.prompt, style="bold"), markup=False)
            yield OptionList(*[Option(choice, id=str(n), disabled=n in self.unpickable)
                               for n, choice in enumerate(self.choices)])

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("enter", event.option_index))

    def on_key(self, event: events.Key) -> None:
        highlighted = self.options.highlighted
        if event.key in self.keys and highlighted is not None and highlighted not in self.unpickable:
            event.stop()
            self.dismiss((self.keys[event.key], highlighted))
        elif event.character and event.character in "123456789" and int(event.character) <= len(self.choices):
            event.stop()
            self.options.highlighted = int(event.character) - 1

    def action_move(self, where: str) -> None:
        """j and k move as the arrows do, as in every list of tmail."""
        getattr(self.options, f"action_{where}")()

    def action_cancel(self) -> None:
        self.dismiss(None)
