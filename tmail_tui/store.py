"""The local store: the mailboxes the user owns and every message ever fetched, in SQLite.

There is no API endpoint that lists mailboxes, and boxes expire: this file is the only memory of which addresses are
the user's, and the only place their mail survives expiry or a dead network. Every write is one transaction, in WAL
mode, so a crash (even kill -9 mid-poll) loses nothing that was committed, and nothing is shown before it is committed.

Several tmail processes share one store (a reader, `tmail watch` in another pane, `tmail code` in a script), so:
- every write transaction that touches messages takes the next number of one store-wide sequence, and each message
  row keeps the number of the write that first stored it (`first_seq`) and of the last that changed it (`seq`).
  A process that remembers the number it has read up to asks for `changes_since(n)` and sees every message stored or
  changed since, by whichever process fetched it: "new" is a fact about a reader of the store, never inferred from
  "not stored yet" (the first process to store a message would hide it from all the others);
- a process claims a box before polling it (`claim_poll`, a lease in the box's row), so two processes never poll one
  box at once, and `polled_at` is shared: they keep one pace together instead of multiplying the requests;
- messages are keyed by box and id: the same id in two boxes is two messages;
- addresses are case-insensitive: they are stored lower-case;
- the file is private (0600, in a 0700 folder when tmail makes it): it holds every mail, code and box token.

Cost in proportion to what changed (issue 12), whatever a box holds:
- each message keeps the fingerprint of the raw JSON it came in; a poll asks which of an answer's fingerprints are
  stored (`known_prints`, a covering index) and decodes only the others; `record_poll` reads only the rows it is
  given, compares them field by field, and takes no write number when nothing changed;
- each box's total and unread counts live in its row, kept by triggers: nothing ever counts a million rows;
- the message list reads pages (`page`, a seek in the newest-first index) on a connection of its own, so a poll
  writing 200 MB never makes the screen wait;
- checkpoints (copying the write-ahead log into the file) run in a thread after a poll that stored mail, not inside
  its commit.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from .api.errors import TmailError
from .api.models import Attachment, Mailbox, Message, Quota, parse_time
from .sanitize import replace_surrogates

SCHEMA_VERSION = 4
PAGE_SIZE = 16384
BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's write before giving up
REMOVED_KEPT = 7 * 86400.0  # how long a deletion is remembered for other processes to see
CHECKPOINT_EVERY = 100  # commits (claims, seen flags...) between checkpoints when no poll stored mail
CHECKPOINT_AFTER = 1.0  # seconds a checkpoint waits: what the commit stored is read and drawn before it is copied

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mailboxes (
    address     TEXT PRIMARY KEY,            -- lower-case
    api_id      TEXT NOT NULL DEFAULT '',
    domain      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT '',
    expire_at   TEXT NOT NULL DEFAULT '',
    token       TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL,               -- created | renamed | added
    added_at    REAL NOT NULL,
    gone_at     REAL,                        -- when the server said the box is gone
    polled_at   REAL,                        -- the last successful poll, by any process
    misses      INTEGER NOT NULL DEFAULT 0,  -- 404s in a row that did not come in the API's own words
    polling_until REAL,                      -- a process is polling it until then (a lease)
    first_poll_seq INTEGER,                  -- the write that stored the box's first poll
    total       INTEGER NOT NULL DEFAULT 0,  -- its messages, and the unread ones: kept by the triggers below
    unread      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
    mailbox     TEXT NOT NULL,
    id          TEXT NOT NULL,
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
    digest      TEXT NOT NULL DEFAULT '',    -- unused since version 4 (see _content)
    first_seq   INTEGER NOT NULL DEFAULT 0,
    seq         INTEGER NOT NULL DEFAULT 0,
    fingerprint BLOB,                        -- of the raw JSON the last poll got: the same bytes are not decoded
    PRIMARY KEY (mailbox, id)
);
-- The list's exact order, id included: SQLite then reads the first screenful without sorting the whole box.
CREATE INDEX IF NOT EXISTS messages_newest_first ON messages (mailbox, received_ts DESC, fetched_at DESC, id);
-- Unread counts for the sidebar without reading every message of a big box.
CREATE INDEX IF NOT EXISTS messages_unread ON messages (mailbox) WHERE seen = 0 AND server_seen = 0;
-- What changed since a number: read by every process after every poll, so it must not scan.
CREATE INDEX IF NOT EXISTS messages_by_seq ON messages (seq);
-- Which messages of an answer are stored already, by the fingerprint of their raw JSON: looked up by the batch in
-- the index alone (the column sits after the body: reading it from the table would read every body).
CREATE INDEX IF NOT EXISTS messages_by_print ON messages (fingerprint, mailbox, id) WHERE fingerprint IS NOT NULL;
CREATE TABLE IF NOT EXISTS removed (mailbox TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS removed_by_seq ON removed (seq);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value);
-- A box's counts, kept as its messages come and go: the sidebar and the list never count a million rows.
CREATE TRIGGER IF NOT EXISTS messages_counted_in AFTER INSERT ON messages BEGIN
    UPDATE mailboxes SET total = total + 1, unread = unread + (NEW.seen = 0 AND NEW.server_seen = 0)
    WHERE address = NEW.mailbox;
END;
CREATE TRIGGER IF NOT EXISTS messages_counted_out AFTER DELETE ON messages BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - (OLD.seen = 0 AND OLD.server_seen = 0)
    WHERE address = OLD.mailbox;
END;
CREATE TRIGGER IF NOT EXISTS messages_counted_again AFTER UPDATE OF mailbox, seen, server_seen ON messages BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - (OLD.seen = 0 AND OLD.server_seen = 0)
    WHERE address = OLD.mailbox;
    UPDATE mailboxes SET total = total + 1, unread = unread + (NEW.seen = 0 AND NEW.server_seen = 0)
    WHERE address = NEW.mailbox;
END;
"""
_RECOUNT = """UPDATE mailboxes SET total = (SELECT COUNT(*) FROM messages m WHERE m.mailbox = mailboxes.address),
    unread = (SELECT COUNT(*) FROM messages m
              WHERE m.mailbox = mailboxes.address AND m.seen = 0 AND m.server_seen = 0)"""

