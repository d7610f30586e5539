"""Opening a link in the user's browser without letting anything reach the terminal.

Not `webbrowser`: without a desktop it picks a console browser (lynx, w3m) that would fight Textual for the
terminal, and a graphical browser it starts inherits the terminal and prints its warnings over the screen. Here the
desktop's own opener runs detached, silent, without the API key in its environment; where there is no desktop (an SSH
login, a console) nothing is started and the caller copies the link instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

from .config import environment_without_key

_STARTING = 3.0  # seconds an opener may take to say it failed; one still running then has found a browser


def opener() -> list[str] | None:
    """The command that hands a URL to the desktop, or None when this session has none."""
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform == "win32":
        return None  # os.startfile, below
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None
    path = shutil.which("xdg-open")
    return [path] if path else None


async def open_in_browser(url: str) -> bool:
    """Hand `url` to the desktop's browser. False when there is none or it failed (known within a few seconds).
    Quitting meanwhile leaves the browser be: it runs in a session of its own."""
    if sys.platform == "win32":  # pragma: no cover - not this project's CI
        try:
            os.startfile(url)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    command = opener()
    if command is None:
        return False
    try:
        process = await asyncio.create_subprocess_exec(
            *command, url, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL, env=environment_without_key(), start_new_session=True)
    except OSError:
        return False
    try:
        return await asyncio.wait_for(process.wait(), _STARTING) == 0
    except asyncio.TimeoutError:
        return True
