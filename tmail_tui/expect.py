"""Expectations: "the mail from X with a code in it", judged message by message. One definition serves `tmail expect`
(and its common cases `tmail code` and `tmail link`) and a box armed in the reader.

An expectation has matchers (all must hold, case-insensitive): senders (`--from`: a part of the name or address),
subjects (`--subject`: a part of it), body patterns (`--body`: regular expressions over the text as the reader shows
it), and what it gives back: the verification code, the verification link (optionally one whose address matches a
pattern), or the message itself. `judge` answers with the result, or with why the message does not do: a timeout
then says what did arrive and why it was not taken ("a near miss": right sender, no code).

Time (`since`) is not judged here: the caller decides which messages are candidates. "Since now" means what the
watcher calls new (arrived after the command started, whoever fetched it), which does not depend on the server's
clock; an explicit time is compared with each message's `receivedAt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .api.models import Message
from .codes import find_codes
from .render import RenderedBody, render_body
from .sanitize import one_line
from .verify_links import rank_links

GIVES = ("code", "link", "message")
_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class BadExpectation(ValueError):
    """A matcher or a time that cannot be used; the message says which."""


@dataclass(frozen=True)
class Verdict:
    result: dict[str, Any] | None  # what the expectation gives back (None: the message does not do)
    why_not: str = ""  # for a message that does not do: the first matcher it failed, in words


@dataclass(frozen=True)
class Expectation:
    senders: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    bodies: tuple[re.Pattern, ...] = field(default=())
    gives: str = "code"
    link_pattern: re.Pattern | None = None

    @classmethod
    def of(cls, senders=(), subjects=(), bodies=(), gives: str = "code", link_pattern: str | None = None
           ) -> Expectation:
        """From what a person typed: raises BadExpectation for a pattern that is not a regular expression."""
        if gives not in GIVES:
            raise BadExpectation(f"Expect a code, a link or a message, not {gives!r}.")
        return cls(tuple(s.strip().lower() for s in senders if s.strip()),
                   tuple(s.strip().lower() for s in subjects if s.strip()),
                   tuple(_pattern(b, "--body") for b in bodies), gives,
                   _pattern(link_pattern, "--link") if link_pattern else None)

    def describe(self, article: str = "a") -> str:
        """In words, for progress lines, errors and the reader's sidebar: "a code from github"."""
        what = {"code": "code", "link": "verification link" if self.link_pattern is None else "link",
                "message": "message"}[self.gives]
        parts = [article, what] + [f"from {s}" for s in self.senders] + [f"about “{s}”" for s in self.subjects]
        return " ".join(p for p in parts if p)

    def judge(self, message: Message, body: RenderedBody | None = None) -> Verdict:
        """Whether `message` is the one expected, and what it gives; `body` is its conversion if already made."""
        sender = f"{message.from_name} {message.from_email}".lower()
        for wanted in self.senders:
            if wanted not in sender:
                return Verdict(None, f"the sender is not {wanted}")
        subject = message.subject.lower()
        for wanted in self.subjects:
            if wanted not in subject:
                return Verdict(None, f"the subject does not say {wanted!r}")
        body = body or render_body(message.content, message.is_html)
        for pattern in self.bodies:
            if not pattern.search(body.text):
                return Verdict(None, f"the text does not match {pattern.pattern!r}")
        reference = {"message_id": message.id, "mailbox": message.mailbox, "subject": message.subject,
                     "from_name": message.from_name, "from_email": message.from_email,
                     "received_at": message.received_raw or None}
        if self.gives == "code":
            codes = find_codes(message.subject, body.text)
            if not codes:
                return Verdict(None, "it carries no code")
            return Verdict({**codes[0].to_json(), "candidates": [c.to_json() for c in codes], **reference})
        if self.gives == "link":
            ranked = rank_links(body.links, body.text)
            if self.link_pattern is not None:
                chosen = next((r for r in ranked if r.link.safe and self.link_pattern.search(r.link.url)), None)
                if chosen is None:
                    return Verdict(None, f"no link matches {self.link_pattern.pattern!r}")
            else:
                chosen = ranked[0] if ranked and ranked[0].is_verification else None
                if chosen is None:
                    return Verdict(None, "it has no verification link")
            return Verdict({**chosen.to_json(), **reference})
        return Verdict(reference)


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None | str:
    """`now` (the default: only mail that arrives after the start), `all`, a time ago (`10m`, `2h`, `1d`), or a date
    or date and time (ISO, UTC unless it says otherwise). Returns "now", None for all, or an aware datetime."""
    if text is None or text.strip().lower() == "now":
        return "now"
    text = text.strip()
    if text.lower() == "all":
        return None
    now = now or datetime.now(timezone.utc)
    match = _AGO.fullmatch(text)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadExpectation(f"--since {one_line(text, 40)!r}: give now, all, a time ago (10m, 2h, 1d) or a date "
                             "(2026-11-26 or 2026-11-26T09:30).") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _pattern(text: str, option: str) -> re.Pattern:
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise BadExpectation(f"{option} {one_line(text, 60)!r} is not a regular expression ({exc}).") from None
