"""The search syntax of `tmail search`, the reader's global search and its `/`, and its translation to SQLite FTS5.

    parse(text, now=None, prefix_last=False) -> Query     # never raises: what it cannot use is in Query.problems
    compile_query(query, labels) -> Compiled               # an FTS5 MATCH expression and SQL conditions

The syntax (case does not matter; terms are ANDed):
- `word`, `"a phrase"`: anywhere in the subject, the sender, the box's address, the attachment names or the body
  as the reader shows it. Whole words (`code` does not find `codes`); `verif*` for words that start so (3
  characters at least: shorter prefixes are taken as words, so a query stays fast).
- `from:alice`, `from:"Alice Doe"`, `from:example.org`: the sender's name or address.
- `to:ADDRESS` / `box:ADDRESS`: the box (a whole address is matched exactly; `box:github` finds the words of one).
- `subject:invoice`, `label:signup` (the note given to a box; any part of it).
- `has:attachment`, `has:code` (a verification code, as `y` finds it), `is:unread`, `is:read`.
- `after:2026-11-01`, `before:2026-11-20T08:00` (local time), `after:2d`, `before:3h` (ages: m, h, d, w); also
  `today` and `yesterday`. `after:` keeps what arrived at or after that moment, `before:` what arrived before it.
- `-word`, `-"a phrase"`, `-from:x`, `-has:attachment`...: a leading `-` negates any term.

Safety: the user's text never reaches FTS5's own syntax. Every word or phrase becomes one FTS5 string, quoted
with its quotes doubled, so `NEAR`, `AND`, `*`, `^`, `(`, `col:` and the like are just text; column filters and
operators are written here, from a fixed list. Terms without a letter or digit (which FTS5 would reject as an empty
phrase) are dropped; control characters are spaces. Values go to SQL as parameters, never into its text. An
unknown `name:` is searched as text (`http://x` is a word search); a known operator with a value it cannot use
(`after:soon`) is said in `problems` and left out.

Scripts written without spaces between words (Chinese, Japanese, Korean's Hangul, Thai, Lao, Khmer, Myanmar): FTS5's
unicode61 tokenizer makes one token of a whole run of them, so a word inside a run (验证码 in 您的验证码是123456) could
only be found as the whole run. The index therefore holds such text with a separator around each of their
characters (`space_out`, applied by archive.py's body indexer), which makes each character a token of its own; a
query's word or phrase is spaced out the same way, so 验证码 is the FTS5 phrase "验 证 码" (consecutive tokens) and is
found anywhere in a run, `-验证码` excludes it anywhere, and 인증코드 finds 인증코드를; `验证码*` finds what 验证码 finds
(each character is a whole token). Until the indexer has been past a message (seconds), its subject,
sender and attachment names are as the store's triggers wrote them, unspaced (a trigger cannot space text: it has
only SQL, and it runs in every process), so each such term also matches the whole run as typed: `("验 证 码" OR
"验证码")`. Both strings are built by `fts_string`, so the rule above holds.

Bounded work: at most MAX_TERMS terms of at most MAX_TERM characters, of which MAX_TEXT_TERMS words or phrases
and MAX_PREFIXES prefixes (more is said in `problems`): ten of the commonest words, or four prefixes of them,
take longer than the 50 ms a query may take on 100,000 messages.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_TERMS = 20  # terms of any kind
MAX_TEXT_TERMS = 8  # words, phrases, from:, subject:, box: (each walks a list of every message that holds it)
MAX_PREFIXES = 2  # `word*` terms (each merges the lists of every word that starts so)
MAX_TERM = 200
MIN_PREFIX = 3

# Operators and the name they are kept under; `to:` and `box:` are one.
OPERATORS = {"from": "from", "to": "box", "box": "box", "subject": "subject", "label": "label", "has": "has",
             "is": "is", "after": "after", "before": "before"}
FTS_COLUMNS = {"from": "sender", "box": "mailbox", "subject": "subject"}
FTS_KINDS = frozenset({"text", *FTS_COLUMNS})
HAS = {"attachment": "attachment", "attachments": "attachment", "file": "attachment", "files": "attachment",
       "code": "code"}
IS = {"unread": "unread", "new": "unread", "read": "read", "seen": "read"}
_AGE_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGE = re.compile(r"(\d{1,6})\s*(m|min|h|d|w)")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_WORD_CHAR = re.compile(r"[^\W_]")  # what FTS5's unicode61 tokenizer keeps: letters and digits
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Scripts written without spaces between words: Thai, Lao, Myanmar, Hangul jamo, Khmer, Han marks, kana, Hangul
# compatibility jamo, Han (extension A, unified, compatibility, extensions B and on), Hangul syllables, half-width kana.
_UNSPACED_SCRIPTS = ("\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f"
                     "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff\uac00-\ud7af"
                     "\uff66-\uff9f")
UNSPACED = re.compile(f"[{_UNSPACED_SCRIPTS}]")
_UNSPACED_RUN = re.compile(f"[{_UNSPACED_SCRIPTS}]+")


@dataclass(frozen=True)
class Term:
    kind: str  # "text", or an operator's name: from box subject label has is after before
    value: str  # as typed (a phrase without its quotes); for after/before, epoch seconds as text
    negated: bool = False
    prefix: bool = False  # words that start with `value`

    def __str__(self) -> str:
        sign = "-" if self.negated else ""
        value = f'"{self.value}"' if " " in self.value else self.value
        return f"{sign}{value}{'*' if self.prefix else ''}" if self.kind == "text" else f"{sign}{self.kind}:{value}"


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms

    def text_terms(self) -> list[str]:
        """The words and phrases that matched text, for highlighting (negated ones excluded)."""
        return [t.value for t in self.terms if t.kind in ("text", "from", "subject") and not t.negated]


@dataclass
class Compiled:
    """A query as SQL: `match` for `archive_fts MATCH ?` (None: no positive text term), `exclude` for the rows
    whose text must not match, and conditions on the archive's documents (alias `d`) with their parameters."""

    match: str | None = None
    exclude: str | None = None
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    nothing: bool = False  # a term no message can satisfy (a label no box has)


