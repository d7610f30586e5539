"""`v`: a message's headers and its raw source (the HTML as received), and the view that shows any long text from
elsewhere (a piped command's output).

Everything shown here is the sender's (or a command's) bytes: it is sanitised with clean_text (control characters
become visible placeholders, bidi controls are shown) and drawn by TextView, which never reads markup. It is
never rendered as HTML: `<script>` is text. A big source is prepared in a thread, cut at the reader's limit, with
very long lines broken (for_display).
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ...api.models import Message
from ...export import message_id
from ...formatting import local_time
from ...render import for_display, human_size
from ...sanitize import clean_text, one_line
from ..widgets.text_view import TextView
from .dialog import Dialog


class TextScreen(Dialog[None]):
    """A title, a status line and a long text that scrolls (j/k, Space, g/G); Escape or q closes."""

    DEFAULT_CSS = """
    TextScreen > Vertical { width: 95%; height: 90%; }
    TextScreen TextView { height: 1fr; margin-top: 1; }
    TextScreen #text-status { color: $text-muted; height: auto; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, text: str = "", status: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.initial_status = status

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"), markup=False)
            yield Static(Text(self.initial_status), id="text-status", markup=False)
            yield TextView(id="text-body")

    def on_mount(self) -> None:
        self.view.show(self.initial)
        self.view.focus()

    @property
    def view(self) -> TextView:
        return self.query_one("#text-body", TextView)

    def show(self, text: str, status: str | None = None) -> None:
        """Untrusted text: sanitised here, whatever the caller did."""
        self.view.show(for_display(clean_text(text)))
        if status is not None:
            self.set_status(status)

    def set_status(self, status: str) -> None:
        self.query_one("#text-status", Static).update(Text(one_line(status, 300)))

    def action_close(self) -> None:
        self.dismiss(None)


def source_text(message: Message) -> str:
    """The headers tmail knows, then the body exactly as the server gave it (HTML is not rendered)."""
    lines = [
        f"From:        {message.from_name} <{message.from_email}>",
        f"To:          {message.mailbox}",
        (f"Date:        {local_time(message.received_at, message.received_raw, seconds=True)}"
         f"  (as sent: {message.received_raw or 'none'})"),
        f"Subject:     {message.subject}",
        f"Message-ID:  {message_id(message)}",
        f"Id:          {message.id}",
        f"Format:      {'HTML' if message.is_html else 'plain text'}, {len(message.content):,} characters",
    ]
    for attachment in message.attachments:
        lines.append(f"Attachment:  {attachment.name} ({human_size(attachment.size)})"
                     + (f"  {attachment.url}" if attachment.url else ""))
    kind = "HTML source" if message.is_html else "text as received"
    return "\n".join(lines) + f"\n\n--- {kind} ---\n\n" + message.content


class SourceScreen(TextScreen):
    def __init__(self, message: Message) -> None:
        super().__init__(f"Source · {one_line(message.subject, 80) or '(no subject)'}", "Preparing…",
                         "Headers, then the body exactly as received (sanitised: control characters shown, "
                         "nothing rendered). Escape closes.")
        self.message = message

    def on_mount(self) -> None:
        super().on_mount()
        self.prepare()

    @work(group="source", exclusive=True, exit_on_error=False)
    async def prepare(self) -> None:
        text = await asyncio.to_thread(lambda: for_display(clean_text(source_text(self.message))))
        self.view.show(text)
