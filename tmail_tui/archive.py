"""The archive as a mail store: a full-text index of every message ever fetched, labels for boxes, and retention.

    archive = Archive(store)            # installs what it needs in the store's database, once (idempotent)
    archive.index_pending()             # bodies not indexed yet (the reader runs `start_indexer`, a process)
    archive.search("from:github has:code after:2d")   -> SearchResult (hits ranked, each with its box and label)
    archive.set_label(address, "github sign-up"); archive.labels()
    apply_retention(store, config)      # max_age_days / max_messages from the config; 0 when neither is set

Where the index lives, and why: in the store's own SQLite file, so every process that writes mail (the reader,
`tmail watch`, `tmail inbox`, a script's `tmail code`) keeps it in step without knowing about it. An FTS5 table
(`archive_fts`: subject, sender, box address, attachment names, body) is fed by triggers on `messages`, installed
with `CREATE ... IF NOT EXISTS` by whichever process opens an Archive first (the reader and the commands that
search, label, prune or export do); from then on they fire in every process's write transactions.

What "in step" means:
- subject, sender (name and address), box and attachment names are indexed by the triggers, in the same
  transaction as the store's write: a message is findable by them the moment it is stored, in every process, and
  a deleted or pruned one is gone from the index in the transaction that deletes it.
- the body needs Python: it is indexed "as converted for the reader" (render_body, with its list of links), which
  costs milliseconds a mail (16 ms for a realistic 40 KB HTML mail), far too much for a poll's transaction (a
  first poll of 5,000 mails would hold the store for over a minute). So a message is stored with its body pending,
  and an indexer converts what is pending: the reader runs one for as long as it is open (`start_indexer`: a
  process of its own, so the conversion never competes with the keys for the GIL; `run_indexer` in a thread does
  the same), which
  makes a new message searchable by its body a few seconds after it arrives; `tmail search` and the reader's
  search screen index what is still pending before they answer. The same pass records whether the body holds a
  verification code (`has:code`, found as `y` finds it). A message changed by a later poll is pending again (its
  old body stays findable meanwhile). Only the first INDEX_LIMIT characters of a body are converted for the index.
- when the triggers are installed into a store that already has mail (or come back after another version of tmail
  dropped them), every message not in the index is added as pending, and index rows whose message is gone go.
- an index written before runs of Chinese, Japanese, Thai... were spaced out (below; versions 1 and 2) keeps its
  tables and text: only the messages whose indexed text holds such a script are pending again (the rest would
  index the same), found by one pass over the index's copy, read before the upgrade's write transaction (0.8 s on
  the benchmark's 100,000 messages, a quarter of them with Chinese; a GLOB in SQL took 15 s, holding every other
  process's writes). Those bodies are converted again by the indexer, as any pending one.

Design decisions:
- The index's rows are keyed by our own `archive_docs.docid`, not by `messages.rowid`: a VACUUM may renumber the
  rowids of a table without an INTEGER PRIMARY KEY, and (mailbox, id) is the store's real key. `archive_docs` also
  keeps the few fields that filters read (received time, unread, attachment count, has_code), so a query never
  reads a `messages` row, where those columns sit after the body, for more than the hits it shows.
- The FTS table keeps its own copy of the text (SQLite 3.40 has no contentless delete), which costs roughly the
  size of the converted bodies again, and gives snippets for free.
- Scripts written without spaces (Chinese, Japanese, Thai...: search.py's docstring): the body indexer writes every
  column with a zero-width space (SEPARATOR) around each of their characters, so each is a token and a word is found
  inside a run. A zero-width space is what unicode61 takes for a separator and what nobody sees: snippets are
  taken from the copy with the separators removed (the highlighter then finds the words in the text as the reader
  shows it), and a separator the sanitiser would have dropped anyway cannot hide anything. It costs the index
  a token per such character, and the copy 3 bytes per such character. bm25 scores a phrase as one term, so a word
  of three characters weighs as a word; such text does count a token a character towards a column's length. What
  the triggers write (subject, sender, box and attachment names until the indexer comes) stays unspaced: they
  have only SQL, no Python.
- Ranking: bm25 with the subject weighing most, then sender, attachments, box and body. Scores in the same tenth
  of the best score count as equal, and equals go newest first: bm25's scale moves with the archive (a word in
  most messages scores near zero), so "equal" is judged against the best match, not by a fixed step. A query that
  matches more than CANDIDATES messages is ranked among its CANDIDATES most recently stored matches (filters
  applied first): that bounds the work of a word found in every mail (< 40 ms on 100,000 messages: see
  `benchmarks/archive_search.py`).
- Labels live in `archive_labels` (address -> text), outside the index: `label:` is decided in Python against
  that small table. Setting one moves the store's box version (`meta.boxes`) so every open reader redraws its
  sidebar. A label follows its box when a rename moves the box's mail; it stays when the box is deleted (it is a
  note, and the box may be added again).
- Retention only ever removes mail of boxes that are gone (expired, deleted or unknown): a live box's mail would be
  fetched again at the next poll and arrive as new. It removes through the store's own deletion (with its
  tombstones, 400 messages a transaction), so every process sees the removal.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .codes import find_codes
from .config import environment_without_key
from .render import render_body, text_with_links
from .sanitize import clean_text, one_line
from .search import MIN_PREFIX, OPERATORS, UNSPACED, Compiled, Query, compile_query, parse, space_out
from .store import BUSY_TIMEOUT, RowFilter, Store, StoreError, Summary, normal_address, write_transaction

ARCHIVE_VERSION = 3
SAME_SHAPE = (1, 2)  # versions whose tables are these: reconciled, not rebuilt (1 left older mail out of archive_fts)
UNSPACED_BEFORE = 3  # versions before it indexed runs of Chinese, Japanese, Thai... whole (see `_install`)
SEPARATOR = "\u200b"  # around each character of a script written without spaces, in the index (module docstring)
INDEX_LIMIT = 200_000  # characters of a body converted for the index (a 1 MB newsletter's words are mostly here)
CANDIDATES = 5_000  # matches ranked at most, the most recently stored first
BATCH = 16  # bodies converted per write transaction
RANK_BANDS = 10  # scores in the same tenth of the best one count as equal (then the newest goes first)
WEIGHTS = (10.0, 5.0, 2.0, 3.0, 1.0)  # subject, sender, mailbox, attachments, body
SNIPPET_WIDTH = 100  # characters of a hit's body shown around its match
SNIPPET_SCAN = 20_000  # characters of a body searched for the match to show
_SUMMARY_FIELDS = ("id", "subject", "from_name", "from_email", "received_ts", "received_raw", "unread", "attachments",
                   "mailbox")
_WORDS = re.compile(r"[^\W_]+")  # words as FTS5's unicode61 tokenizer cuts them

_COLUMNS = ("subject", "sender", "mailbox", "attachments", "body")
_TYPING_OPERATOR = re.compile(rf"(?:^|\s)-?(?:{'|'.join(OPERATORS)}):\s*$", re.IGNORECASE)


def _names(row: str) -> str:
    """The attachment names of a `messages` row as one string, in SQL; never fails on a malformed list (a failing
    trigger would fail the store's write)."""
    return (f"coalesce((SELECT group_concat(json_extract(value, '$.name'), ' ') FROM json_each("
            f"CASE WHEN json_valid({row}.attachments) THEN {row}.attachments ELSE '[]' END) "
            f"WHERE type = 'object'), '')")


def _count(row: str) -> str:
    return (f"(SELECT count(*) FROM json_each(CASE WHEN json_valid({row}.attachments) THEN {row}.attachments "
            f"ELSE '[]' END) WHERE type = 'object')")


def _sender(row: str) -> str:
    return f"({row}.from_name || ' ' || {row}.from_email)"


def _doc_of(row: str) -> str:
    return f"(SELECT docid FROM archive_docs WHERE mailbox = {row}.mailbox AND id = {row}.id)"


_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in (
    "subject", "from_name", "from_email", "mailbox", "attachments", "content", "is_html"))