_MESSAGE_COLUMNS = ("mailbox, id, subject, from_name, from_email, received_raw, received_ts, is_html, content, "
                    "attachments, server_seen, seen, fetched_at, digest")


class StoreError(TmailError):
    """The store cannot be used as it is; the message says how to fix it."""


@contextmanager
def write_transaction(db: sqlite3.Connection, lock) -> Iterator[sqlite3.Connection]:
    """One write transaction on a connection of the store's file (the store's own, or the archive's)."""
    with lock:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # another process held the write lock for BUSY_TIMEOUT
            raise StoreError(f"The mail store is busy ({exc}); try again.") from None
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def normal_address(address: str) -> str:
    """Addresses are case-insensitive: one spelling for the store, the API and the screen."""
    return address.strip().lower()


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
    misses: int = 0
    polling_until: float | None = None
    first_poll_seq: int | None = None

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative once expired), or None when the expiry is unknown."""
        if self.expire_at is None:
            return None
        return self.expire_at.timestamp() - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None) -> bool:
        left = self.seconds_left(now)
        return self.gone_at is not None or (left is not None and left <= 0)

    @cached_property
    def born(self) -> float:
        """When the box was made (or added here), epoch seconds (parsed once: the watcher asks at every look)."""
        created = parse_time(self.created_at_raw)
        return created.timestamp() if created else self.added_at


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
    mailbox: str

    @property
    def received_at(self) -> datetime | None:
        return None if self.received_ts is None else datetime.fromtimestamp(self.received_ts, timezone.utc)


@dataclass
class PollResult:
    """What one poll changed in the store."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    seq: int = 0  # the write's number in the store-wide sequence

    @property
    def nothing(self) -> bool:
        return not self.new and not self.changed


@dataclass(frozen=True)
class Changes:
    """What the store holds that a process has not read yet (see `Store.changes_since`)."""

    rows: tuple[tuple[Summary, int, int | None], ...]  # (row, first_seq, its box's first_poll_seq), oldest first
    removed: tuple[tuple[str, str], ...]  # (mailbox, id)
    seq: int  # read up to here
    boxes_version: int  # the boxes' version when read


_CONTENT_COLUMNS = "subject, from_name, from_email, received_raw, is_html, content, attachments, server_seen"


def _content(message: Message) -> tuple:
    """What a poll compares with the stored row (`_CONTENT_COLUMNS`, as stored): a difference is a change to redraw.
    Compared field by field, only for messages whose raw JSON changed: no re-encoding to hash it."""
    return (message.subject, message.from_name, message.from_email, message.received_raw, int(message.is_html),
            message.content, _attachments(message), int(message.is_seen))


def _attachments(message: Message) -> str:
    return json.dumps([a.to_json() for a in message.attachments])


UPSERT_ROWS = 256  # messages written by one statement (see Store._upsert_rows)
_UPSERT = """INSERT INTO messages (mailbox, id, subject, from_name, from_email, received_raw, received_ts, is_html,
                                   content, attachments, server_seen, fetched_at, digest, first_seq, seq, fingerprint)
             VALUES (?)
             ON CONFLICT(mailbox, id) DO UPDATE SET subject=excluded.subject, from_name=excluded.from_name,
               from_email=excluded.from_email, received_raw=excluded.received_raw, received_ts=excluded.received_ts,
               is_html=excluded.is_html, content=excluded.content, attachments=excluded.attachments,
               server_seen=excluded.server_seen, digest=excluded.digest, seq=excluded.seq,
               fingerprint=excluded.fingerprint"""
_ROW_MARKS = "(" + ",".join("?" * 16) + ")"


def _message_row(message: Message, address: str, fetched_at: float, seq: int, fingerprint: bytes | None) -> tuple:
    received = message.received_at.timestamp() if message.received_at else None
    digest = ""  # (the digest of versions before 4: rows are now compared field by field, see _content)
    return (address, message.id, message.subject, message.from_name, message.from_email, message.received_raw,
            received, int(message.is_html), message.content, _attachments(message), int(message.is_seen),
            fetched_at, digest, seq, seq, fingerprint)


PageKey = tuple  # (received_ts, fetched_at, id): a row's place in the list's order
_OLDEST_FIRST = " ORDER BY received_ts ASC, fetched_at ASC, id DESC"


def _has(needle: str, *fields: str) -> bool:
    """The substring filter's test, as the list always made it: Python's lower-casing, any field."""
    return any(needle in (field or "").lower() for field in fields)


