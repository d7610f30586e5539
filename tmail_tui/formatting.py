"""Short human forms shared by the command line and the TUI: senders, times, expiry. All output is sanitised."""

from __future__ import annotations

import time
from datetime import datetime

from .api.models import Message
from .sanitize import one_line


def sender(from_name: str, from_email: str, limit: int | None = None) -> str:
    """`Name <address>`: the real address always shows, so a display name can't pass for someone else.

    When it must be cut to `limit`, the name is cut first: the address is what can be trusted.
    """
    name = one_line(from_name, 60)
    address = one_line(from_email, 80)
    if not (name and address) or name.lower() == address.lower():
        text = address or (f"{name} <no address>" if name else "(unknown sender)")
        return one_line(text, limit) if limit else text
    if limit is None or len(name) + len(address) + 3 <= limit:
        return f"{name} <{address}>"
    room = limit - len(address) - 3
    if room < 4:
        return one_line(address, limit)
    return f"{one_line(name, room)} <{address}>"


def local_time(value: datetime | None, raw: str = "", *, seconds: bool = False) -> str:
    """A timestamp in the user's zone; the server's raw text when it could not be parsed."""
    if value is None:
        return one_line(raw, 25) or "(no date)"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def short_time(value: datetime | None, raw: str = "", now: float | None = None) -> str:
    """`14:05` today, `Nov 24` otherwise: for dense lists."""
    if value is None:
        return one_line(raw, 16) or "?"
    local = value.astimezone()
    today = datetime.fromtimestamp(time.time() if now is None else now).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%b %d")


def duration(seconds: float) -> str:
    """`9m 05s`, `2h 10m`, `3d 4h`."""
    seconds = max(int(seconds), 0)
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def duration_changes_in(seconds: float) -> float:
    """Seconds until a countdown shown with `duration` shows another text: when it crosses its last unit (a second
    under an hour, a minute under a day, else an hour). What lets a countdown on screen wake only when it moves."""
    unit = 1 if seconds < 3600 else 60 if seconds < 86400 else 3600
    return max(seconds, 0) % unit or unit


def time_left(seconds_left: float | None, gone: bool = False) -> str:
    if gone or (seconds_left is not None and seconds_left <= 0):
        return "expired"
    return "expiry unknown" if seconds_left is None else duration(seconds_left)


def headers(message: Message, *, seconds: bool = False) -> list[tuple[str, str]]:
    """The headers a person reads first, in order, for the reader pane and `tmail read`."""
    return [
        ("From", sender(message.from_name, message.from_email)),
        ("To", one_line(message.mailbox) or "(unknown)"),
        ("Date", local_time(message.received_at, message.received_raw, seconds=seconds)),
        ("Subject", one_line(message.subject, 500) or "(no subject)"),
    ]