_TABLES = f"""
CREATE TABLE IF NOT EXISTS archive_meta (name TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS archive_labels (address TEXT PRIMARY KEY, label TEXT NOT NULL, set_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS archive_docs (
    docid       INTEGER PRIMARY KEY,
    mailbox     TEXT NOT NULL,
    id          TEXT NOT NULL,
    received_ts REAL,                        -- received, else fetched
    unread      INTEGER NOT NULL DEFAULT 0,
    attachments INTEGER NOT NULL DEFAULT 0,
    has_code    INTEGER NOT NULL DEFAULT 0,  -- set by the body indexer
    version     INTEGER NOT NULL DEFAULT 1,  -- goes up when an indexed field changes
    indexed     INTEGER NOT NULL DEFAULT 0,  -- the version whose body is in the index
    UNIQUE (mailbox, id)
);
CREATE INDEX IF NOT EXISTS archive_docs_newest ON archive_docs (received_ts DESC, docid DESC);
CREATE INDEX IF NOT EXISTS archive_docs_pending ON archive_docs (docid) WHERE indexed < version;
CREATE VIRTUAL TABLE IF NOT EXISTS archive_fts USING fts5({', '.join(_COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS archive_message_added AFTER INSERT ON messages BEGIN
    INSERT INTO archive_docs (mailbox, id, received_ts, unread, attachments)
    VALUES (new.mailbox, new.id, coalesce(new.received_ts, new.fetched_at), new.seen = 0 AND new.server_seen = 0,
            {_count('new')})
    ON CONFLICT (mailbox, id) DO UPDATE SET received_ts = excluded.received_ts, unread = excluded.unread,
        attachments = excluded.attachments, version = version + 1;
    DELETE FROM archive_fts WHERE rowid = {_doc_of('new')};
    INSERT INTO archive_fts (rowid, {', '.join(_COLUMNS)})
    SELECT docid, new.subject, {_sender('new')}, new.mailbox, {_names('new')}, ''
    FROM archive_docs WHERE mailbox = new.mailbox AND id = new.id;
END;
CREATE TRIGGER IF NOT EXISTS archive_message_changed AFTER UPDATE ON messages BEGIN
    UPDATE archive_docs SET mailbox = new.mailbox, id = new.id,
        received_ts = coalesce(new.received_ts, new.fetched_at), unread = new.seen = 0 AND new.server_seen = 0,
        attachments = {_count('new')}, version = version + ({_CHANGED})
    WHERE mailbox = old.mailbox AND id = old.id;
    UPDATE archive_fts SET subject = new.subject, sender = {_sender('new')}, mailbox = new.mailbox,
        attachments = {_names('new')}
    WHERE rowid = {_doc_of('new')} AND ({_CHANGED});
    UPDATE archive_labels SET address = new.mailbox
    WHERE address = old.mailbox AND old.mailbox <> new.mailbox
      AND NOT EXISTS (SELECT 1 FROM archive_labels WHERE address = new.mailbox);
END;
CREATE TRIGGER IF NOT EXISTS archive_message_removed AFTER DELETE ON messages BEGIN
    DELETE FROM archive_fts WHERE rowid = {_doc_of('old')};
    DELETE FROM archive_docs WHERE mailbox = old.mailbox AND id = old.id;
END
"""
_TRIGGERS = ("archive_message_added", "archive_message_changed", "archive_message_removed")