def _tokens(text: str) -> list[tuple[bool, str, str, bool]]:
    """Split the query into (negated, operator or "", value, quoted) pieces: quotes group a phrase (an open quote
    runs to the end of the query), and `name:"a phrase"` is one piece. Only a known operator's name before a colon
    is an operator, and only outside quotes."""
    pieces: list[tuple[bool, str, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        i += negated
        operator = ""
        match = re.match(r"([A-Za-z]+):", text[i:i + 20])
        if match and match.group(1).lower() in OPERATORS:
            operator = OPERATORS[match.group(1).lower()]
            i += len(match.group(0))
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            pieces.append((negated, operator, text[i + 1:end], True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        pieces.append((negated, operator, text[start:i], False))
    return pieces


def parse_age(value: str, default_unit: str = "d") -> float | None:
    """`30d`, `12h`, `2w`, `90m` (or a bare number, in `default_unit`) as seconds; None when it is not one."""
    value = value.strip().lower()
    if value.isdigit() and len(value) <= 6:
        value += default_unit
    age = _AGE.fullmatch(value)
    return int(age.group(1)) * _AGE_UNITS[age.group(2)] if age else None


def _moment(value: str, now: float) -> float | None:
    """`2026-11-01`, `2026-11-01T08:30`, `2d`, `3h`, `today`, `yesterday` as epoch seconds (local time)."""
    value = value.strip().lower()
    age = parse_age(value, default_unit="") if _AGE.fullmatch(value) else None
    if age is not None:
        return now - age
    if value in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - timedelta(days=1 if value == "yesterday" else 0)).timestamp()
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
        return moment.timestamp()  # a naive time is the user's local time
    except (ValueError, OverflowError, OSError):
        return None


def parse(text: str, now: float | None = None, prefix_last: bool = False) -> Query:
    """The query as terms. `prefix_last`: the last word, if typed bare, matches words that start with it (for a
    search as the user types). Never raises."""
    now = time.time() if now is None else now
    text = text if isinstance(text, str) else ""
    clean = _CONTROL.sub(" ", text)
    terms: list[Term] = []
    problems: list[str] = []
    pieces = _tokens(clean)
    for index, (negated, kind, value, quoted) in enumerate(pieces):
        term = _term(kind or "text", value.strip()[:MAX_TERM], negated, quoted, now, problems)
        if term is None:
            continue
        if term.kind == "text" and not quoted and prefix_last and index == len(pieces) - 1 and not negated:
            term = Term(term.kind, term.value, False, len(term.value) >= MIN_PREFIX or term.prefix)
        if term.prefix and sum(t.prefix for t in terms) == MAX_PREFIXES:
            problems.append(f"At most {MAX_PREFIXES} words can end with *: {term.value}* is matched as a word.")
            term = Term(term.kind, term.value, term.negated, False)
        if term.kind in FTS_KINDS and sum(t.kind in FTS_KINDS for t in terms) == MAX_TEXT_TERMS:
            problems.append(f"At most {MAX_TEXT_TERMS} words or phrases are searched; {term} was left out.")
            continue
        if len(terms) == MAX_TERMS:
            problems.append(f"Only the first {MAX_TERMS} terms are used.")
            break
        terms.append(term)
    return Query(text, tuple(terms), tuple(problems))


def _term(kind: str, value: str, negated: bool, quoted: bool, now: float, problems: list[str]) -> Term | None:
    if kind == "has":
        what = HAS.get(value.lower())
        if what is None:
            problems.append(f"has:{value} is not known (has:attachment or has:code); it was left out.")
            return None
        return Term("has", what, negated)
    if kind == "is":
        what = IS.get(value.lower())
        if what is None:
            problems.append(f"is:{value} is not known (is:unread or is:read); it was left out.")
            return None
        return Term("is", what, negated)
    if kind in ("after", "before"):
        moment = _moment(value, now)
        if moment is None:
            problems.append(f"{kind}:{value} is not a date (2026-11-01) or an age (2d, 3h); it was left out.")
            return None
        return Term(kind, repr(moment), negated)
    if kind == "label":
        return Term("label", value, negated) if value else None
    prefix = not quoted and value.endswith("*")
    if prefix:
        value = value.rstrip("*")
        prefix = len(value) >= MIN_PREFIX
    if not _WORD_CHAR.search(value):
        return None  # nothing FTS5 would index: no letter or digit
    return Term(kind, value, negated, prefix)


def space_out(text: str, separator: str = " ") -> str:
    """The text with `separator` around each character of a script written without spaces, so that unicode61 makes
    each of them a token (see the module's docstring); other text is returned as it is."""
    return _UNSPACED_RUN.sub(lambda run: separator + separator.join(run.group()) + separator, text)


def fts_string(value: str, prefix: bool = False) -> str:
    """One FTS5 string: the user's text, quotes doubled, so nothing in it is FTS5 syntax."""
    return '"' + value.replace('"', '""') + '"' + ("*" if prefix else "")


def _fts(term: Term) -> str:
    string = fts_string(term.value, term.prefix)
    spaced = space_out(term.value)
    if spaced != term.value:  # as the indexer wrote it, or a whole run as the triggers did (module docstring)
        string = f"({fts_string(spaced, term.prefix)} OR {string})"
    column = FTS_COLUMNS.get(term.kind)
    return f"{column} : {string}" if column else string


def compile_query(query: Query, labels: dict[str, str] | None = None) -> Compiled:
    """The query as SQL over `archive_fts` and the documents `d` (see archive.py). `labels` (address -> label)
    decides `label:`."""
    out = Compiled()
    positive: list[str] = []
    negative: list[str] = []
    for term in query.terms:
        if term.kind == "box" and _ADDRESS.fullmatch(term.value):
            out.where.append("d.mailbox <> ?" if term.negated else "d.mailbox = ?")
            out.params.append(term.value.lower())
        elif term.kind in ("text", "from", "box", "subject"):
            (negative if term.negated else positive).append(_fts(term))
        elif term.kind == "label":
            needle = term.value.casefold()
            boxes = sorted(a for a, label in (labels or {}).items() if needle in label.casefold())
            if boxes:
                marks = ",".join("?" * len(boxes))
                out.where.append(f"d.mailbox {'NOT IN' if term.negated else 'IN'} ({marks})")
                out.params.extend(boxes)
            elif not term.negated:
                out.nothing = True
        elif term.kind == "has":
            condition = "d.attachments > 0" if term.value == "attachment" else "d.has_code = 1"
            out.where.append(f"NOT ({condition})" if term.negated else condition)
        elif term.kind == "is":
            unread = (term.value == "unread") != term.negated
            out.where.append("d.unread = 1" if unread else "d.unread = 0")
        elif term.kind in ("after", "before"):
            later = (term.kind == "after") != term.negated
            out.where.append("d.received_ts >= ?" if later else "d.received_ts < ?")
            out.params.append(float(term.value))
    if positive:
        out.match = " AND ".join(f"({p})" for p in positive)
        if negative:
            out.match += "".join(f" NOT ({n})" for n in negative)
    elif negative:
        out.exclude = " OR ".join(f"({n})" for n in negative)
    return out
