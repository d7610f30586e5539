"""The one look of every dialog (confirm, pick, forms, help, the key): a box in the middle of the screen, an error
line and a hint line. Each dialog adds only what is its own (a width, a red border for a question that deletes)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical, Dialog > VerticalScroll { width: 64; max-width: 95%; height: auto; max-height: 90%;
                                                 border: thick $accent; background: $surface; padding: 1 2; }
    Dialog Horizontal { height: auto; margin-top: 1; }
    Dialog .error { color: $error; height: auto; }
    Dialog .hint { color: $text-muted; margin-top: 1; }
    """