# Messages not in the index yet (a store with mail before the archive came), and index rows without a message.
_RECONCILE = (
    """INSERT INTO archive_docs (mailbox, id, received_ts, unread, attachments)
       SELECT m.mailbox, m.id, coalesce(m.received_ts, m.fetched_at), m.seen = 0 AND m.server_seen = 0, """
    + _count("m") + """
       FROM messages m WHERE NOT EXISTS (SELECT 1 FROM archive_docs d WHERE d.mailbox = m.mailbox AND d.id = m.id)""",
    """DELETE FROM archive_fts WHERE rowid IN (SELECT docid FROM archive_docs d WHERE NOT EXISTS
       (SELECT 1 FROM messages m WHERE m.mailbox = d.mailbox AND m.id = d.id))""",
    """DELETE FROM archive_docs WHERE NOT EXISTS
       (SELECT 1 FROM messages m WHERE m.mailbox = archive_docs.mailbox AND m.id = archive_docs.id)""",
    "DELETE FROM archive_fts WHERE rowid NOT IN (SELECT docid FROM archive_docs)",
    # their subject, sender, box and attachment names at once, as the triggers give them (the bodies follow)
    f"""INSERT INTO archive_fts (rowid, {', '.join(_COLUMNS)})
       SELECT d.docid, m.subject, {_sender('m')}, m.mailbox, {_names('m')}, ''
       FROM archive_docs d JOIN messages m ON m.mailbox = d.mailbox AND m.id = d.id
       WHERE d.docid NOT IN (SELECT rowid FROM archive_fts)""",
)

_PENDING = f"""SELECT d.docid, d.version, m.subject, {_sender('m')}, m.mailbox, {_names('m')}, m.content, m.is_html
               FROM archive_docs d JOIN messages m ON m.mailbox = d.mailbox AND m.id = d.id
               WHERE d.indexed < d.version ORDER BY d.docid DESC LIMIT ?"""


