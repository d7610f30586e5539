"""Typed views of the API's JSON.

The server is not ours: every parser here tolerates unknown fields, missing fields and nulls, and keeps the raw
value of any timestamp it cannot parse. Strings are kept as the server sent them; sanitising is the display's job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..sanitize import replace_surrogates

# Times outside this range are taken as unreadable: 9999-12-31 shown in a zone east of UTC is past datetime.max
# (OverflowError wherever it is converted), and no mail, box or quota reset is dated before 1970 or after 9000.
_EARLIEST = datetime(1970, 1, 2, tzinfo=timezone.utc)
_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


def parse_time(raw: object) -> datetime | None:
    """An aware datetime from the API's timestamps, or None when it can't be read (the raw text is kept beside it).

    `expire_at` and the quota reset carry an offset. `receivedAt` has none: the documented examples show it equal to
    the box's `created_at` in UTC, so a naive value is taken as UTC.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        in_range = _EARLIEST <= value <= _LATEST
    except (ValueError, OverflowError):
        return None
    return value if in_range else None


def _str(value: object, default: str = "", *, checked: bool = False) -> str:
    """A string field. Lone surrogates (legal in JSON, not in UTF-8) become U+FFFD so the store can keep them
    (`checked`: the decoder already refused them)."""
    if value is None:
        return default
    text = value if isinstance(value, str) else str(value)
    return text if checked else replace_surrogates(text)


_INT_LIMIT = 2**63  # SQLite's INTEGER and most arithmetic downstream: a number beyond it is nonsense, not data


def _int(value: object) -> int | None:
    """An integer field, or None when it is not one or is too big to mean anything."""
    number: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:  # not a number, or more digits than int() accepts
            return None
    return number if number is not None and -_INT_LIMIT < number < _INT_LIMIT else None


def _count(value: object) -> int | None:
    """A non-negative integer, or None: a quota header saying -7 or "lots" is not obeyed, it is ignored."""
    number = _int(value)
    return number if number is not None and number >= 0 else None


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Domain:
    domain: str
    type: str = ""
    custom: bool = False

    @property
    def is_premium(self) -> bool:
        return self.type.lower() == "premium"

    @classmethod
    def from_api(cls, data: object) -> Domain | None:
        data = _dict(data)
        name = _str(data.get("domain")).strip()
        if not name:
            return None
        return cls(domain=name, type=_str(data.get("type")), custom=_bool(data.get("custom")))


@dataclass(frozen=True)
class DomainList:
    requested_type: str
    allowed_types: tuple[str, ...]
    domains: tuple[Domain, ...]

    @classmethod
    def from_api(cls, data: object) -> DomainList:
        data = _dict(data)
        allowed = data.get("allowed_types")
        raw_domains = data.get("domains")
        domains = [Domain.from_api(d) for d in raw_domains] if isinstance(raw_domains, list) else []
        return cls(
            requested_type=_str(data.get("requested_type")),
            allowed_types=tuple(_str(t) for t in allowed) if isinstance(allowed, list) else (),
            domains=tuple(d for d in domains if d is not None),
        )


@dataclass(frozen=True)
class Mailbox:
    email: str
    id: str = ""
    domain: str = ""
    expire_at: datetime | None = None
    expire_at_raw: str = ""
    expires_in_seconds: int | None = None
    created_at: datetime | None = None
    created_at_raw: str = ""
    # The token is a credential for the box on the website: never shown, never printed.
    email_token: str = field(default="", repr=False)

    @classmethod
    def from_api(cls, data: object) -> Mailbox:
        data = _dict(data)
        email = _str(data.get("email")).strip()
        domain = _str(data.get("domain")) or (email.rpartition("@")[2] if "@" in email else "")
        return cls(
            email=email,
            id=_str(data.get("id")),
            domain=domain,
            expire_at=parse_time(data.get("expire_at")),
            expire_at_raw=_str(data.get("expire_at")),
            expires_in_seconds=_int(data.get("expires_in_seconds")),
            created_at=parse_time(data.get("created_at")),
            created_at_raw=_str(data.get("created_at")),
            email_token=_str(data.get("email_token")),
        )


@dataclass(frozen=True)
class Attachment:
    name: str
    extension: str = ""
    size: int | None = None
    url: str = ""

    @classmethod
    def from_api(cls, data: object, checked: bool = False) -> Attachment | None:
        data = _dict(data)
        name = _str(data.get("name"), checked=checked)
        if not name:
            return None
        return cls(name=name, extension=_str(data.get("extension"), checked=checked), size=_int(data.get("size")),
                   url=_str(data.get("url"), checked=checked))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Message:
    id: str
    mailbox: str = ""  # the `to` address
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    received_at: datetime | None = None
    received_raw: str = ""
    is_seen: bool = False
    is_html: bool = False
    content: str = ""
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_api(cls, data: object, checked: bool = False) -> Message | None:
        """`checked`: decoded by a decoder that refuses lone surrogates (msgspec), so no string needs a scan for
        them (a 40 KB body's scan is most of the cost of reading it)."""
        data = _dict(data)
        msg_id = _str(data.get("id"), checked=checked)
        if not msg_id:
            return None  # a message without an id cannot be read, saved or deleted: skip it
        raw_attachments = data.get("attachments")
        attachments = ([Attachment.from_api(a, checked) for a in raw_attachments]
                       if isinstance(raw_attachments, list) else [])
        return cls(
            id=msg_id,
            mailbox=_str(data.get("to"), checked=checked),
            subject=_str(data.get("subject"), checked=checked),
            from_name=_str(data.get("from"), checked=checked),
            from_email=_str(data.get("from_email"), checked=checked),
            received_at=parse_time(data.get("receivedAt")),
            received_raw=_str(data.get("receivedAt"), checked=checked),
            is_seen=_bool(data.get("is_seen")),
            is_html=_bool(data.get("html")),
            content=_str(data.get("content"), checked=checked),
            attachments=tuple(a for a in attachments if a is not None),
        )

    def to_json(self) -> dict[str, Any]:
        """The message in the API's own field names, for `--json` output and the store."""
        return {
            "id": self.id, "to": self.mailbox, "subject": self.subject, "from": self.from_name,
            "from_email": self.from_email, "receivedAt": self.received_raw, "is_seen": self.is_seen,
            "html": self.is_html, "content": self.content,
            "attachments": [a.to_json() for a in self.attachments],
        }


@dataclass(frozen=True)
class Quota:
    """The monthly quota as the last response's X-RateLimit-* headers told it.

    A header that cannot be read (Remaining `-7`, Limit `lots`, Reset `yesterday`) counts as absent, so nothing
    downstream obeys nonsense; None when no header could be read at all. A reset in the past is kept: it is readable,
    and means the quota has reset.
    """

    limit: int | None = None
    used: int | None = None
    remaining: int | None = None
    reset: datetime | None = None
    reset_raw: str = ""

    @classmethod
    def from_headers(cls, headers: Any) -> Quota | None:
        reset = parse_time(headers.get("x-ratelimit-reset"))
        quota = cls(
            limit=_count(headers.get("x-ratelimit-limit")),
            used=_count(headers.get("x-ratelimit-used")),
            remaining=_count(headers.get("x-ratelimit-remaining")),
            reset=reset,
            reset_raw=_str(headers.get("x-ratelimit-reset")).strip() if reset else "",
        )
        return None if quota == cls() else quota
