"""The local store: the mailboxes the user owns and every message ever fetched, in SQLite.

There is no API endpoint that lists mailboxes, and boxes expire: this file is the only memory of which addresses are
the user's, and the only place their mail survives expiry or a dead network. Every write is one transaction, in WAL
mode, so a crash (even kill -9 mid-poll) loses nothing that was committed, and nothing is shown before it is committed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from .api.models import Attachment, Mailbox, Message, parse_time

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mailboxes (
    address     TEXT PRIMARY KEY,
    api_id      TEXT NOT NULL DEFAULT '',
    domain      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT '',
    expire_at   TEXT NOT NULL DEFAULT '',
    token       TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL,               -- created | renamed | added
    added_at    REAL NOT NULL,
    gone_at     REAL,                        -- when the server first said 404
    polled_at   REAL
);
CREATE TABLE IF NOT EXISTS messages (
    id          TEXT PRIMARY KEY,
    mailbox     TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    from_name   TEXT NOT NULL DEFAULT '',
    from_email  TEXT NOT NULL DEFAULT '',
    received_raw TEXT NOT NULL DEFAULT '',
    received_ts REAL,
    is_html     INTEGER NOT NULL DEFAULT 0,
    content     TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '[]',
    server_seen INTEGER NOT NULL DEFAULT 0,
    seen        INTEGER NOT NULL DEFAULT 0,  -- opened in tmail
    fetched_at  REAL NOT NULL,
    digest      TEXT NOT NULL DEFAULT ''
);
-- The list's exact order, id included: SQLite then reads the first screenful without sorting the whole box.
DROP INDEX IF EXISTS messages_by_box;
CREATE INDEX IF NOT EXISTS messages_newest_first ON messages (mailbox, received_ts DESC, fetched_at DESC, id);
-- Unread counts for the sidebar without reading every message of a big box.
CREATE INDEX IF NOT EXISTS messages_unread ON messages (mailbox) WHERE seen = 0 AND server_seen = 0;
"""


@dataclass(frozen=True)
class StoredBox:
    address: str
    origin: str
    api_id: str = ""
    domain: str = ""
    expire_at: datetime | None = None
    expire_at_raw: str = ""
    created_at_raw: str = ""
    added_at: float = 0.0
    gone_at: float | None = None
    polled_at: float | None = None
    total: int = 0
    unread: int = 0

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative once expired), or None when the expiry is unknown."""
        if self.expire_at is None:
            return None
        return self.expire_at.timestamp() - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None) -> bool:
        left = self.seconds_left(now)
        return self.gone_at is not None or (left is not None and left <= 0)


@dataclass(frozen=True)
class StoredMessage:
    message: Message
    seen: bool
    fetched_at: float

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def unread(self) -> bool:
        return not self.seen


class Summary(NamedTuple):
    """What a message list row needs, without the body: cheap to load by the hundred thousand (a tuple)."""

    id: str
    subject: str
    from_name: str
    from_email: str
    received_ts: float | None  # epoch seconds; the datetime is made only for rows on screen
    received_raw: str
    unread: bool  # 1 or 0 as SQLite gives it
    attachments: int

    @property
    def received_at(self) -> datetime | None:
        return None if self.received_ts is None else datetime.fromtimestamp(self.received_ts, timezone.utc)


@dataclass
class PollResult:
    """What one poll changed in the store: the UI updates only these."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not self.new and not self.changed