@dataclass(frozen=True)
class Hit:
    row: Summary  # the list's row: id, subject, sender, received, unread, attachments, mailbox
    label: str = ""  # the box's label, sanitised
    score: float | None = None  # bm25 (lower is better); None for a query without words
    snippet: tuple[tuple[str, bool], ...] = ()  # one line of the body: (text, matched) pieces, sanitised

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)


@dataclass(frozen=True)
class SearchResult:
    query: Query
    hits: tuple[Hit, ...]
    more: bool = False  # the limit cut the list
    pending: int = 0  # bodies not indexed yet when the query ran


def ranking_sql(compiled: Compiled, mailbox: str | None, limit: int, candidates: int) -> tuple[str, list[object]]:
    """The query that ranks the matching documents: (docid, bm25 score or None), best first."""
    where, params = list(compiled.where), list(compiled.params)
    if mailbox is not None:
        where.append("d.mailbox = ?")
        params.append(normal_address(mailbox))
    if compiled.match is not None:
        conditions = "".join(f" AND {w}" for w in where)
        # The newest `candidates` matches (the index walks its rowids backwards and stops), then their ranking.
        sql = (f"WITH found AS MATERIALIZED (SELECT f.rowid AS docid, bm25(archive_fts, {', '.join(map(str, WEIGHTS))})"
               " AS score, d.received_ts AS received FROM archive_fts f JOIN archive_docs d ON d.docid = f.rowid"
               f" WHERE archive_fts MATCH ?{conditions} ORDER BY f.rowid DESC LIMIT ?)"
               f" SELECT docid, score FROM found ORDER BY round(score * {RANK_BANDS}.0 / nullif((SELECT min(score)"
               " FROM found), 0)) DESC, received DESC, docid DESC LIMIT ?")
        return sql, [compiled.match, *params, candidates, limit]
    if compiled.exclude is not None:
        where.append("d.docid NOT IN (SELECT rowid FROM archive_fts WHERE archive_fts MATCH ?)")
        params.append(compiled.exclude)
    conditions = " WHERE " + " AND ".join(where) if where else ""
    sql = f"SELECT d.docid, NULL FROM archive_docs d{conditions} ORDER BY d.received_ts DESC, d.docid DESC LIMIT ?"
    return sql, [*params, limit]


def body_for_index(subject: str, content: str, is_html: bool) -> tuple[str, bool]:
    """A body as the reader shows it (text, then its links), and whether it holds a verification code. A body the
    converter chokes on is indexed empty rather than retried forever."""
    try:
        body = render_body(content[:INDEX_LIMIT], bool(is_html))
        return text_with_links(body), bool(find_codes(subject, body.text))
    except Exception:  # noqa: BLE001 - one hostile mail must not stop the indexer
        return "", False


def index_text(text: str) -> str:
    """Text as the index holds it: runs of scripts written without spaces spaced out (module docstring)."""
    return space_out(text, SEPARATOR)


def _highlighter(query: Query) -> re.Pattern[str] | None:
    """A pattern for the query's words and phrases in a body (case-insensitive; a phrase's words apart by
    anything that is not a word). A character of a script written without spaces is a word of its own, found
    inside a run: no word boundary around it, and nothing needed between it and the next word."""
    patterns = []
    for value in query.text_terms():
        words = _WORDS.findall(space_out(value))
        if words:
            prefix = any(t.prefix and t.value == value for t in query.terms)
            pattern = "" if UNSPACED.match(words[0][0]) else r"(?<![^\W_])"
            for before, word in zip([None, *words], words):
                if before is not None:
                    pattern += r"[\W_]*" if UNSPACED.match(before[-1]) or UNSPACED.match(word[0]) else r"[\W_]+"
                pattern += re.escape(word)
            patterns.append(pattern + ("" if prefix or UNSPACED.match(words[-1][-1]) else r"(?![^\W_])"))
    return re.compile("|".join(patterns), re.IGNORECASE) if patterns else None