@dataclass(frozen=True)
class RowFilter:
    """Which rows of a box the message list shows: one SQL condition on a row of `messages`, with its parameters
    (values are always parameters, never SQL text). Two equal filters select the same rows: the list tells a
    count made for an older filter by comparing them. `Archive.row_filter` makes the search-syntax kind."""

    sql: str
    params: tuple = ()

    @classmethod
    def substring(cls, text: str) -> RowFilter | None:
        """Rows with `text` (any case) in the sender or the subject. On ASCII, SQLite's lower() is Python's, so
        instr() decides in C. Python's lower() also turns two other letters into ASCII (U+0130 into "i" and a
        dot, the Kelvin sign into "k"): rows with those are asked of Python (`tmail_has`), as is every row for a
        needle that is not ASCII."""
        needle = replace_surrogates(text.strip().lower())  # as stored text has them
        if not needle:
            return None
        if not needle.isascii():
            return cls("tmail_has(?, subject, from_name, from_email)", (needle,))
        odd = " OR ".join(f"instr({field}, '{char}')" for field in ("subject", "from_name", "from_email")
                          for char in ("\u0130", "\u212a"))
        return cls("instr(lower(subject), ?) OR instr(lower(from_name), ?) OR instr(lower(from_email), ?) "
                   f"OR (({odd}) AND tmail_has(?, subject, from_name, from_email))", (needle,) * 4)


def _where(row_filter: RowFilter | None) -> tuple[str, tuple]:
    return ("", ()) if row_filter is None else (f" AND ({row_filter.sql})", row_filter.params)


def _seek(db: sqlite3.Connection, base: str, args: tuple, key: PageKey, limit: int, forward: bool) -> list:
    """Up to `limit` rows after (or before) `key` in the list's order, each step a seek in the index: the rows of
    the same time after the key, then the older (or newer) times, then (forward) the rows without a time."""
    received, fetched, message_id = key
    order = Store._NEWEST_FIRST if forward else _OLDEST_FIRST
    later = "(fetched_at < ? OR (fetched_at = ? AND id > ?))" if forward else \
        "(fetched_at > ? OR (fetched_at = ? AND id < ?))"
    same = "received_ts IS NULL" if received is None else "received_ts = ?"
    same_args = () if received is None else (received,)
    rows = db.execute(f"{base} AND {same} AND {later}{order} LIMIT ?",
                      (*args, *same_args, fetched, fetched, message_id, limit)).fetchall()
    if forward:
        if received is not None and len(rows) < limit:
            rows += db.execute(f"{base} AND received_ts < ?{order} LIMIT ?",
                               (*args, received, limit - len(rows))).fetchall()
        if received is not None and len(rows) < limit:
            rows += db.execute(f"{base} AND received_ts IS NULL{order} LIMIT ?",
                               (*args, limit - len(rows))).fetchall()
    elif len(rows) < limit:
        newer = "received_ts IS NOT NULL" if received is None else "received_ts > ?"
        rows += db.execute(f"{base} AND {newer}{order} LIMIT ?", (*args, *same_args, limit - len(rows))).fetchall()
    return rows


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
    keys = row.keys()
    return StoredBox(
        address=row["address"], origin=row["origin"], api_id=row["api_id"], domain=row["domain"],
        expire_at=parse_time(row["expire_at"]), expire_at_raw=row["expire_at"], created_at_raw=row["created_at"],
        added_at=row["added_at"], gone_at=row["gone_at"], polled_at=row["polled_at"],
        total=(row["total"] or 0) if "total" in keys else 0, unread=(row["unread"] or 0) if "unread" in keys else 0,
        misses=row["misses"], polling_until=row["polling_until"], first_poll_seq=row["first_poll_seq"],
    )


