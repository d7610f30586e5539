"""Telling someone who looked away that mail came, through the terminal itself, so it works over SSH and in tmux:
the bell, a desktop notification by escape sequence (OSC 9, or OSC 777 where the terminal speaks that instead), and
the window title with the unread count.

Which desktop notification a terminal understands cannot be asked, so it is guessed from the environment (`auto`),
or set in the config (`desktop_alerts = "osc9" | "osc777" | "off"`); an unknown terminal gets none rather than
garbage. Inside tmux the sequence is wrapped for passthrough (tmux needs `set -g allow-passthrough on` to let it
out). Nothing from a mail reaches the terminal raw: every text is cut to a bound and stripped of control
characters (an ESC or BEL in a subject would end the sequence early and inject the rest), and of `;` where it
separates fields.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

KINDS = ("osc9", "osc777")
TITLE_LIMIT = 60
BODY_LIMIT = 200
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SAVE_TITLE = "\x1b[22;0t"  # push the terminal's own title, to give it back at the end
RESTORE_TITLE = "\x1b[23;0t"


def desktop_kind(setting: str = "auto", env: Mapping[str, str] | None = None) -> str | None:
    """The notification sequence to use: the setting, or for `auto` what this terminal is known to show."""
    if setting in KINDS:
        return setting
    if setting != "auto":
        return None
    env = os.environ if env is None else env
    program = env.get("TERM_PROGRAM", "")
    term = env.get("TERM", "")
    if program in ("iTerm.app", "WezTerm", "ghostty"):
        return "osc9"
    if env.get("VTE_VERSION") or term.startswith(("rxvt", "foot")):
        return "osc777"
    return None


def plain(text: object, limit: int) -> str:
    """One line, no control or reordering character, at most `limit` characters."""
    value = " ".join(_CONTROLS.sub(" ", str(text)).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def desktop_notification(kind: str, title: str, body: str, *, in_tmux: bool = False) -> str:
    title, body = plain(title, TITLE_LIMIT), plain(body, BODY_LIMIT)
    if kind == "osc777":
        sequence = f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\x07"
    else:
        sequence = f"\x1b]9;{title}: {body}\x07"
    return tmux_passthrough(sequence) if in_tmux else sequence


def window_title(text: str) -> str:
    """The terminal's title (tmux shows it as the pane title)."""
    return f"\x1b]2;{plain(text, TITLE_LIMIT)}\x07"


def tmux_passthrough(sequence: str) -> str:
    """Wrapped so tmux hands it to the terminal outside (each ESC doubled inside the DCS)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
