"""The one sanitiser and the HTML-to-text renderer."""

from __future__ import annotations

import pytest

from tmail_tui.render import render_body
from tmail_tui.sanitize import clean_text, numbered_names, one_line, safe_filename

ESC = "\x1b"


@pytest.mark.parametrize("raw", [f"{ESC}[2J", f"{ESC}]0;pwned\x07", f"{ESC}]52;c;ZXZpbA==\x07", "\x9b31m", "\x7f",
                                 "\x00", "\x90q\x9c"])
def test_no_control_character_survives(raw):
    cleaned = clean_text(f"a{raw}b")
    assert all(ch in "\n" or (0x20 <= ord(ch) and not 0x7F <= ord(ch) <= 0x9F) for ch in cleaned)
    assert cleaned.startswith("a") and cleaned.endswith("b") and len(cleaned) > 2  # visible, not silently eaten


def test_placeholders_are_visible():
    assert clean_text(f"{ESC}[2J") == "␛[2J"
    assert clean_text("\x9b") == "<9B>"
    assert clean_text("invoice\u202etxt.exe") == "invoice<U+202E>txt.exe"
    assert clean_text("zero\u200bwidth\ufeff") == "zerowidth"


def test_line_modes():
    assert clean_text("a\r\nb\rc\td") == "a\nb\nc    d"
    assert one_line("a\r\nb\n\nc\td") == "a b c d"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"
    assert clean_text("\ud800bad surrogate") == "\ufffdbad surrogate"


@pytest.mark.parametrize(("name", "expected"), [
    ("../../.bashrc", "bashrc"), ("/etc/passwd", "passwd"), ("..\\a.bat", "a.bat"),
    ("~/.ssh/authorized_keys", "authorized_keys"), (".", "attachment"), ("..", "attachment"), ("", "attachment"),
    ("   ", "attachment"), ("-rf.txt", "rf.txt"), ("a\x00b.txt", "a_b.txt"), ("CON", "_CON"), ("con.txt", "_con.txt"),
    ("invoice\u202etxt.exe", "invoicetxt.exe"), ("report.pdf", "report.pdf"), ("a:b|c?.txt", "a_b_c_.txt"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_keeps_extension_when_long_or_empty():
    long = safe_filename("é" * 400 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 200
    assert safe_filename("", extension="png") == "attachment.png"
    assert safe_filename("..", extension="../x") == "attachment.x"


def test_numbered_names():
    names = numbered_names("a.tar.gz")
    assert [next(names) for _ in range(3)] == ["a.tar.gz", "a.tar (1).gz", "a.tar (2).gz"]


NEWSLETTER = """<html><head><style>.x{color:red}</style><script>alert(1)</script><title>T</title></head><body>
<div style="display:none;max-height:0">Preheader text nobody should see&zwnj;&nbsp;</div>
<table role="presentation" width="100%"><tr><td><img src="logo.png" alt="Acme logo"></td></tr>
<tr><td><h1>Big news</h1><p>Hello <b>friend</b>, read <a href="https://acme.example/a">the article</a>.</p></td></tr>
<tr><td>Item</td><td>€9.50</td></tr>
<tr><td><a href="javascript:alert(1)">click</a> <a href="data:text/html,x">data</a>
 <a href="https://acme.example/a">again</a> <a href="#top">top</a></td></tr></table>
<img src="https://t.example/p.gif" width="1" height="1" alt="">
<span hidden>hidden attr</span><p>1. not a list 2+2 - dash \\ back</p>
</body></html>"""


def test_html_reads_as_clean_text():
    body = render_body(NEWSLETTER, True)
    text = body.text
    assert "Preheader" not in text and "hidden attr" not in text
    assert "alert" not in text and "color:red" not in text and "T\n" not in text
    assert "[image: Acme logo]" in text and "p.gif" not in text
    assert "Hello friend, read the article [1]." in text
    assert "Item  €9.50" in text
    assert "|" not in text and "---" not in text and "**" not in text
    assert "1. not a list 2+2 - dash \\ back" in text  # no Markdown escapes
    assert [(l.number, l.url, l.safe, l.label) for l in body.links] == [
        (1, "https://acme.example/a", True, "the article"), (2, "javascript:alert(1)", False, "click"),
        (3, "data:text/html,x", False, "data")]  # a link's label is the first words it had
    assert "again [1]" in text and "top [" not in text


def test_link_labels_are_clean_short_words():
    body = render_body('<a href="https://a.example/v"><img src="x.png" alt="Verify"></a>'
                       '<a href="https://b.example/"> Confirm\n <b>your</b>\x1b[31m  email </a>'
                       '<a href="https://c.example/"><span style="display:none">secret</span>'
                       + "word " * 500 + "</a>", True)
    assert [l.label for l in body.links] == ["Verify", "Confirm your ␛[31m email", ("word " * 16).strip()[:79] + "…"]


def test_no_wrapping_at_78_columns():
    line = "word " * 60
    assert render_body(f"<p>{line}</p>", True).text == line.strip()


def test_entities_cannot_smuggle_escapes():
    text = render_body("<p>a&#27;[2Jb &#x1b;]0;t&#7; c&#x9b;d</p>", True).text
    assert ESC not in text and "\x07" not in text and "\x9b" not in text
    assert "␛[2J" in text


def test_plain_text_is_kept_and_links_listed():
    body = render_body("Hi\r\n\r\nGo to https://x.example/a?b=1.\n\tIndented", False)
    assert body.text == "Hi\n\nGo to https://x.example/a?b=1.\n    Indented"
    assert [l.url for l in body.links] == ["https://x.example/a?b=1"]
