"""Which attachment to save, when a message has several."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..api.models import Attachment
from ..render import human_size
from ..sanitize import safe_filename


class PickAttachmentScreen(ModalScreen[int | None]):
    DEFAULT_CSS = """
    PickAttachmentScreen { align: center middle; }
    PickAttachmentScreen > Vertical { width: 70; max-width: 95%; height: auto; max-height: 80%;
                                      border: thick $accent; background: $surface; padding: 1 2; }
    PickAttachmentScreen OptionList { height: auto; max-height: 20; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, attachments: list[Attachment]) -> None:
        super().__init__()
        self.attachments = attachments

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Save which attachment? (Enter saves, Escape cancels)", style="bold"), markup=False)
            yield OptionList(*[
                Option(Text(f"{n}) {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})"), id=str(n))
                for n, a in enumerate(self.attachments, start=1)
            ])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
