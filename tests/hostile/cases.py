"""Hostile mail, as anyone on the internet can send it to a throwaway address."""

from __future__ import annotations

ESC = "\x1b"

MARKUP = ["[/]", "[b]x[/b]", "[EXTERNAL] Invoice", "Win [$100]", "[link=https://evil.example]bank[/link]",
          "[@click=app.quit]x[/]"]

ESCAPES = [f"{ESC}[2J", f"{ESC}]0;owned title\x07", f"{ESC}]52;c;ZWNobyBldmls\x07", "\x9b31m", "\x9d0;t\x9c", "\x7f",
           "\x00", "\x07"]

ENTITY_ESCAPES = "<p>a&#27;[2Jb &#x1b;]0;title&#7; c&#x9b;d &#0; e&#127;f</p>"

BIDI = "invoice\u202etxt.exe"

BAD_NAMES = ["../../.bashrc", "/etc/passwd", "..\\a.bat", "~/.ssh/authorized_keys", ".", "..", "", "   ", "-rf",
             "a\x00b.txt", "x" * 300 + ".pdf", "CON", "same.txt", "same.txt", BIDI]


def forbidden(text: str) -> list[str]:
    """Characters that must never reach a terminal."""
    return [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n") or 0x7F <= ord(ch) <= 0x9F
            or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
