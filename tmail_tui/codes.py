"""Verification codes in a message, so that one key copies the code a sign-up is waiting for.

A code is a token of 4 to 12 capital letters and digits with at least one digit (482913, A7K29Q, G-123456, 2F4-9KD),
on a line that names it (code, PIN, OTP, password, verification...) or on the next line with text when the naming
line leads up to it ("...your code is", "...this code:"; HTML mail often puts the code in a paragraph of its own).
Links are removed first: a token inside a URL is not what the user types. The subject comes first: it often carries
the code. Years and dates are not codes.
"""

from __future__ import annotations

import re

_NAMES = re.compile(r"\b(?:codes?|pin|otp|passcodes?|passwords?|verification|verify|one[- ]time|security|"
                    r"confirmation|2fa|log ?in|sign[- ]?in|token)\b", re.IGNORECASE)
# Capitals and digits, one or two hyphens at most, not glued to a word, a path, a number or a sentence's punctuation.
_CODE = re.compile(r"(?<![\w./,:#-])(?=[A-Z-]*\d)(?:[A-Z0-9]{1,12}-)?[A-Z0-9]{2,12}(?:-[A-Z0-9]{2,6})?"
                   r"(?![\w/-]|[.,:]\w)")
_URL = re.compile(r"\b(?:https?|mailto|ftp)://\S+|\bmailto:\S+|\bwww\.\S+", re.IGNORECASE)
_LEADS_ON = re.compile(r"(?::|\bis|\bcodes?|\bpin|\bpasscodes?|\botp)\s*$", re.IGNORECASE)
_NOT_A_CODE = re.compile(r"199\d|20\d\d|\d{4}-\d\d-\d\d|\d\d-\d\d-\d{4}")  # years and dates
SCAN = 20_000  # characters of the body read: a code stands near the top


def find_codes(subject: str, text: str) -> list[str]:
    """The codes in a message, in the order they appear, each once."""
    found: list[str] = []

    def scan(lines: list[str]) -> None:
        leads_on = False  # the previous line with text named a code and ended before it
        for line in lines:
            line = _URL.sub(" ", line).strip()
            if not line:
                continue
            names = bool(_NAMES.search(line))
            codes = [m.group() for m in _CODE.finditer(line)] if names or leads_on else []
            codes = [code for code in codes if sum(c.isalnum() for c in code) >= 4 and not _NOT_A_CODE.fullmatch(code)]
            found.extend(code for code in codes if code not in found)
            leads_on = names and not codes and bool(_LEADS_ON.search(line))

    scan([subject])
    scan(text[:SCAN].splitlines())
    return found
