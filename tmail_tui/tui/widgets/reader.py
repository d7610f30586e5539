"""The reader pane: headers (the sender's real address always shown), then the body as clean text in a TextView
(draws only what is on screen, never interprets markup), with the numbered links under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...api.models import Message
from ...formatting import headers
from ...sanitize import safe_filename
from .text_view import TextView

if TYPE_CHECKING:
    # (render imports html2text: not needed before a message opens)
    from ...render import RenderedBody


class Reader(Vertical):
    DEFAULT_CSS = """
    Reader #reader-headers { padding: 0 1; height: auto; max-height: 12; border-bottom: solid $primary-darken-2; }
    Reader #reader-body { padding: 0 1; height: 1fr; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message: Message | None = None
        self.shown: RenderedBody | None = None  # the message's body on screen (a big mail's top, at first)
        self.border_title = "Message"

    def compose(self) -> ComposeResult:
        yield Static(id="reader-headers", markup=False)
        yield TextView(id="reader-body")

    @property
    def body(self) -> TextView:
        return self.query_one("#reader-body", TextView)

    def show_hint(self, hint: str) -> None:
        self.message = self.shown = None
        self.query_one("#reader-headers", Static).update(Text(hint, style="italic"))
        self.body.show("")

    def show_headers(self, message: Message) -> None:
        """Headers at once; the body follows when its conversion (off the UI thread) is done."""
        self.message = message
        self.shown = None
        self.query_one("#reader-headers", Static).update(self._headers(message))
        self.body.show("Converting…" if message.is_html else "")

    def show_body(self, message: Message, body: RenderedBody) -> None:
        """The converted body (see render.for_reader), unless the user has moved on to another message. The full
        text after a preview keeps the reader where it is."""
        if self.message is None or self.message.id != message.id:
            return
        self.body.show(body.text, headings=body.headings, keep_position=self.shown is not None)
        self.shown = body

    def _headers(self, message: Message) -> Table:
        """Labels in a column of their own, so a long sender or a list of files wraps under its value, not under
        the labels."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for label, value in headers(message, seconds=True):
            grid.add_row(Text(label + ":"), Text(value))
        if message.attachments:
            from ...render import human_size

            grid.add_row(Text("Files:"), Text("  ".join(
                f"{n}) {safe_filename(a.name, extension=a.extension)} ({human_size(a.size)})"
                for n, a in enumerate(message.attachments, start=1))))
        return grid
