"""The footer: the main keys on one line, drawn from the same table as the bindings.

One Static instead of Textual's Footer (a widget per key): the Footer alone cost ~90 ms of the first frame here.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..keys import KEYS

KEY_STYLE = "bold #ffa62b"


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { height: 1; background: $footer-background; color: $footer-foreground; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        # Help and quit first, so a narrow terminal still shows the way to every other key.
        shown = sorted((k for k in KEYS if k.footer), key=lambda k: k.action not in ("help", "quit"))
        for key in shown:
            text.append(key.shown, style=KEY_STYLE)
            text.append(f" {key.label}  ")
        text.append("^p", style=KEY_STYLE)
        text.append(" palette")
        super().__init__(text, id=id, markup=False)