def _private(path: Path) -> None:
    """The store holds every mail and every box's token: a folder tmail makes is 0700, the file 0600. A file others
    can read is made private; one another user owns is refused."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise StoreError(f"Cannot open the mail store {path}: {exc.strerror}.") from None
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid():
            raise StoreError(f"The mail store {path} belongs to another user. Move it away, or run: "
                             f"chown {os.getuid()} '{path}'")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class Store:
    """One SQLite file. Safe to share between threads (one lock, short transactions) and between processes (WAL,
    IMMEDIATE write transactions, a busy timeout)."""

    def __init__(self, path: Path | str, *, clock=time.time) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            _private(self.path)
        self._clock = clock
        self._lock = threading.RLock()
        self._writes = 0  # commits through this connection (a checkpoint every CHECKPOINT_EVERY)
        self._big_write = False  # a poll stored mail: checkpoint after its commit
        self._checkpointing = False
        self._checkpoint_timer: threading.Timer | None = None
        self._page_lock = threading.Lock()
        self._pages_db: sqlite3.Connection | None = None  # the list's page reads (see `page`)
        self._count_lock = threading.Lock()
        self._counts_db: sqlite3.Connection | None = None  # the list's counts, in threads (see `view_count`)
        self._prints_lock = threading.Lock()
        self._prints_db: sqlite3.Connection | None = None  # a poll's lookups of fingerprints (see `known_prints`)
        self._version_lock = threading.Lock()
        self._version_db: sqlite3.Connection | None = None  # `version`'s, on the watcher's loop
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
        self._db.row_factory = sqlite3.Row
        try:
            # 16 KB pages (a new store only: an existing one keeps its own): a 40 KB mail spans 3 pages, not 11.
            self._db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL, not FULL: in WAL mode a crash of tmail (even kill -9) still loses nothing committed; only a
            # power cut may undo the last commits, which the next poll fetches again. FULL syncs the log at every
            # commit: half a second more for a first poll of 200 MB.
            self._db.execute("PRAGMA synchronous=NORMAL")
            # No checkpoint inside a commit: after a first poll of 200 MB it would copy all of it again before the
            # rows could show. Checkpoints run in a thread after commits (see `_checkpoint_later`).
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            # A row trigger (the counts, the archive's index) makes SQLite stage a multi-row INSERT in a temporary
            # table first: in memory, not in a file, a first poll's 200 MB is not written and read back once more.
            self._db.execute("PRAGMA temp_store=MEMORY")
            with self._transaction() as db:
                _create_or_migrate(db)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"The mail store {self.path} cannot be used ({exc}). Move it away to start afresh; "
                             "tmail makes a new one.") from None

    def close(self) -> None:
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()  # (closing the last connection checkpoints anyway)
        with self._lock:
            self._db.close()
        with self._page_lock:
            if self._pages_db is not None:
                self._pages_db.close()
        self.stop_counting()
        with self._count_lock:
            if self._counts_db is not None:
                self._counts_db.close()
        with self._prints_lock:
            if self._prints_db is not None:
                self._prints_db.close()
        with self._version_lock:
            if self._version_db is not None:
                self._version_db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it; now and then the log is copied afterwards."""
        with write_transaction(self._db, self._lock) as db:
            yield db
        with self._lock:
            self._writes += 1
            if self._writes % CHECKPOINT_EVERY == 0 or self._big_write:
                self._big_write = False
                self._checkpoint_later()

    def _checkpoint_later(self) -> None:
        """Copy the write-ahead log into the store, in a thread of its own with a connection of its own (SQLite
        does the copying without the GIL); one at a time, CHECKPOINT_AFTER seconds later: after a first poll of
        200 MB, copying it all again at once would compete with drawing the rows it just stored."""
        if self._checkpointing or str(self.path) == ":memory:":
            return
        self._checkpointing = True

        def run() -> None:
            try:
                db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT)
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    db.close()
            except sqlite3.Error:
                pass  # the next one will do it
            finally:
                self._checkpointing = False

        self._checkpoint_timer = timer = threading.Timer(CHECKPOINT_AFTER, run)
        timer.name, timer.daemon = "tmail-checkpoint", True
        timer.start()

    def _next_seq(self, db: sqlite3.Connection, name: str = "seq") -> int:
        """The next number of a store-wide sequence, taken inside a write transaction (so writers are ordered)."""
        db.execute("INSERT INTO meta (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                   (name,))
        return db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()[0]

    def _meta(self, name: str, default=0):
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return default if row is None else row[0]

    def version(self) -> int | None:
        """Changes whenever anything is committed to the store, by any connection of any process (None: it cannot
        be told at once; take it as changed). What an idle watcher asks every few seconds before reading anything,
        on its own event loop: one PRAGMA on a connection of its own, which never waits for a lock (in WAL mode
        a reader does not wait for a writer; anything else answers None). No thread hop: on an idle machine a
        sleeping thread woken costs far more than the PRAGMA."""
        if str(self.path) == ":memory:":
            return self._writes  # (no other connection can write it)
        if not self._version_lock.acquire(blocking=False):
            return None
        try:
            if self._version_db is None:
                # Never written through, so its data_version counts every commit, this process's own included.
                self._version_db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                                   timeout=0)
            return self._version_db.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            self._version_lock.release()

    def last_seq(self) -> int:
        """How far the store's message writes have gone: `changes_since(last_seq())` is empty."""
        return self._meta("seq")

    def boxes_version(self) -> int:
        """Goes up whenever a box is added, renamed, deleted, or found gone or alive, by any process."""
        return self._meta("boxes")

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
                 origin=excluded.origin, gone_at=NULL, misses=0""",
            (normal_address(box.email), box.id, box.domain, box.created_at_raw, box.expire_at_raw, box.email_token,
             origin, self._clock()),
        )
        self._count_new_box(db, normal_address(box.email))
        self._next_seq(db, "boxes")

    def add_address(self, address: str) -> bool:
        """Remember a box made elsewhere (on the website): its expiry is unknown until it stops answering.
        Returns False when the box was known already."""
        address = normal_address(address)
        with self._transaction() as db:
            known = db.execute("SELECT 1 FROM mailboxes WHERE address=?", (address,)).fetchone() is not None
            db.execute("""INSERT INTO mailboxes (address, domain, origin, added_at) VALUES (?, ?, 'added', ?)
                          ON CONFLICT(address) DO UPDATE SET gone_at=NULL, misses=0""",
                       (address, address.rpartition("@")[2], self._clock()))
            self._count_new_box(db, address)
            self._next_seq(db, "boxes")
        return not known

    @staticmethod
    def _count_new_box(db: sqlite3.Connection, address: str) -> None:
        """Mail stored before its box's row (read by id, or kept after the box was forgotten) is counted once."""
        db.execute(_RECOUNT + " WHERE address = ? AND total = 0", (address,))

    def rename_box(self, old_address: str, new_box: Mailbox) -> None:
        """A rename replaces the box (new id, new address); its messages follow it to the new address."""
        old, new = normal_address(old_address), normal_address(new_box.email)
        with self._transaction() as db:
            self._upsert_box(db, new_box, "renamed")
            if old != new:
                seq = self._next_seq(db)
                db.execute("INSERT INTO removed (mailbox, id, seq, at) SELECT mailbox, id, ?, ? FROM messages "
                           "WHERE mailbox=?", (seq, self._clock(), old))
                # A message already stored under the new address (fetched there by another process) wins.
                db.execute("UPDATE OR IGNORE messages SET mailbox=?, seq=? WHERE mailbox=?", (new, seq, old))
                db.execute("DELETE FROM messages WHERE mailbox=?", (old,))
                db.execute("DELETE FROM mailboxes WHERE address=?", (old,))

    def forget_box(self, address: str) -> None:
        """The user deleted the box: it and its mail go."""
        address = normal_address(address)
        with self._transaction() as db:
            self._remember_removed(db, "mailbox=?", (address,))
            db.execute("DELETE FROM messages WHERE mailbox=?", (address,))
            db.execute("DELETE FROM mailboxes WHERE address=?", (address,))
            self._next_seq(db, "boxes")

    def mark_gone(self, address: str) -> None:
        """The server no longer knows the box (expired): keep it and its mail, stop polling it."""
        with self._transaction() as db:
            db.execute("UPDATE mailboxes SET gone_at=COALESCE(gone_at, ?), polling_until=NULL WHERE address=?",
                       (self._clock(), normal_address(address)))
            self._next_seq(db, "boxes")

    def note_miss(self, address: str) -> int:
        """A 404 that may not be the API's own word (a proxy's page): counted, not believed; returns the count."""
        with self._transaction() as db:
            db.execute("UPDATE mailboxes SET misses = misses + 1, polling_until=NULL WHERE address=?",
                       (normal_address(address),))
            row = db.execute("SELECT misses FROM mailboxes WHERE address=?", (normal_address(address),)).fetchone()
        return row[0] if row else 0

    def claim_poll(self, address: str, now: float, lease: float) -> bool:
        """Take the right to poll a box until now + lease; False when another process holds it."""
        with self._transaction() as db:
            taken = db.execute("""UPDATE mailboxes SET polling_until=? WHERE address=?
                                  AND (polling_until IS NULL OR polling_until <= ?)""",
                               (now + lease, normal_address(address), now)).rowcount
        return taken == 1

    def polls_under_way(self) -> bool:
        """Whether any process is polling a box now (holds a lease): background work waits for a big poll."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM mailboxes WHERE polling_until > ? LIMIT 1",
                                    (self._clock(),)).fetchone() is not None

    def release_poll(self, address: str) -> None:
        """A poll failed: the lease goes, so another process may try."""
        with self._transaction() as db:
            db.execute("UPDATE mailboxes SET polling_until=NULL WHERE address=?", (normal_address(address),))

    _BOX_QUERY = "SELECT * FROM mailboxes b"  # the counts are in the row (see the triggers)

    def boxes(self, counts: bool = True) -> list[StoredBox]:
        """Every box, newest first, with its counts (kept in its row: `counts` is no longer a cost)."""
        with self._lock:
            rows = self._db.execute(self._BOX_QUERY + " ORDER BY b.added_at DESC, b.address").fetchall()
        return [_row_to_box(r) for r in rows]

    def box(self, address: str) -> StoredBox | None:
        with self._lock:
            row = self._db.execute(self._BOX_QUERY + " WHERE b.address=?", (normal_address(address),)).fetchone()
        return _row_to_box(row) if row else None

    # --- quota ---------------------------------------------------------------------------------------------------

    def save_quota(self, quota: Quota) -> None:
        """The quota as the newest answer told it, for every process to pace itself by."""
        with self._transaction() as db:
            self._write_quota(db, quota)

    def _write_quota(self, db: sqlite3.Connection, quota: Quota) -> None:
        value = json.dumps([quota.limit, quota.used, quota.remaining, quota.reset_raw, self._clock()])
        db.execute("INSERT INTO meta (name, value) VALUES ('quota', ?) "
                   "ON CONFLICT(name) DO UPDATE SET value=excluded.value", (value,))

    def quota(self) -> tuple[Quota, float] | None:
        """The newest quota any process saw, and when it saw it."""
        try:
            limit, used, remaining, reset_raw, at = json.loads(self._meta("quota", "null"))
        except (TypeError, ValueError):
            return None
        return Quota(limit=limit, used=used, remaining=remaining, reset=parse_time(reset_raw),
                     reset_raw=reset_raw), at

    # --- messages ------------------------------------------------------------------------------------------------

    def record_poll(self, address: str, messages: Iterable[Message], fingerprints: dict[str, bytes] | None = None,
                    *, complete: bool = True, fetched_at: float | None = None, first_place: int = 0,
                    quota: Quota | None = None) -> PollResult:
        """Upsert what a poll decoded, in one transaction; report which ids are new and which changed.

        A big answer may be stored in parts as it streams in: each part with `complete=False` (and the poll's
        start as `fetched_at`, the place of its first message in the answer as `first_place`, so the list keeps
        the answer's order), then the rest with `complete=True`, which alone marks the box polled. Until then a
        box never polled before has no `first_poll_seq`: its mail is still its first look, not news.

        `messages` are the ones the poll could not recognise by their raw JSON's fingerprint (`known_prints`), with
        those fingerprints: the work is O(what they are), never a read of the whole box. A message whose content
        is the same as stored (only its raw JSON differs: keys reordered, a first poll after an upgrade) gets its
        new fingerprint and nothing else. A poll that changes nothing takes no write number, so no process has
        anything to read after it. Messages the server no longer lists stay: mail outlives its box. The box is alive
        again, and polled now. `quota`, when given, is saved in the same transaction (see `save_quota`): an idle
        poll is then one write, not two.
        """
        address = normal_address(address)
        messages = list(messages)
        fingerprints = fingerprints or {}
        now = self._clock()
        fetched_at = now if fetched_at is None else fetched_at
        with self._transaction() as db:
            known = self._stored_contents(db, address, [m.id for m in messages])
            result = PollResult()
            rows: list[tuple] = []
            for place, message in enumerate(messages):
                content = _content(message)
                before = known.get(message.id)
                if before == content:
                    if message.id in fingerprints:
                        db.execute("UPDATE messages SET fingerprint=? WHERE mailbox=? AND id=?",
                                   (fingerprints[message.id], address, message.id))
                    continue
                result.seq = result.seq or self._next_seq(db)
                (result.new if before is None else result.changed).append(message.id)
                known[message.id] = content  # a duplicate id in one answer counts once
                # The API lists the newest first: among mail of the same second, the one it lists first is
                # "fetched" a microsecond later, so the list's order (fetched_at breaks ties) is the answer's.
                rows.append(_message_row(message, address, fetched_at - (first_place + place) * 1e-6, result.seq,
                                         fingerprints.get(message.id)))
            self._upsert_rows(db, rows)
            if not complete:
                return result  # (the log is checkpointed once the poll is complete, not once a part)
            if rows or first_place:  # mail stored, now or in parts before: checkpoint after this commit
                self._big_write = True
            result.seq = result.seq or self._meta_in(db, "seq")
            if quota is not None:
                self._write_quota(db, quota)
            was_gone = db.execute("SELECT gone_at IS NOT NULL FROM mailboxes WHERE address=?", (address,)).fetchone()
            db.execute("""UPDATE mailboxes SET polled_at=?, polling_until=NULL, misses=0, gone_at=NULL,
                            first_poll_seq=COALESCE(first_poll_seq, ?) WHERE address=?""", (now, result.seq, address))
            if was_gone and was_gone[0]:  # a box thought gone answered: every process shows it alive again
                self._next_seq(db, "boxes")
        return result

    @staticmethod
    def _meta_in(db: sqlite3.Connection, name: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else 0

    @staticmethod
    def _stored_contents(db: sqlite3.Connection, address: str, ids: list[str]) -> dict[str, tuple]:
        """What the given ids of a box hold now (see `_content`), for those stored, by the batch of ids."""
        known: dict[str, tuple] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the parameters of one statement
            chunk = ids[start:start + 500]
            known.update((row[0], tuple(row[1:])) for row in db.execute(
                f"SELECT id, {_CONTENT_COLUMNS} FROM messages WHERE mailbox=? "
                f"AND id IN ({','.join('?' * len(chunk))})", (address, *chunk)))
        return known

    def known_prints(self, address: str, prints: list[bytes]) -> dict[bytes, str]:
        """Which of these raw-JSON fingerprints a box's stored messages have, and the id of each: what a poll need
        not decode. Read by the batch through an index, as the answer streams in."""
        address = normal_address(address)
        found: dict[bytes, str] = {}
        with self._prints_lock:
            if self._prints_db is None:
                # Its own connection: the poll's own earlier parts may be being written as it reads (Watcher.poll).
                self._prints_db = self._reader()
            for start in range(0, len(prints), 500):
                chunk = prints[start:start + 500]
                found.update(self._prints_db.execute(
                    "SELECT fingerprint, id FROM messages INDEXED BY messages_by_print WHERE fingerprint IS NOT NULL "
                    f"AND fingerprint IN ({','.join('?' * len(chunk))}) AND mailbox=?", (*chunk, address)).fetchall())
        return found

    def save_message(self, message: Message) -> None:
        """Store one message read on its own (endpoint 6)."""
        with self._transaction() as db:
            self._upsert_message(db, message, normal_address(message.mailbox), self._clock(), self._next_seq(db))

    def _upsert_message(self, db: sqlite3.Connection, message: Message, address: str, now: float, seq: int,
                        fingerprint: bytes | None = None) -> None:
        self._upsert_rows(db, [_message_row(message, address, now, seq, fingerprint)])

    @staticmethod
    def _upsert_rows(db: sqlite3.Connection, rows: list[tuple]) -> None:
        """Rows of `_message_row`, UPSERT_ROWS to a statement: a poll's store write runs in a thread beside the
        download and decoding, and each statement is one wait for the GIL; one per message made it crawl."""
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start:start + UPSERT_ROWS]
            db.execute(_UPSERT.replace("VALUES (?)", "VALUES " + ",".join([_ROW_MARKS] * len(chunk))),
                       [value for row in chunk for value in row])

    def messages(self, address: str) -> list[StoredMessage]:
        """A box's messages, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM messages WHERE mailbox=? ORDER BY received_ts DESC, fetched_at DESC, id",
                (normal_address(address),)).fetchall()
        return [_row_to_message(r) for r in rows]

    # Columns in Summary's order, so rows become Summaries without a Python-level step per field.
    _SUMMARY_COLUMNS = ("id, subject, from_name, from_email, received_ts, received_raw, "
                        "seen = 0 AND server_seen = 0, coalesce(json_array_length(attachments), 0), mailbox")
    _SUMMARY_QUERY = f"SELECT {_SUMMARY_COLUMNS} FROM messages WHERE mailbox=?"
    _NEWEST_FIRST = " ORDER BY received_ts DESC, fetched_at DESC, id"

    def summaries(self, address: str, ids: Iterable[str] | None = None, limit: int | None = None) -> list[Summary]:
        """List rows for a box (or only the given ids, or only the newest `limit`), newest first."""
        address = normal_address(address)
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

    # --- the message list's pages ------------------------------------------------------------------------------
    # The list of a box is never loaded whole (a million rows would take seconds and hundreds of MB): the screen
    # asks for the page it draws, on the UI thread, so these reads must take a millisecond or so. They run on a
    # connection of their own: a poll writing hundreds of MB holds the main one for seconds, and in WAL mode a
    # reader never waits for a writer.

    def _reader(self) -> sqlite3.Connection:
        """A connection of its own for reads that must not wait for the main one (in WAL mode a reader never waits
        for a writer), with the substring filter's function."""
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
        db.create_function("tmail_has", 4, _has, deterministic=True)
        return db

    def _pages(self) -> sqlite3.Connection:
        if self._pages_db is None:
            self._pages_db = self._reader()
        return self._pages_db

    def page(self, address: str, start: int, limit: int, total: int, row_filter: RowFilter | None = None,
             after: PageKey | None = None, before: PageKey | None = None) -> tuple[list[Summary], list[PageKey]]:
        """Rows `start` to `start + limit` of a box's list (newest first; only rows `row_filter` keeps), with each
        row's place in the order (its key).

        Next to a page already read, give its last key (`after`) or first (`before`): the read seeks from there
        through the index whatever the position. Otherwise it counts from the nearer end (`total` rows in all), so
        the first and last pages are as quick as any; a jump to the middle of a million costs ~0.1 s once. The first
        page is always read from the newest end, and a read from the oldest end needs `total` exact: the last page
        of 1,001 rows is one row, not the last hundred.
        """
        where, args = _where(row_filter)
        base = f"SELECT {self._SUMMARY_COLUMNS}, fetched_at FROM messages WHERE mailbox=?{where}"
        args = (normal_address(address), *args)
        with self._page_lock:
            db = self._pages()
            if after is not None:
                rows = _seek(db, base, args, after, limit, forward=True)
            elif before is not None:
                rows = _seek(db, base, args, before, limit, forward=False)[::-1]
            elif start == 0 or start + limit / 2 <= total / 2:
                rows = db.execute(base + self._NEWEST_FIRST + " LIMIT ? OFFSET ?", (*args, limit, start)).fetchall()
            elif start >= total:
                rows = []  # (past the end: the list's count is older than the box)
            else:
                skip = max(total - start - limit, 0)
                rows = db.execute(base + _OLDEST_FIRST + " LIMIT ? OFFSET ?",
                                  (*args, min(limit, total - start), skip)).fetchall()[::-1]
        return [Summary._make(r[:9]) for r in rows], [(r[4], r[9], r[0]) for r in rows]

    def key_of(self, address: str, message_id: str, row_filter: RowFilter | None = None) -> PageKey | None:
        """A message's place in a box's list order (None: not stored, or not kept by `row_filter`)."""
        where, args = _where(row_filter)
        with self._page_lock:
            row = self._pages().execute(f"SELECT received_ts, fetched_at, id FROM messages WHERE mailbox=? AND id=?"
                                        f"{where}", (normal_address(address), message_id, *args)).fetchone()
        return None if row is None else tuple(row)

    def _counting(self) -> sqlite3.Connection:
        """A third connection, for counts that may scan a big box (up to a second for a filter over a million): run
        in threads, they must never hold up the page reads the screen waits for."""
        if self._counts_db is None:
            self._counts_db = self._reader()
        return self._counts_db

    def stop_counting(self) -> None:
        """Stop the count under way (the filter changed again): it raises sqlite3.OperationalError."""
        if self._counts_db is not None:
            self._counts_db.interrupt()

    def view_count(self, address: str, row_filter: RowFilter | None = None) -> int:
        """How many rows a box's list has (that `row_filter` keeps)."""
        if row_filter is None:
            return self.count(address)
        where, args = _where(row_filter)
        with self._count_lock:
            return self._counting().execute(f"SELECT COUNT(*) FROM messages WHERE mailbox=?{where}",
                                            (normal_address(address), *args)).fetchone()[0]

    def position(self, address: str, key: PageKey, row_filter: RowFilter | None = None) -> int:
        """Where the row with this key is in a box's list (the rows before it, counted through the index)."""
        received, fetched, message_id = key
        where, args = _where(row_filter)
        address = normal_address(address)
        with self._count_lock:
            db = self._counting()
            count = 0
            if received is not None:
                count += db.execute(f"SELECT COUNT(*) FROM messages WHERE mailbox=? AND received_ts > ?{where}",
                                    (address, received, *args)).fetchone()[0]
                same = "received_ts = ?"
                same_args: tuple = (received,)
            else:
                count += db.execute(f"SELECT COUNT(*) FROM messages WHERE mailbox=? AND received_ts IS NOT NULL"
                                    f"{where}", (address, *args)).fetchone()[0]
                same, same_args = "received_ts IS NULL", ()
            count += db.execute(f"SELECT COUNT(*) FROM messages WHERE mailbox=? AND {same} AND (fetched_at > ? "
                                f"OR (fetched_at = ? AND id < ?)){where}",
                                (address, *same_args, fetched, fetched, message_id, *args)).fetchone()[0]
        return count

    def changes_since(self, seq: int, addresses: Iterable[str] | None = None) -> Changes:
        """Every message stored or changed after write number `seq` (of the given boxes, or all), and every one
        removed: what a process that has read up to `seq` has not seen, whoever fetched it."""
        wanted = None if addresses is None else {normal_address(a) for a in addresses}
        with self._lock:
            self._db.execute("BEGIN")  # one snapshot: the rows, the removals and the number agree
            try:
                last = self._db.execute("SELECT value FROM meta WHERE name='seq'").fetchone()
                last = last[0] if last else 0
                if last <= seq:
                    rows, removed = [], []
                else:
                    rows = self._db.execute(
                        f"SELECT {self._SUMMARY_COLUMNS}, m.first_seq, b.first_poll_seq FROM messages m "
                        "LEFT JOIN mailboxes b ON b.address = m.mailbox WHERE m.seq > ? ORDER BY m.seq, m.rowid",
                        (seq,)).fetchall()
                    removed = self._db.execute("SELECT mailbox, id FROM removed WHERE seq > ? ORDER BY seq",
                                               (seq,)).fetchall()
                boxes = self._db.execute("SELECT value FROM meta WHERE name='boxes'").fetchone()
            finally:
                self._db.execute("COMMIT")
        found = tuple((Summary._make(tuple(r)[:9]), r[9], r[10]) for r in rows if wanted is None or r[8] in wanted)
        gone = tuple((r[0], r[1]) for r in removed if wanted is None or r[0] in wanted)
        return Changes(found, gone, max(last, seq), boxes[0] if boxes else 0)

    def count(self, address: str) -> int:
        """A box's messages (kept in its row; counted for mail whose box is not stored)."""
        with self._lock:
            row = self._db.execute("SELECT total FROM mailboxes WHERE address=?", (normal_address(address),)).fetchone()
            if row is not None:
                return row[0]
            return self._db.execute("SELECT COUNT(*) FROM messages WHERE mailbox=?",
                                    (normal_address(address),)).fetchone()[0]

    def message(self, message_id: str, mailbox: str | None = None) -> StoredMessage | None:
        """One message; by id alone (the command line's `tmail read ID`), the one fetched last."""
        with self._lock:
            if mailbox is None:
                row = self._db.execute("SELECT * FROM messages WHERE id=? ORDER BY fetched_at DESC LIMIT 1",
                                       (message_id,)).fetchone()
            else:
                row = self._db.execute("SELECT * FROM messages WHERE mailbox=? AND id=?",
                                       (normal_address(mailbox), message_id)).fetchone()
        return _row_to_message(row) if row else None

    def mark_seen(self, message_id: str, mailbox: str | None = None) -> None:
        where, args = self._message_key(message_id, mailbox)
        with self._transaction() as db:
            db.execute(f"UPDATE messages SET seen=1, seq=? WHERE {where} AND seen=0", (self._next_seq(db), *args))

    def delete_message(self, message_id: str, mailbox: str | None = None) -> None:
        where, args = self._message_key(message_id, mailbox)
        with self._transaction() as db:
            self._remember_removed(db, where, args)
            db.execute(f"DELETE FROM messages WHERE {where}", args)

    def delete_messages(self, keys: Iterable[tuple[str, str]]) -> int:
        """Delete these (mailbox, id) messages, 400 a transaction (each short, so a poll never waits long), with
        their tombstones: every process sees them go. Returns how many were asked for."""
        keys = [(normal_address(box), message_id) for box, message_id in keys]
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            where = f"(mailbox, id) IN (VALUES {','.join(['(?, ?)'] * len(chunk))})"
            args = tuple(value for key in chunk for value in key)
            with self._transaction() as db:
                self._remember_removed(db, where, args)
                db.execute(f"DELETE FROM messages WHERE {where}", args)
        return len(keys)

    @staticmethod
    def _message_key(message_id: str, mailbox: str | None) -> tuple[str, tuple[str, ...]]:
        if mailbox is None:
            return "id=?", (message_id,)
        return "mailbox=? AND id=?", (normal_address(mailbox), message_id)

    def _remember_removed(self, db: sqlite3.Connection, where: str, args: tuple) -> None:
        """Deletions are changes too: other processes drop the rows they show."""
        now = self._clock()
        seq = self._next_seq(db)
        db.execute(f"INSERT INTO removed (mailbox, id, seq, at) SELECT mailbox, id, ?, ? FROM messages WHERE {where}",
                   (seq, now, *args))
        db.execute("DELETE FROM removed WHERE at < ?", (now - REMOVED_KEPT,))


