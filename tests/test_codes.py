"""Which tokens of a message count as a verification code (what `y` copies)."""

from __future__ import annotations

import pytest

from tmail_tui.codes import find_codes


@pytest.mark.parametrize(("subject", "text", "codes"), [
    ("Your verification code: 482913", "", ["482913"]),
    ("Welcome", "Use this code to verify your e-mail address:\n\n482913\n\nIt expires in 10 minutes.", ["482913"]),
    ("G-123456 is your Google verification code", "", ["G-123456"]),
    ("Sign in", "Your one-time passcode is A7K29Q. Do not share it.", ["A7K29Q"]),
    ("Reset your password", "Reset code: 77-1\nReset code: 2F4-9KD", ["2F4-9KD"]),
    ("Your order #A-20931 is confirmed", "Total: $1,250.00 on 12/11/2026\nThanks!", []),  # no code named
    ("Security notice", "Sign-in from a new device on 2026-11-25, in 2026.\nCall 555 0199 if it was not you.", []),
    ("Verify", "Verify: https://x.example/verify?code=ABC123 or www.x.example/AB12CD", []),  # in links only
    ("Your code", "Your code is 1234 or 1234 again [1]", ["1234"]),  # once; [1] is a link marker
])
def test_codes_are_found_where_a_code_is_named(subject, text, codes):
    assert find_codes(subject, text) == codes


def test_only_the_top_of_a_huge_body_is_read():
    assert find_codes("", "filler\n" * 10_000 + "Your code: 999999") == []