def _digest(message: Message) -> str:
    """A fingerprint of everything but the seen flag: a changed digest means the row must be redrawn."""
    payload = message.to_json()
    payload.pop("is_seen")
    return hashlib.blake2b(json.dumps(payload, sort_keys=True).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _row_to_message(row: sqlite3.Row) -> StoredMessage:
    try:
        raw_attachments = json.loads(row["attachments"])
    except ValueError:
        raw_attachments = []
    attachments = tuple(a for a in (Attachment.from_api(x) for x in raw_attachments) if a)
    message = Message(
        id=row["id"], mailbox=row["mailbox"], subject=row["subject"], from_name=row["from_name"],
        from_email=row["from_email"], received_at=parse_time(row["received_raw"]), received_raw=row["received_raw"],
        is_seen=bool(row["server_seen"]), is_html=bool(row["is_html"]), content=row["content"],
        attachments=attachments,
    )
    return StoredMessage(message=message, seen=bool(row["seen"] or row["server_seen"]), fetched_at=row["fetched_at"])


def _row_to_box(row: sqlite3.Row) -> StoredBox:
    return StoredBox(
        address=row["address"], origin=row["origin"], api_id=row["api_id"], domain=row["domain"],
        expire_at=parse_time(row["expire_at"]), expire_at_raw=row["expire_at"], created_at_raw=row["created_at"],
        added_at=row["added_at"], gone_at=row["gone_at"], polled_at=row["polled_at"],
        total=row["total"] or 0, unread=row["unread"] or 0,
    )


class Store:
    """One SQLite file. Safe to share between the UI thread and worker threads (one lock, short transactions)."""

    def __init__(self, path: Path | str, *, clock=time.time) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- mailboxes -----------------------------------------------------------------------------------------------

    def save_box(self, box: Mailbox, origin: str = "created") -> None:
        with self._transaction() as db:
            self._upsert_box(db, box, origin)

    def _upsert_box(self, db: sqlite3.Connection, box: Mailbox, origin: str) -> None:
        db.execute(
            """INSERT INTO mailboxes (address, api_id, domain, created_at, expire_at, token, origin, added_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(address) DO UPDATE SET api_id=excluded.api_id, domain=excluded.domain,
                 created_at=excluded.created_at, expire_at=excluded.expire_at, token=excluded.token,
                 origin=excluded.origin, gone_at=NULL""",
            (box.email, box.id, box.domain, box.created_at_raw, box.expire_at_raw, box.email_token, origin,
             self._clock()),
        )

    def add_address(self, address: str) -> None:
        """Remember a box made elsewhere (on the website): its expiry is unknown until it stops answering."""
        domain = address.rpartition("@")[2]
        with self._transaction() as db:
            db.execute("""INSERT INTO mailboxes (address, domain, origin, added_at) VALUES (?, ?, 'added', ?)
                          ON CONFLICT(address) DO UPDATE SET gone_at=NULL""", (address, domain, self._clock()))

    def rename_box(self, old_address: str, new_box: Mailbox) -> None:
        """A rename replaces the box (new id, new address); its messages follow it to the new address."""
        with self._transaction() as db:
            self._upsert_box(db, new_box, "renamed")
            if old_address != new_box.email:
                db.execute("UPDATE messages SET mailbox=? WHERE mailbox=?", (new_box.email, old_address))
                db.execute("DELETE FROM mailboxes WHERE address=?", (old_address,))

    def forget_box(self, address: str) -> None:
        """The user deleted the box: it and its mail go."""
        with self._transaction() as db:
            db.execute("DELETE FROM messages WHERE mailbox=?", (address,))
            db.execute("DELETE FROM mailboxes WHERE address=?", (address,))

    def mark_gone(self, address: str) -> None:
        """The server no longer knows the box (expired): keep it and its mail, stop polling it."""
        with self._transaction() as db:
            db.execute("UPDATE mailboxes SET gone_at=COALESCE(gone_at, ?) WHERE address=?", (self._clock(), address))

    # Counted through the indexes (a join over the messages took 30 ms for a box of 100,000).
    _BOX_QUERY = """SELECT b.*, (SELECT COUNT(*) FROM messages m WHERE m.mailbox = b.address) AS total,
                           (SELECT COUNT(*) FROM messages m
                            WHERE m.mailbox = b.address AND m.seen = 0 AND m.server_seen = 0) AS unread
                    FROM mailboxes b"""

    def boxes(self) -> list[StoredBox]:
        """Every box, newest first."""
        with self._lock:
            rows = self._db.execute(self._BOX_QUERY + " ORDER BY b.added_at DESC, b.address").fetchall()
        return [_row_to_box(r) for r in rows]

    def box(self, address: str) -> StoredBox | None:
        with self._lock:
            row = self._db.execute(self._BOX_QUERY + " WHERE b.address=?", (address,)).fetchone()
        return _row_to_box(row) if row else None

    # --- messages ------------------------------------------------------------------------------------------------

    def record_poll(self, address: str, messages: Iterable[Message]) -> PollResult:
        """Upsert what a poll returned, in one transaction; report which ids are new and which changed.

        Messages the server no longer lists stay: mail outlives its box.
        """
        result = PollResult()
        now = self._clock()
        with self._transaction() as db:
            known = {row[0]: (row[1], row[2]) for row in db.execute(
                "SELECT id, digest, server_seen FROM messages WHERE mailbox=?", (address,))}
            for message in messages:
                digest = _digest(message)
                before = known.get(message.id)
                if before == (digest, int(message.is_seen)):
                    continue
                if before is None:
                    result.new.append(message.id)
                else:
                    result.changed.append(message.id)
                self._upsert_message(db, message, address, digest, now)
            db.execute("UPDATE mailboxes SET polled_at=?, gone_at=NULL WHERE address=?", (now, address))
        return result

    def save_message(self, message: Message) -> None:
        """Store one message read on its own (endpoint 6)."""
        with self._transaction() as db:
            self._upsert_message(db, message, message.mailbox, _digest(message), self._clock())

    def _upsert_message(self, db: sqlite3.Connection, message: Message, address: str, digest: str,
                        now: float) -> None:
        received = message.received_at.timestamp() if message.received_at else None
        attachments = json.dumps([a.to_json() for a in message.attachments])
        db.execute(
            """INSERT INTO messages (id, mailbox, subject, from_name, from_email, received_raw, received_ts,
                                     is_html, content, attachments, server_seen, fetched_at, digest)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET subject=excluded.subject, from_name=excluded.from_name,
                 from_email=excluded.from_email, received_raw=excluded.received_raw,
                 received_ts=excluded.received_ts, is_html=excluded.is_html, content=excluded.content,
                 attachments=excluded.attachments, server_seen=excluded.server_seen, digest=excluded.digest""",
            (message.id, address, message.subject, message.from_name, message.from_email, message.received_raw,
             received, int(message.is_html), message.content, attachments, int(message.is_seen), now, digest),
        )

    def messages(self, address: str) -> list[StoredMessage]:
        """A box's messages, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM messages WHERE mailbox=? ORDER BY received_ts DESC, fetched_at DESC, id",
                (address,)).fetchall()
        return [_row_to_message(r) for r in rows]

    # Columns in Summary's order, so rows become Summaries without a Python-level step per field.
    _SUMMARY_QUERY = ("SELECT id, subject, from_name, from_email, received_ts, received_raw, "
                      "seen = 0 AND server_seen = 0, coalesce(json_array_length(attachments), 0) "
                      "FROM messages WHERE mailbox=?")
    _NEWEST_FIRST = " ORDER BY received_ts DESC, fetched_at DESC, id"

    def summaries(self, address: str, ids: Iterable[str] | None = None, limit: int | None = None) -> list[Summary]:
        """List rows for a box (or only the given ids, or only the newest `limit`), newest first."""
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None  # plain tuples: a box of 100,000 loads in a third less time
            if ids is None:
                rows = cursor.execute(self._SUMMARY_QUERY + self._NEWEST_FIRST + " LIMIT ?",
                                      (address, -1 if limit is None else limit)).fetchall()
            else:
                wanted, rows = list(ids), []
                for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one statement
                    chunk = wanted[start:start + 500]
                    rows += cursor.execute(
                        self._SUMMARY_QUERY + f" AND id IN ({','.join('?' * len(chunk))})" + self._NEWEST_FIRST,
                        (address, *chunk)).fetchall()
                rows.sort(key=lambda r: -r[4] if r[4] is not None else float("inf"))
        return list(map(Summary._make, rows))

    def count(self, address: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM messages WHERE mailbox=?", (address,)).fetchone()[0]

    def message(self, message_id: str) -> StoredMessage | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM messages WHERE id=?", (message_id,)).fetchone()
        return _row_to_message(row) if row else None

    def mark_seen(self, message_id: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE messages SET seen=1 WHERE id=?", (message_id,))

    def delete_message(self, message_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM messages WHERE id=?", (message_id,))