def _snippet(body: str, words: re.Pattern[str] | None) -> tuple[tuple[str, bool], ...]:
    """About SNIPPET_WIDTH characters of one line of the body, with the first match marked; one line, sanitised
    (the indexed body already is: this keeps it so)."""
    found = words.search(body) if words is not None else None
    if found is None:
        text = " ".join(body[:SNIPPET_WIDTH * 2].split())
        return ((one_line(text, SNIPPET_WIDTH), False),) if text else ()
    line_start = body.rfind("\n", 0, found.start()) + 1
    line_end = body.find("\n", found.end())
    line_end = len(body) if line_end < 0 else line_end
    room = max(SNIPPET_WIDTH - (found.end() - found.start()), 0)
    start = max(line_start, found.start() - room // 3)
    end = min(line_end, found.end() + room - (found.start() - start))
    pieces = [("…" if start > line_start else "") + body[start:found.start()], body[found.start():found.end()],
              body[found.end():end] + ("…" if end < line_end else "")]
    return tuple((clean_text(piece, multiline=False), n == 1)
                 for n, piece in enumerate(pieces) if piece)


class Archive:
    """The index, labels and retention over one Store. Its own SQLite connection (so the indexer and searches never
    wait on the store's lock), safe to share between threads."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._index_lock = threading.Lock()  # one indexer at a time in this process
        if str(store.path) == ":memory:":  # no file to open twice: share the store's connection
            self._db, self._lock, self._own = store._db, store._lock, False
        else:
            self._db = sqlite3.connect(str(store.path), check_same_thread=False, isolation_level=None,
                                       timeout=BUSY_TIMEOUT)
            self._lock, self._own = threading.RLock(), True
        try:
            self._install()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"The search index in {store.path} cannot be set up ({exc}).") from None

    def close(self) -> None:
        if self._own:
            with self._lock:
                self._db.close()

    def _write(self):
        return write_transaction(self._db, self._lock)

    def _read(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None  # plain tuples, also on the store's own connection
            return cursor.execute(sql, tuple(params)).fetchall()

    # --- installing ----------------------------------------------------------------------------------------------

    def _installed(self) -> bool:
        rows = self._read("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name IN "
                          f"({','.join('?' * len(_TRIGGERS))})", _TRIGGERS)
        if sorted(rows) != sorted((name, "messages") for name in _TRIGGERS):
            return False
        try:
            row = self._read("SELECT value FROM archive_meta WHERE name = 'version'")
        except sqlite3.OperationalError:
            return False
        return bool(row) and row[0][0] == ARCHIVE_VERSION

    def _install(self) -> None:
        """Tables, index and triggers, once: a read when they are there (every command opens an Archive), one write
        transaction when they are not."""
        with self._lock:
            if self._installed():
                return
            unspaced = self._unspaced()
            with self._write() as db:
                if self._installed():  # another process did it while this one waited for the lock
                    return
                version = None
                if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'archive_meta'").fetchone():
                    row = db.execute("SELECT value FROM archive_meta WHERE name = 'version'").fetchone()
                    version = row[0] if row else None
                if version not in (None, ARCHIVE_VERSION, *SAME_SHAPE):  # another shape: rebuilt (labels stay)
                    for name in _TRIGGERS:
                        db.execute(f"DROP TRIGGER IF EXISTS {name}")
                    db.execute("DROP TABLE IF EXISTS archive_fts")
                    db.execute("DROP TABLE IF EXISTS archive_docs")
                for statement in _statements(_TABLES):
                    db.execute(statement)
                for statement in _RECONCILE:
                    db.execute(statement)
                if version in SAME_SHAPE and version < UNSPACED_BEFORE:  # indexed again, spaced out
                    for start in range(0, len(unspaced), 500):
                        chunk = unspaced[start:start + 500]
                        db.execute(f"UPDATE archive_docs SET version = version + 1 WHERE docid IN "
                                   f"({','.join('?' * len(chunk))})", chunk)
                db.execute("INSERT INTO archive_meta (name, value) VALUES ('version', ?) "
                           "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (ARCHIVE_VERSION,))

    def _unspaced(self) -> list[int]:
        """In an index of a version that indexed runs of Chinese, Japanese, Thai... whole, the documents whose text
        holds such a script (see the module's docstring)."""
        try:
            row = self._read("SELECT value FROM archive_meta WHERE name = 'version'")
        except sqlite3.OperationalError:
            return []  # no index yet
        if not row or row[0][0] not in SAME_SHAPE or row[0][0] >= UNSPACED_BEFORE:
            return []
        cursor = self._db.cursor()
        cursor.row_factory = None
        rows = cursor.execute("SELECT rowid, subject, sender, mailbox, attachments, body FROM archive_fts")
        return [docid for docid, *texts in rows  # a row at a time: the copy may be gigabytes
                if any(isinstance(t, str) and not t.isascii() and UNSPACED.search(t) for t in texts)]

    # --- indexing bodies -----------------------------------------------------------------------------------------

    def pending(self) -> int:
        """Messages whose body is not in the index yet."""
        return self._read("SELECT count(*) FROM archive_docs WHERE indexed < version")[0][0]

    def index_pending(self, limit: int | None = None, *, stop: Callable[[], bool] | None = None,
                      progress: Callable[[int], None] | None = None, rest: float = 0.0) -> int:
        """Convert and index pending bodies, newest first; returns how many. `stop` is asked between batches;
        `rest` is the time to sleep after a batch, as a share of the time the batch took (the reader's thread
        leaves the UI most of the interpreter: html2text holds the GIL while it runs)."""
        done = 0
        with self._index_lock:
            while limit is None or done < limit:
                if stop is not None and stop():
                    break
                started = time.perf_counter()
                size = BATCH if limit is None else min(BATCH, limit - done)
                rows = self._read(_PENDING, (size,))
                if not rows:
                    break
                ready = []
                for docid, version, subject, sender, mailbox, names, content, is_html in rows:
                    text, has_code = body_for_index(subject, content, is_html)
                    fields = tuple(index_text(field or "") for field in (subject, sender, mailbox, names, text))
                    ready.append((docid, version, has_code, fields))
                with self._write() as db:
                    for docid, version, has_code, fields in ready:
                        changed = db.execute("UPDATE archive_docs SET indexed = version, has_code = ? "
                                             "WHERE docid = ? AND version = ?", (has_code, docid, version)).rowcount
                        if changed:  # else the message changed meanwhile: it is pending again, for the next round
                            db.execute("DELETE FROM archive_fts WHERE rowid = ?", (docid,))
                            db.execute(f"INSERT INTO archive_fts (rowid, {', '.join(_COLUMNS)}) "
                                       "VALUES (?, ?, ?, ?, ?, ?)", (docid, *fields))
                done += len(ready)
                if progress is not None:
                    progress(done)
                if rest:
                    time.sleep((time.perf_counter() - started) * rest)
        return done

    def run_indexer(self, stop: threading.Event, every: float = 2.0, rest: float = 1.0) -> None:
        """Keep bodies indexed until `stop` is set: for the reader's worker thread. It looks for pending bodies
        every `every` seconds (one indexed read), and works at most half the time (`rest` = 1.0). While any
        process is polling, it waits: a big first poll's rows must reach the screen first (and its bodies are
        indexed after)."""
        def wait() -> bool:
            return stop.is_set() or self.store.polls_under_way()

        while not stop.is_set():
            try:
                if not self.store.polls_under_way():
                    self.index_pending(stop=wait, rest=rest)
            except (StoreError, sqlite3.OperationalError):
                pass  # the store is busy or closing: try again at the next round
            stop.wait(every)

    # --- searching -----------------------------------------------------------------------------------------------

    def search(self, query: str | Query, *, mailbox: str | None = None, limit: int = 200, snippets: bool = True,
               now: float | None = None) -> SearchResult:
        """The messages that match, best first (newest first among equals, and for a query without words)."""
        if not isinstance(query, Query):
            query = parse(query, now=now if now is not None else self.clock())
        labels = self.labels()
        ranked = self._ranked(query, labels, mailbox, limit + 1, CANDIDATES)
        more = len(ranked) > limit
        ranked = ranked[:limit]
        rows = self._summaries([docid for docid, _ in ranked])
        marked = self._snippets(query, [docid for docid, _ in ranked]) if snippets else {}
        hits = []
        for docid, score in ranked:
            row = rows.get(docid)
            if row is not None:  # else deleted since the query ran
                hits.append(Hit(row, one_line(labels.get(row.mailbox, ""), 80), score, marked.get(docid, ())))
        return SearchResult(query, tuple(hits), more, self.pending())

    def row_filter(self, text: str) -> tuple[RowFilter | None, tuple[str, ...]]:
        """The reader's `/`: the search syntax as a filter on the rows of the box in view (the list keeps its own
        order, newest first), and what in the query could not be used. A bare last word matches as a prefix, as
        the user types. One bare word shorter than a prefix may be (a first letter or two), or text without a
        letter or digit, filters as the list always did, by a substring of the sender or the subject: a word
        index cannot find a word by its first letter. (A character of Chinese, Japanese, Thai... is a word of
        its own in the index: one or two of them are searched.)"""
        text = _TYPING_OPERATOR.sub("", text)  # `from:` with its value still to come filters nothing yet
        query = parse(text, now=self.clock(), prefix_last=True)
        words = [t for t in query.terms if t.kind == "text"]
        if not query.terms:
            return (None if query.problems else RowFilter.substring(text)), query.problems
        if (len(query.terms) == 1 and words and text.strip() == words[0].value and len(words[0].value) < MIN_PREFIX
                and not UNSPACED.search(words[0].value)):
            return RowFilter.substring(text), query.problems
        compiled = compile_query(query, self.labels())
        if compiled.nothing:
            return RowFilter("0"), query.problems
        conditions = ["d.mailbox = messages.mailbox", "d.id = messages.id", *compiled.where]
        params = list(compiled.params)
        for expression, test in ((compiled.match, "IN"), (compiled.exclude, "NOT IN")):
            if expression is not None:
                conditions.append(f"d.docid {test} (SELECT rowid FROM archive_fts WHERE archive_fts MATCH ?)")
                params.append(expression)
        return RowFilter(f"EXISTS (SELECT 1 FROM archive_docs d WHERE {' AND '.join(conditions)})",
                         tuple(params)), query.problems

    def _ranked(self, query: Query, labels: dict[str, str], mailbox: str | None, limit: int,
                candidates: int) -> list[tuple[int, float | None]]:
        compiled = compile_query(query, labels)
        if compiled.nothing:
            return []
        return self._read(*ranking_sql(compiled, mailbox, limit, candidates))

    def _summaries(self, docids: list[int]) -> dict[int, Summary]:
        """The list rows of these documents, by primary key. Unread and attachments come from the documents: in
        `messages` they sit after the body, and reading them would walk every big body's overflow pages."""
        found: dict[int, Summary] = {}
        for start in range(0, len(docids), 500):
            chunk = docids[start:start + 500]
            for docid, *values in self._read(
                    "SELECT d.docid, m.id, m.subject, m.from_name, m.from_email, m.received_ts, m.received_raw, "
                    "d.unread, d.attachments, m.mailbox FROM archive_docs d JOIN messages m "
                    f"ON m.mailbox = d.mailbox AND m.id = d.id WHERE d.docid IN ({','.join('?' * len(chunk))})",
                    chunk):
                found[docid] = Summary(**dict(zip(_SUMMARY_FIELDS, values)))
        return found

    def _docs(self, docids: list[int]) -> list[tuple[int, str, str]]:
        found: list[tuple[int, str, str]] = []
        for start in range(0, len(docids), 500):
            chunk = docids[start:start + 500]
            found += self._read(f"SELECT docid, mailbox, id FROM archive_docs WHERE docid IN "
                                f"({','.join('?' * len(chunk))})", chunk)
        return found

    def _snippets(self, query: Query, docids: list[int]) -> dict[int, tuple[tuple[str, bool], ...]]:
        """One line of each hit's body around the first word of the query found in it (the start of the body
        otherwise). Found here rather than with FTS5's snippet(), which walks every match of the query again."""
        if not docids:
            return {}
        bodies: list[tuple[int, str]] = []
        for start in range(0, len(docids), 500):
            chunk = docids[start:start + 500]
            bodies += self._read(f"SELECT rowid, substr(body, 1, {SNIPPET_SCAN}) FROM archive_fts WHERE rowid IN "
                                 f"({','.join('?' * len(chunk))})", chunk)
        words = _highlighter(query)
        return {docid: _snippet(body.replace(SEPARATOR, ""), words) for docid, body in bodies}

    # --- labels --------------------------------------------------------------------------------------------------

    def labels(self) -> dict[str, str]:
        """Every box's label, by address."""
        return dict(self._read("SELECT address, label FROM archive_labels"))

    def label(self, address: str) -> str:
        rows = self._read("SELECT label FROM archive_labels WHERE address = ?", (normal_address(address),))
        return rows[0][0] if rows else ""

    def set_label(self, address: str, text: str) -> str:
        """Label a box (an empty text removes its label); returns the label as kept: one line, at most 80
        characters."""
        label = one_line(text, 80)
        with self._write() as db:
            if label:
                db.execute("INSERT INTO archive_labels (address, label, set_at) VALUES (?, ?, ?) ON CONFLICT "
                           "(address) DO UPDATE SET label = excluded.label, set_at = excluded.set_at",
                           (normal_address(address), label, self.clock()))
            else:
                db.execute("DELETE FROM archive_labels WHERE address = ?", (normal_address(address),))
            # Every open reader redraws its sidebar when the boxes' version moves (see Store.boxes_version).
            db.execute("INSERT INTO meta (name, value) VALUES ('boxes', 1) "
                       "ON CONFLICT (name) DO UPDATE SET value = value + 1")
        return label

    def suggest_label(self, address: str) -> str:
        """A label to start from: the domain of the box's first sender (`github.com` for noreply@github.com)."""
        rows = self._read("SELECT m.from_email FROM archive_docs d JOIN messages m ON m.mailbox = d.mailbox "
                          "AND m.id = d.id WHERE d.mailbox = ? ORDER BY d.received_ts, d.docid LIMIT 1",
                          (normal_address(address),))
        return sender_domain(rows[0][0]) if rows else ""

    # --- retention -----------------------------------------------------------------------------------------------

    def prunable(self, *, older_than: float | None = None, keep: int | None = None,
                 now: float | None = None) -> list[tuple[str, str]]:
        """(mailbox, id) of the messages retention would remove: received more than `older_than` seconds ago, or
        beyond the newest `keep` of the whole archive; never a live box's (see the module's docstring)."""
        now = self.clock() if now is None else now
        alive = {b.address for b in self.store.boxes(counts=False) if not b.is_expired(now)}
        found: set[tuple[str, str]] = set()
        if older_than is not None:
            found.update(self._read("SELECT mailbox, id FROM archive_docs WHERE received_ts < ?",
                                    (now - older_than,)))
        if keep is not None:
            found.update(self._read("SELECT mailbox, id FROM archive_docs ORDER BY received_ts DESC, docid DESC "
                                    "LIMIT -1 OFFSET ?", (max(keep, 0),)))
        return sorted(key for key in found if key[0] not in alive)

    def prune(self, keys: Iterable[tuple[str, str]]) -> int:
        """Remove these messages through the store's own deletion, so other processes see them go."""
        return self.store.delete_messages(keys)


# Host names that mail is sent from rather than the organisation's own: dropped from a suggested label.
_MAIL_HOST = re.compile(r"e?mail\d*|em\d*|e|m|mg|mailer|mta|send|smtp|bounces?|news(?:letters?)?|notifications?|"
                        r"notify|no-?reply|info|hello|accounts?|updates?|alerts?|link|click|t")


def sender_domain(address: str) -> str:
    """The organisation part of a sender's domain: `github.com` for noreply@mail.github.com; `bbc.co.uk` kept
    whole (a two-letter country code under a short second level)."""
    parts = [p for p in one_line(address.rpartition("@")[2], 120).lower().split(".") if p]
    while len(parts) > 2 and _MAIL_HOST.fullmatch(parts[0]):
        parts.pop(0)
    keep = 3 if len(parts) >= 3 and len(parts[-1]) == 2 and len(parts[-2]) <= 3 else 2
    return ".".join(parts[-keep:])


def _statements(script: str) -> list[str]:
    """The statements of a script, trigger bodies (which hold `;`) kept whole."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip().rstrip(";"))
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def apply_retention(store: Store, config: object, *, archive: Archive | None = None,
                    now: float | None = None) -> int:
    """Apply `max_age_days` / `max_messages` from the config (nothing when neither is set); returns how many
    messages went. For the reader at start-up and once a day, in a thread."""
    days = getattr(config, "max_age_days", None)
    most = getattr(config, "max_messages", None)
    if not days and most is None:
        return 0
    own = archive is None
    archive = archive or Archive(store)
    try:
        keys = archive.prunable(older_than=days * 86400.0 if days else None, keep=most, now=now)
        return archive.prune(keys)
    finally:
        if own:
            archive.close()


# --- the indexer in a process of its own ------------------------------------------------------------------------------

async def start_indexer(store_path: Path | str) -> asyncio.subprocess.Process:
    """The body indexer as a process of its own, for the reader: html2text holds the GIL while it converts (16 ms
    for a 40 KB HTML mail), and in a thread of the reader a first indexing of thousands of mails would slow every
    key (the converter moved to a process for the same reason). It indexes what is pending, then looks again every
    few seconds, until its standard input closes: `stop_indexer`, or the reader's end, however it ends. It never
    sees the API key, and its output goes nowhere."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-P", "-m", __name__, str(store_path), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=environment_without_key())


async def stop_indexer(process: asyncio.subprocess.Process, grace: float = 2.0) -> None:
    """Ask it to stop (after the batch in hand, which is committed whole or not at all), then make sure."""
    if process.returncode is None:
        process.stdin.close()
        try:
            async with asyncio.timeout(grace):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def _serve(store_path: str) -> int:
    """`python -m tmail_tui.archive STORE`: run the indexer until standard input closes."""
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop.set()), daemon=True).start()
    store = Store(store_path)
    archive = Archive(store)
    try:
        archive.run_indexer(stop, rest=0.0)  # a core of its own: no need to leave the interpreter to anyone
    finally:
        archive.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1]))