def _create_or_migrate(db: sqlite3.Connection) -> None:
    """Create the tables, or bring a store from an earlier version up to this one, keeping every message."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if version > SCHEMA_VERSION:
        raise StoreError(f"The mail store was written by a newer tmail (version {version}); update tmail.")
    old_messages = "messages" in tables and version < 3
    if old_messages:
        db.execute("ALTER TABLE messages RENAME TO messages_v2")
        for (index,) in db.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='messages_v2' "
                                   "AND sql IS NOT NULL").fetchall():
            db.execute(f'DROP INDEX "{index}"')
    if "mailboxes" in tables and version < 3:
        columns = {row[1] for row in db.execute("PRAGMA table_info(mailboxes)")}
        for name, kind in (("misses", "INTEGER NOT NULL DEFAULT 0"), ("polling_until", "REAL"),
                           ("first_poll_seq", "INTEGER")):
            if name not in columns:
                db.execute(f"ALTER TABLE mailboxes ADD COLUMN {name} {kind}")
        db.execute("UPDATE OR IGNORE mailboxes SET address=lower(address)")
        db.execute("UPDATE mailboxes SET first_poll_seq=0 WHERE polled_at IS NOT NULL")
    if "messages" in tables and version == 3:  # 4 adds the raw JSON's fingerprint: the next poll fills it in
        db.execute("ALTER TABLE messages ADD COLUMN fingerprint BLOB")
    recount = "mailboxes" in tables and version < 4  # 4 keeps each box's counts in its row
    if recount:
        for name in ("total", "unread"):
            db.execute(f"ALTER TABLE mailboxes ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")
    for statement in re.split(r";\n(?!\s|END)", _SCHEMA):  # (a trigger holds statements: not split there)
        if statement.strip():
            db.execute(statement)
    if old_messages:
        db.execute(f"INSERT OR IGNORE INTO messages ({_MESSAGE_COLUMNS}, first_seq, seq) "
                   f"SELECT lower(mailbox), {_MESSAGE_COLUMNS.split(', ', 1)[1]}, 0, 0 FROM messages_v2")
        db.execute("DROP TABLE messages_v2")
    if recount:
        db.execute(_RECOUNT)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
