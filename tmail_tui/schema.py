"""A message in the one `--json` schema (snake_case; documented in the README): what `tmail inbox`, `read`, `watch`
and `expect --message` print, and what a new-mail hook reads on its standard input."""

from __future__ import annotations

from typing import Any

from .api.models import Message
from .render import render_body


def message_json(message: Message, seen: bool, with_text: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": message.id, "mailbox": message.mailbox, "from_name": message.from_name,
        "from_email": message.from_email, "subject": message.subject, "received_at": message.received_raw or None,
        "seen": seen, "html": message.is_html, "content": message.content,
        "attachments": [{"name": a.name, "extension": a.extension, "size": a.size} for a in message.attachments],
    }
    if with_text:
        body = render_body(message.content, message.is_html)
        data["text"] = body.text
        data["links"] = [{"number": link.number, "url": link.url, "label": link.label, "safe": link.safe}
                         for link in body.links]
    return data
