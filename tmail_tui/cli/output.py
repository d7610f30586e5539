"""What the command line prints: aligned tables of sanitised cells, errors on stderr, and the one `--json` schema
(snake_case, the same names in every command; the README documents it). JSON is ASCII-only, so no control
character can reach a terminal through it."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from rich.cells import cell_len

from ..api.models import Mailbox, Message
from ..formatting import headers, local_time, sender, time_left
from ..render import human_size, render_body, text_with_links
from ..sanitize import clean_text, one_line, safe_filename
from ..store import StoredBox, Summary


def emit_json(value: Any, *, lines: bool = False) -> None:
    print(json.dumps(value, ensure_ascii=True, indent=None if lines else 2), flush=True)


def table(headers_: list[str], rows: list[list[str]]) -> str:
    """Aligned columns by terminal cell width; every cell is one sanitised line. The last column is not padded."""
    cells = [[one_line(c) for c in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers_)]

    def line(values: list[str]) -> str:
        padded = [v + " " * (widths[i] - cell_len(v)) for i, v in enumerate(values[:-1])]
        return "  ".join(padded + [values[-1]]).rstrip()

    return "\n".join([line(headers_)] + [line(r) for r in cells])


def warn(text: str) -> None:
    print(f"tmail: {one_line(text)}", file=sys.stderr, flush=True)


def box_json(box: Mailbox) -> dict[str, Any]:
    return {"address": box.email, "domain": box.domain, "expire_at": box.expire_at_raw or None,
            "expires_in_seconds": box.expires_in_seconds, "created_at": box.created_at_raw or None}


def stored_box_json(box: StoredBox, now: float, label: str = "") -> dict[str, Any]:
    return {"address": box.address, "domain": box.domain, "expire_at": box.expire_at_raw or None,
            "expired": box.is_expired(now), "origin": box.origin, "messages": box.total, "unread": box.unread,
            "label": label or None}


def describe_box(box: Mailbox) -> str:
    left = box.expires_in_seconds
    if left is None and box.expire_at is not None:
        left = int(box.expire_at.timestamp() - time.time())
    until = f" until {local_time(box.expire_at, box.expire_at_raw)}" if box.expire_at or box.expire_at_raw else ""
    return f"{one_line(box.email)} (expires in {time_left(left)}{until})" if left is not None else one_line(box.email)


def message_summary(message: Message | Summary, seen: bool) -> list[str]:
    if isinstance(message, Summary):
        count, received = message.attachments, (message.received_at, message.received_raw)
    else:
        count, received = len(message.attachments), (message.received_at, message.received_raw)
    return [message.id, " " if seen else "*", local_time(*received), sender(message.from_name, message.from_email, 40),
            f"+{count}" if count else "", one_line(message.subject, 80) or "(no subject)"]


def message_document(message: Message) -> str:
    """A message as the reader shows it: headers, the body as clean text, then links and attachments."""
    lines = [f"{label + ':':<9}{value}" for label, value in headers(message, seconds=True)]
    lines += [f"{'Id:':<9}{one_line(message.id)}", "", text_with_links(render_body(message.content, message.is_html))]
    if message.attachments:
        lines += ["", "Attachments:"] + [
            f"  {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})" for a in message.attachments]
    return clean_text("\n".join(lines))
