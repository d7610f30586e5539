"""The footer: the main keys on one line, drawn from the same table as the bindings.

One widget instead of Textual's Footer (a widget per key): the Footer alone cost ~90 ms of the first frame here.
It fits itself to the width: the full labels when they fit, else short ones, else closer together, so at 80 columns
every key a newcomer needs (refresh, filter, the palette) is still there; the keys marked for wide footers only
(delete, save, new named: all in help and the palette) go first.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..keys import KEYS

KEY_STYLE = "bold #ffa62b"


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; background: $footer-background; color: $footer-foreground; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: tuple[int, Text] | None = None  # (width, text): an idle screen repaints it unchanged

    def render(self) -> Text:
        width = self.content_region.width or 80
        if self._drawn is None or self._drawn[0] != width:
            self._drawn = (width, self._fit(width))
        return self._drawn[1]

    def _fit(self, width: int) -> Text:
        # Help and quit first, so a narrow terminal still shows the way to every other key.
        shown = sorted((k for k in KEYS if k.footer), key=lambda k: k.action not in ("help", "quit"))
        for short, gap, keys in ((False, "  ", shown), (True, "  ", shown), (True, " ", shown),
                                 (True, "  ", [k for k in shown if k.footer != "wide"])):
            text = Text(no_wrap=True, overflow="ellipsis")
            for key in keys:
                text.append(key.shown, style=KEY_STYLE)
                text.append(f" {key.short if short else key.label}{gap}")
            text.append("^p", style=KEY_STYLE)
            text.append(" more" if short else " palette")
            if text.cell_len <= width:
                break
        return text
