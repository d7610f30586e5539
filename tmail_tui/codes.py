"""Verification codes in a message, so that one key copies the code a sign-up is waiting for.

API (for the reader's `y`, `tmail code` and the scorer):

    find_codes(subject, text) -> list[Code]

`text` is the body as the reader or `tmail code` converted it (render.for_reader / render_body). The list holds
each code once, the best candidate first (what `y` copies; a second `y` cycles on), then the others by decreasing
confidence. An empty list means "no code": a wrong code copied silently is worse than none. `Code` carries what to
type (`code`: separators dropped, any digits as ASCII), the form the mail shows (`shown`), and the evidence: the line
it came from (`line`, one line, bounded), where that line is (`line_number` in `text.splitlines()`, None for the
subject; `column`, the offset of `shown` in that line, for highlighting) and, when the code stands alone on its line,
the line before or after that names it (`named_by`). `str(code)` is `code.code`; `code.evidence` is one line for a
notice ("named_by … line"); `code.to_json()` is a dict for `tmail code --json`.

How a code is recognised (the vocabulary is in code_words.py):
- Only where the mail names one. A token counts on a line that names a code (code, kodu, código, код, コード,
  验证码, رمز, کد, mã, कोड, 코드, OTP, one-time password...) or alone on its line within three lines of one, whatever
  that line ends with (layout over grammar: HTML mail puts the code in a box of its own). A mail that never names a
  code has none, however prominent a number is in it. The subject counts as a line, and a subject that names a code
  makes a token alone on its line in the body a candidate too.
- A name next to a word that makes it another kind of code is no name: a tracking, postal, discount, product, order
  code (`Tracking-Code`, `code de suivi`, `رمز المنتج`, `kod pocztowy`, `追跡コード`).
- Shapes: 4 to 8 digits; 5 to 12 letters and digits with at least one digit, any case; two digit groups split by a
  space or a dash (`482 913`, `123-456`); dash-separated groups (`2F4-9KD`); `G-123456` (copied as 123456: the
  prefix is not typed); a line of single digits split by spaces (one digit a box). Codes may touch CJK, Hangul or
  Arabic text (`验证码是8472，`, `EXR546를`) and take a Turkish suffix (`184934'yi`). Eastern Arabic, Persian,
  Devanagari, Bengali, Thai and full-width digits are read as ASCII. SMS lines bound to a site (`@example.com
  #482913`, the WebOTP format) are codes by themselves.
- Not codes: anything inside a URL or an e-mail address (the reader lists links under the body), numbers glued to
  other digits by a space or a dash (phone numbers, card and account numbers), dates, times, IP addresses, prices
  (a currency sign or word beside it), masked cards (`**** 1234`), numbers right after an order / invoice / phone /
  number label or `#`, years (unless the name introduces them directly or they stand alone), durations (`5m0s`).
- Confidence: a code alone on its line after the naming line, a site-bound SMS line, and a code right after its name
  ("code: X", "验证码是X") rank above a code elsewhere on the naming line; a code seen twice (subject and body) gains.

Only the top of the body is read (SCAN characters, ROWS_WITH_TOKENS lines holding a code-shaped token) and a line
is judged on its first NAMES_PER_LINE names: a code stands near the top, `y` must stay instant, and a hostile body
must not make it slow (a few ms for 50 KB of mail; tens of ms for a line of thousands of names and numbers).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import islice

from .code_words import (
    ANYWHERE,
    COMPOUNDABLE,
    LETTERS,
    LINE_NOT_A_CODE,
    NOT_A_CODE,
    NUMBER_LABELS,
    RTL_WORDS,
    WORDS,
)
from .sanitize import one_line

SCAN = 20_000  # characters of the body read: a code stands near the top
EVIDENCE = 160  # characters of a line kept as evidence
ROWS_WITH_TOKENS = 150  # lines with a code-shaped token judged, at most
NAMES_PER_LINE = 20  # a line naming a code more often (or with twice as many tokens) is no verification mail
MAX_CODES = 10  # candidates returned: enough to cycle through, never a page of numbers
NEAR = 3  # a code alone on its line counts within this many lines with text after (or before) the naming line
FAR = 6  # ... and, less surely, this many after (a title naming the code, a greeting, then the code)


@dataclass(frozen=True)
class Code:
    code: str  # what to type or paste: separators dropped, digits as ASCII ("482913")
    shown: str  # as the mail shows it ("482 913", "G-482913", "٤٨٢٩١٣")
    line: str  # the line it came from, sanitised to one line and cut around the code: the evidence
    line_number: int | None  # index in text.splitlines(); None when it came from the subject
    in_subject: bool = False
    column: int | None = None  # where `shown` starts in text.splitlines()[line_number] (None for the subject)
    named_by: str = ""  # the line naming the code when that is another line (a code alone on its line), else ""

    def __str__(self) -> str:
        return self.code

    @property
    def evidence(self) -> str:
        """One line saying where the code came from, for a notice or `--json`."""
        return f"{self.named_by} … {self.line}" if self.named_by else self.line

    def to_json(self) -> dict[str, object]:
        """The code for `tmail code --json`: what to type, as shown, and where it came from."""
        return {"code": self.code, "shown": self.shown, "line": self.line, "line_number": self.line_number,
                "in_subject": self.in_subject, "named_by": self.named_by}


# --- folding: one character for one, so offsets in the folded line are offsets in the mail's line -----------------

def _fold_table() -> dict[int, int]:
    table = {0xFF01 + i: 0x21 + i for i in range(94)}  # full-width ASCII: ０-９ Ａ-Ｚ ： （ ） ，
    table[0x3000] = 0x20  # ideographic space
    for zero in (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50,
                 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810):  # Arabic, Persian, Indic, Thai, Lao, Tibetan... digits
        table.update({zero + i: 0x30 + i for i in range(10)})
    return table


_FOLD = _fold_table()


def _alternation(words: list[str]) -> str:
    return "|".join(f"(?:{w})" for w in words)


_L = LETTERS
_NAMES = re.compile(
    rf"(?<![{_L}])(?:{_alternation(WORDS)})(?![{_L}])"
    rf"|(?<![{_L}])(?P<pre>[{_L}]{{4,}}?)(?:{_alternation(COMPOUNDABLE)})(?:s|n|en|er|erna|e|u)?(?![{_L}])"
    rf"|(?<![^\W\d_])(?:{_alternation(RTL_WORDS)})(?![^\W\d_])"
    rf"|{_alternation(ANYWHERE)}",
    re.IGNORECASE)
_NEG = _alternation(NOT_A_CODE)
_NEG_IN_COMPOUND = re.compile(rf"(?:{_NEG})s?-?$", re.IGNORECASE)
_NEG_BEFORE = re.compile(rf"(?<![{_L}])(?:{_NEG})[\s\-]*$", re.IGNORECASE)
_NEG_AFTER = re.compile(rf"[\s\-]*(?:(?:of|for|de|di|do|da|del|della|dello|du|des|d'|d’)\s*)?(?:{_NEG})(?![{_L}])",
                        re.IGNORECASE)
_OTHER_KIND_LINE = re.compile(rf"(?<![{_L}])(?:{_alternation(LINE_NOT_A_CODE)})", re.IGNORECASE)
_LABEL_BEFORE = re.compile(rf"(?<![{_L}])(?:{_alternation(NUMBER_LABELS)})[\s.:#=-]*$", re.IGNORECASE)

# A code-shaped token, not glued to a word, a number, a path, a price or a time; codes may touch CJK/Hangul/Arabic.
_TOKEN_BODY = (r"[A-Za-z]-\d{4,8}"  # G-123456
               r"|\d{3,4}[ \u00a0]\d{3,4}"  # 482 913
               r"|[A-Za-z0-9]{2,6}(?:-[A-Za-z0-9]{2,6}){1,2}"  # 123-456, 2F4-9KD
               r"|[A-Za-z0-9]{4,12}")
_TOKEN = re.compile(rf"(?<![{_L}0-9_@#$€£¥₹+/\\.,*•\-])(?<!\d:)(?<!\d[ \u00a0-])(?=[A-Za-z-]{{0,12}}\d)"
                    rf"(?:{_TOKEN_BODY})"
                    rf"(?![{_L}0-9_@/\\\-]|[.,:][0-9A-Za-z]|\s?%|[ \u00a0-]\d)")
_DECOR_L = r"[\s\"'“”«»„‘’()\[\]{}<>（）【】「」『』《》*•·:=|>]*"
_DECOR_R = r"[\s\"'“”«»„‘’()\[\]{}<>（）【】「」『』《》*•·.。!！|]*"
_LONE = re.compile(rf"{_DECOR_L}({_TOKEN_BODY}){_DECOR_R}")
_SPACED_DIGITS = re.compile(r"\s*(\d(?:[ \u00a0]{1,3}\d){3,7})\s*")  # one digit a box: "4  8  2  9  1  3"
_SMS_ORIGIN = re.compile(r"\s*@[\w.-]+\.[\w-]+\s+#([A-Za-z0-9-]{4,14})\s*")  # WebOTP: "@example.com #482913"

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bmailto:\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_DATE = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])(?:-[0-3]\d)?")  # 2026-11, 2026-11-25 (dd-mm-yyyy: 3 groups)
_YEAR = re.compile(r"(?:19|20)\d\d")
_UNIT = re.compile(r"\d+(?:ms|s|secs?|mins?|h|hrs?|d|days?|[kmgt]b|px|pt|st|nd|rd|th|x|k|kg|g|cm|mm|km|ml|am|pm)"
                   r"|\d{1,2}h\d\d|\d+h\d+m|\d+m\d+s", re.IGNORECASE)  # 15min, 24h, 100GB, 14h03, 5m0s
_MONEY_BEFORE = re.compile(r"(?:[$€£¥₹₺₽₴₪৳₫]|R\$|\b(?:USD|EUR|GBP|TL|Rs\.?))\s?$")
_MONEY_AFTER = re.compile(r"\s?(?:[$€£¥₹₺₽₴₪৳₫]|(?:USD|EUR|GBP|TL|руб|грн|zł|lei|Rp|ريال|ر\.س|تومان|đ|円|元|원|บาท)"
                          rf"(?![{_L}]))")
_MASKED = re.compile(r"[*•·xX]{2,}[\s-]*$|\(\d{1,4}\)\s*$")  # **** 1234; (415) 555-0182
_SENTENCE_END = re.compile(r"[.!?。！？;](?:\s|$)")
_GOOGLE_STYLE = re.compile(r"[A-Za-z]-(\d{4,8})")
_BRAND = re.compile(r"[A-Za-z]?[A-Z][a-z]{2,}\d{1,4}")  # iPhone15, Chrome120, Nimbus2026: a name and a number
_ID_PREFIX = re.compile(r"(?:sku|inv|ord|order|ref|id|no|nr|po|tkt|ticket|case|cust|acc|acct|art)-", re.IGNORECASE)


def _names(line: str) -> list[tuple[int, int]]:
    """Spans of the words naming a verification code in a (folded, link-free) line; other kinds of code left out."""
    spans: list[tuple[int, int]] = []
    if _OTHER_KIND_LINE.search(line):
        return spans
    for match in islice(_NAMES.finditer(line), NAMES_PER_LINE):
        start, end = match.span()
        pre = match.group("pre")
        if pre and _NEG_IN_COMPOUND.search(pre):
            continue
        if _NEG_BEFORE.search(line, max(0, start - 30), start) or _NEG_AFTER.match(line, end):
            continue
        spans.append((start, end))
    return spans


def _typed(shown: str) -> str | None:
    """What to type for a token as shown (None when its shape is not a code's)."""
    google = _GOOGLE_STYLE.fullmatch(shown)
    if google:
        return google.group(1)
    if _DATE.fullmatch(shown) or _UNIT.fullmatch(shown) or _ID_PREFIX.match(shown) or _BRAND.fullmatch(shown):
        return None
    groups = re.split(r"[ \u00a0-]+", shown)
    code = "".join(groups)
    if not any(c.isdigit() for c in code):
        return None
    if code.isdigit():
        if not 4 <= len(code) <= 8 or len(groups) > 2:  # three digit groups: a phone or account number
            return None
    elif len(code) < 5:
        return None
    return code


def _trap(line: str, start: int, end: int, since: int) -> bool:
    """A token that is a price, a masked card or a labelled number (order #, phone, No.), judged by its neighbours."""
    before = line[max(since, start - 24):start]
    return bool(_MONEY_BEFORE.search(before) or _MONEY_AFTER.match(line, end) or _MASKED.search(before)
                or _LABEL_BEFORE.search(before))


@dataclass
class _Found:
    code: Code
    score: float
    order: int
    seen: int = 1


def _excerpt(line: str, start: int) -> str:
    """The line as evidence: one line, cut around the code when it is long."""
    if len(line) <= EVIDENCE:
        return one_line(line, EVIDENCE)
    left = max(0, min(start - EVIDENCE // 3, len(line) - EVIDENCE))
    piece = line[left:left + EVIDENCE]
    return ("…" if left else "") + one_line(piece) + ("…" if left + EVIDENCE < len(line) else "")


class _Finder:
    def __init__(self) -> None:
        self.found: dict[str, _Found] = {}
        self.order = 0

    def add(self, code: str, shown: str, raw: str, number: int | None, start: int, score: float,
            named_by: str = "") -> None:
        self.order += 1
        item = Code(code, shown, _excerpt(raw, start), number, number is None,
                    None if number is None else start, named_by)
        old = self.found.get(code)
        if old is None:
            self.found[code] = _Found(item, score, self.order)
            return
        old.seen += 1
        # Keep the better evidence; on a tie the body's, which the reader can highlight.
        if score > old.score or score == old.score and old.code.in_subject and not item.in_subject:
            old.code, old.score = item, score

    def scan_line(self, row: _Row) -> None:
        """The codes on a line that names one."""
        if not row.tokens or not row.names:
            return
        line = row.line
        ends = [name_end for _, name_end in row.names]
        for start, end, code in row.tokens:
            # Only the nearest name on each side matters (a line can hold thousands of both).
            at = bisect_right(ends, start)
            before = row.names[at - 1] if at else None
            after = row.names[at] if at < len(row.names) and row.names[at][0] >= end else None
            score = 0.0
            since = before[1] if before else 0
            if before:
                gap = line[before[1]:start]
                attached = len(gap) <= 24 and not _SENTENCE_END.search(gap)
                score = max(score, 80 - len(gap) / 4 if attached else 55 - min(len(gap) / 20, 15))
            if after:
                gap = line[end:after[0]]
                attached = len(gap) <= 40 and not _SENTENCE_END.search(gap)
                score = max(score, 75 - len(gap) / 4 if attached else 55 - min(len(gap) / 20, 15))
            if not score or _trap(line, start, end, since):
                continue
            if _YEAR.fullmatch(code) and not (before and start - before[1] <= 3):
                continue  # "in 2026", "© 2026": a year, unless the name introduces it ("Code: 2031")
            self.add(code, row.raw[start:end], row.raw, row.number, start, score)

    def results(self) -> list[Code]:
        ranked = sorted(self.found.values(), key=lambda f: (-(f.score + 4 * min(f.seen - 1, 2)), f.order))
        return [f.code for f in ranked[:MAX_CODES]]


class _Row:
    """A line with text, as read: folded, links blanked, its code-shaped tokens; its names computed on demand."""

    def __init__(self, raw: str, number: int | None) -> None:
        self.raw, self.number = raw, number
        folded = raw.translate(_FOLD)
        self.sms = _SMS_ORIGIN.fullmatch(folded) if "@" in folded else None
        if "@" in folded or "//" in folded or "www." in folded.lower():
            folded = _URL.sub(lambda m: " " * len(m.group()), folded)
        self.line = folded
        self.tokens = [(m.start(), m.end(), code) for m in islice(_TOKEN.finditer(folded), NAMES_PER_LINE * 2)
                       if (code := _typed(m.group()))]
        self._names: list[tuple[int, int]] | None = None

    @property
    def names(self) -> list[tuple[int, int]]:
        if self._names is None:
            self._names = _names(self.line)
        return self._names

    def lone(self) -> tuple[str, str, int] | None:
        """(code, shown, start) when the line holds nothing but a code-shaped token."""
        spaced = _SPACED_DIGITS.fullmatch(self.line)
        match = spaced or _LONE.fullmatch(self.line)
        if not match:
            return None
        start, end = match.span(1)
        code = "".join(match.group(1).split()) if spaced else _typed(match.group(1))
        return (code, self.raw[start:end], start) if code else None


def find_codes(subject: str, text: str) -> list[Code]:
    """The verification codes in a message, best first, each once (see the module's docstring)."""
    finder = _Finder()
    head = _Row(subject or "", None)
    finder.scan_line(head)
    rows: list[_Row] = []
    with_tokens = 0
    for number, raw in enumerate(text[:SCAN].splitlines()):
        if raw.strip():
            rows.append(_Row(raw, number))
            with_tokens += bool(rows[-1].tokens)
            if with_tokens >= ROWS_WITH_TOKENS:
                break  # a code stands near the top; a body of numbers is not read to its end
    for row in rows:
        if row.sms:
            code = _typed(row.sms.group(1))
            if code:
                finder.add(code, row.raw[row.sms.start(1):row.sms.end(1)], row.raw, row.number, row.sms.start(1), 100)
        finder.scan_line(row)
    for index, row in enumerate(rows):
        if not row.tokens and not row.line.lstrip()[:1].isdigit():
            continue  # no code-shaped token, nor a line of single digits
        lone = row.lone()
        if lone is None or row.names:
            continue
        code, shown, start = lone
        # Layout over grammar: alone on its line shortly after (or just before) a line that names a code.
        before = [rows[index - d] for d in range(1, FAR + 1) if index - d >= 0]
        after = [rows[index + d] for d in (1, 2) if index + d < len(rows)]
        named = next(((90 - 5 * d, r) for d, r in enumerate(before[:NEAR], 1) if r.names), None) \
            or next(((70, r) for r in after if r.names), None) \
            or next(((60 - d, r) for d, r in enumerate(before[NEAR:], NEAR + 1) if r.names), None)
        if named:
            finder.add(code, shown, row.raw, row.number, start, named[0], one_line(named[1].raw, EVIDENCE))
        elif head.names and index < 15:
            finder.add(code, shown, row.raw, row.number, start, 50, one_line(subject, EVIDENCE))
    if head.names and not finder.found:
        # The subject names a code the body only uses ("Use 482913 to sign in"): the first tokens, weakly.
        for row in rows[:15]:
            for start, end, code in row.tokens:
                if not _trap(row.line, start, end, 0) and not _YEAR.fullmatch(code):
                    finder.add(code, row.raw[start:end], row.raw, row.number, start, 40, one_line(subject, EVIDENCE))
    return finder.results()
