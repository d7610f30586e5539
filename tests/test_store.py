"""The local store: boxes, polls, rename, expiry, and surviving kill -9 mid-write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap

from tmail_tui.api.models import Mailbox, Message
from tmail_tui.store import Store


def box(email="a@quickbox.test", box_id=1, expire_at="2030-01-01T00:00:00+00:00"):
    return Mailbox.from_api({"email": email, "id": box_id, "expire_at": expire_at})


def msg(msg_id, subject="s", seen=False, to="a@quickbox.test", received="2026-06-28 09:37:26"):
    return Message.from_api({"id": msg_id, "subject": subject, "is_seen": seen, "to": to, "receivedAt": received,
                             "attachments": [{"name": "f.txt", "size": 3}]})


def test_poll_reports_new_and_changed_only(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box())
    first = store.record_poll("a@quickbox.test", [msg("1"), msg("2")])
    assert sorted(first.new) == ["1", "2"] and first.changed == []
    again = store.record_poll("a@quickbox.test", [msg("1"), msg("2")])
    assert again.nothing
    changed = store.record_poll("a@quickbox.test", [msg("1", seen=True), msg("2"), msg("3")])
    assert changed.new == ["3"] and changed.changed == ["1"]
    [stored] = store.boxes()
    assert (stored.total, stored.unread) == (3, 2)
    assert store.message("1").message.attachments[0].name == "f.txt"


def test_local_seen_state_survives_polls(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box())
    store.record_poll("a@quickbox.test", [msg("1")])
    store.mark_seen("1")
    store.record_poll("a@quickbox.test", [msg("1", subject="edited")])
    assert store.message("1").seen and store.message("1").message.subject == "edited"


def test_mail_outlives_its_box(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box(expire_at="2000-01-01T00:00:00+00:00"))
    store.record_poll("a@quickbox.test", [msg("1")])
    store.record_poll("a@quickbox.test", [])  # the server no longer lists it
    store.mark_gone("a@quickbox.test")
    [stored] = store.boxes()
    assert stored.is_expired() and stored.gone_at is not None
    assert [m.id for m in store.messages("a@quickbox.test")] == ["1"]


def test_rename_moves_messages_to_the_new_address(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box())
    store.record_poll("a@quickbox.test", [msg("1")])
    store.rename_box("a@quickbox.test", box("new@mailfly.test", 2))
    [renamed] = store.boxes()
    assert (renamed.address, renamed.api_id, renamed.origin, renamed.total) == ("new@mailfly.test", "2", "renamed", 1)
    assert store.messages("a@quickbox.test") == []
    assert store.messages("new@mailfly.test")[0].message.mailbox == "new@mailfly.test"


def test_forget_and_add(tmp_path):
    store = Store(tmp_path / "t.db")
    store.add_address("web@mailfly.test")
    [added] = store.boxes()
    assert added.origin == "added" and added.expire_at is None and added.seconds_left() is None
    store.record_poll("web@mailfly.test", [msg("1", to="web@mailfly.test")])
    store.forget_box("web@mailfly.test")
    assert store.boxes() == [] and store.message("1") is None


def test_newest_first_and_persistence(tmp_path):
    path = tmp_path / "t.db"
    store = Store(path)
    store.save_box(box())
    store.record_poll("a@quickbox.test", [msg("old", received="2026-01-01 10:00:00"),
                                          msg("new", received="2026-01-02 10:00:00")])
    store.close()
    assert [m.id for m in Store(path).messages("a@quickbox.test")] == ["new", "old"]


def test_a_failed_transaction_writes_nothing(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box())

    class Exploding(list):
        def __iter__(self):
            yield msg("1")
            raise RuntimeError("crash mid-poll")

    try:
        store.record_poll("a@quickbox.test", Exploding())
    except RuntimeError:
        pass
    assert store.messages("a@quickbox.test") == []
    assert store.record_poll("a@quickbox.test", [msg("1")]).new == ["1"]


WRITER = textwrap.dedent("""
    import sys
    from tmail_tui.api.models import Mailbox, Message
    from tmail_tui.store import Store
    store = Store(sys.argv[1])
    store.save_box(Mailbox.from_api({"email": "a@quickbox.test", "id": 1}))
    batch = []
    for n in range(100000):
        batch.append(Message.from_api({"id": f"m{n}", "subject": "x" * 2000, "to": "a@quickbox.test"}))
        store.record_poll("a@quickbox.test", batch[-50:])
        print(batch[-1].id, flush=True)  # shown to the user only after the commit returned
""")


def test_kill_9_mid_write_loses_nothing_shown(tmp_path):
    path = tmp_path / "crash.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    shown = []
    for line in proc.stdout:
        shown.append(line.strip())
        if len(shown) == 300:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    reopened = Store(path)
    stored = {m.id for m in reopened.messages("a@quickbox.test")}
    assert set(shown) <= stored
    assert reopened.record_poll("a@quickbox.test", [msg("after")]).new == ["after"]  # and it still works


def test_summaries_for_more_ids_than_one_statement_may_carry(tmp_path):
    """A first poll of a big box reports thousands of new ids; the list loads them all, newest first."""
    store = Store(tmp_path / "t.db")
    store.save_box(box())
    messages = [msg(f"m{n}", received=f"2026-01-01 {n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}")
                for n in range(1200)]
    new = store.record_poll("a@quickbox.test", messages).new
    rows = store.summaries("a@quickbox.test", new)
    assert [r.id for r in rows] == [f"m{n}" for n in reversed(range(1200))]
    assert rows[0].attachments == 1 and rows[0].unread


def test_the_newest_rows_and_the_count_come_without_sorting_the_box(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box())
    store.record_poll("a@quickbox.test", [msg(f"m{n}", received=f"2026-01-01 00:{n // 60:02d}:{n % 60:02d}")
                                          for n in range(300)])
    assert [r.id for r in store.summaries("a@quickbox.test", limit=3)] == ["m299", "m298", "m297"]
    assert [r.id for r in store.summaries("a@quickbox.test")][:3] == ["m299", "m298", "m297"]
    assert store.count("a@quickbox.test") == 300 and store.count("b@quickbox.test") == 0
    plan = " ".join(row[3] for row in store._db.execute(
        "EXPLAIN QUERY PLAN " + store._SUMMARY_QUERY + store._NEWEST_FIRST + " LIMIT 3", ("a@quickbox.test",)))
    assert "TEMP B-TREE" not in plan  # the index holds the list's exact order


def test_a_store_from_the_first_version_gets_the_new_index(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE messages (id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',
            from_name TEXT NOT NULL DEFAULT '', from_email TEXT NOT NULL DEFAULT '', received_raw TEXT NOT NULL
            DEFAULT '', received_ts REAL, is_html INTEGER NOT NULL DEFAULT 0, content TEXT NOT NULL DEFAULT '',
            attachments TEXT NOT NULL DEFAULT '[]', server_seen INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL
            DEFAULT 0, fetched_at REAL NOT NULL, digest TEXT NOT NULL DEFAULT '');
        CREATE INDEX messages_by_box ON messages (mailbox, received_ts DESC, fetched_at DESC);
        INSERT INTO messages (id, mailbox, subject, fetched_at) VALUES ('kept', 'a@quickbox.test', 'hello', 1);
        PRAGMA user_version=1;
    """)
    old.close()
    store = Store(path)
    indexes = {row[0] for row in store._db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "messages_newest_first" in indexes and "messages_by_box" not in indexes
    assert [r.subject for r in store.summaries("a@quickbox.test")] == ["hello"]


def test_the_same_id_in_two_boxes_is_two_messages(tmp_path):
    store = Store(tmp_path / "t.db")
    store.save_box(box("a@quickbox.test"))
    store.save_box(box("b@quickbox.test", 2))
    store.record_poll("a@quickbox.test", [msg("same", subject="for a")])
    second = store.record_poll("b@quickbox.test", [msg("same", subject="for b", to="b@quickbox.test")])
    assert second.new == ["same"]
    assert store.message("same", "a@quickbox.test").message.subject == "for a"
    assert store.message("same", "b@quickbox.test").message.subject == "for b"
    assert store.count("a@quickbox.test") == store.count("b@quickbox.test") == 1
    store.delete_message("same", "b@quickbox.test")
    assert store.message("same", "a@quickbox.test") is not None and store.count("b@quickbox.test") == 0


def test_changes_since_see_what_any_writer_stored_once(tmp_path):
    path = tmp_path / "t.db"
    reader, writer = Store(path), Store(path)  # two processes, in effect: two connections
    writer.save_box(box())
    start = reader.last_seq()
    writer.record_poll("a@quickbox.test", [msg("1"), msg("2")])
    changes = reader.changes_since(start)
    assert [row.id for row, *_ in changes.rows] == ["1", "2"] and changes.seq > start
    assert all(first_seq > start for _, first_seq, _ in changes.rows)
    assert reader.changes_since(changes.seq).rows == ()  # read once
    writer.record_poll("a@quickbox.test", [msg("1"), msg("2")])  # nothing changed: nothing to read
    assert reader.changes_since(changes.seq).rows == ()
    writer.mark_seen("1", "a@quickbox.test")
    [(row, first_seq, _)] = reader.changes_since(changes.seq).rows
    assert row.id == "1" and not row.unread and first_seq <= changes.seq  # a change, not a new message
    later = reader.last_seq()
    writer.delete_message("2", "a@quickbox.test")
    assert reader.changes_since(later).removed == (("a@quickbox.test", "2"),)


def test_box_changes_move_the_boxes_version(tmp_path):
    store = Store(tmp_path / "t.db")
    versions = [store.boxes_version()]
    store.save_box(box())
    store.add_address("web@mailfly.test")
    store.mark_gone("web@mailfly.test")
    store.record_poll("web@mailfly.test", [])  # alive after all
    store.forget_box("web@mailfly.test")
    for _ in range(5):
        versions.append(store.boxes_version())
    assert versions[0] < versions[-1]
    before = store.boxes_version()
    store.record_poll("a@quickbox.test", [msg("1")])  # an ordinary poll is not a box change
    assert store.boxes_version() == before


def test_the_store_version_moves_with_every_commit_by_anyone_and_only_then(tmp_path):
    """What an idle watcher asks every few seconds on its own loop: it must see this process's commits and another
    process's, and stay put when nothing was written (reads included)."""
    path = tmp_path / "t.db"
    mine, other = Store(path), Store(path)
    mine.save_box(box())
    seen = mine.version()
    assert seen is not None
    mine.boxes(), mine.changes_since(0), other.boxes()
    assert mine.version() == seen
    mine.record_poll("a@quickbox.test", [msg("1")])
    assert mine.version() != seen
    seen = mine.version()
    other.record_poll("a@quickbox.test", [msg("1"), msg("2")])
    assert mine.version() != seen
    seen = mine.version()
    assert mine.version() == seen
    memory = Store(":memory:")  # (no other connection can open it: its own commits count)
    before = memory.version()
    memory.save_box(box())
    assert memory.version() != before


def test_only_one_process_at_a_time_may_poll_a_box(tmp_path):
    path = tmp_path / "t.db"
    one, two = Store(path), Store(path)
    one.save_box(box())
    assert one.claim_poll("a@quickbox.test", now=100.0, lease=60)
    assert not two.claim_poll("a@quickbox.test", now=101.0, lease=60)
    assert two.claim_poll("a@quickbox.test", now=161.0, lease=60)  # a crashed poller's lease runs out
    two.record_poll("a@quickbox.test", [])  # a finished poll frees the box
    assert one.claim_poll("a@quickbox.test", now=162.0, lease=60)
    one.release_poll("a@quickbox.test")  # so does a failed one
    assert two.claim_poll("a@quickbox.test", now=163.0, lease=60)


def test_addresses_are_stored_lower_case(tmp_path):
    store = Store(tmp_path / "t.db")
    assert store.add_address("Web@MailFly.Test") is True
    assert store.add_address("web@mailfly.test") is False
    assert [b.address for b in store.boxes()] == ["web@mailfly.test"]
    assert store.box("WEB@mailfly.test") is not None


def test_the_store_is_private(tmp_path):
    folder = tmp_path / "data" / "tmail"
    Store(folder / "tmail.db").close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "tmail.db").stat().st_mode) == 0o600
    (folder / "tmail.db").chmod(0o644)  # made readable by others somehow: made private again
    Store(folder / "tmail.db").close()
    assert stat.S_IMODE((folder / "tmail.db").stat().st_mode) == 0o600


def test_a_store_of_the_second_version_keeps_its_mail(tmp_path):
    import sqlite3

    path = tmp_path / "v2.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE mailboxes (address TEXT PRIMARY KEY, api_id TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL
            DEFAULT '', created_at TEXT NOT NULL DEFAULT '', expire_at TEXT NOT NULL DEFAULT '', token TEXT NOT NULL
            DEFAULT '', origin TEXT NOT NULL, added_at REAL NOT NULL, gone_at REAL, polled_at REAL);
        CREATE TABLE messages (id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',
            from_name TEXT NOT NULL DEFAULT '', from_email TEXT NOT NULL DEFAULT '', received_raw TEXT NOT NULL
            DEFAULT '', received_ts REAL, is_html INTEGER NOT NULL DEFAULT 0, content TEXT NOT NULL DEFAULT '',
            attachments TEXT NOT NULL DEFAULT '[]', server_seen INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL
            DEFAULT 0, fetched_at REAL NOT NULL, digest TEXT NOT NULL DEFAULT '');
        CREATE INDEX messages_newest_first ON messages (mailbox, received_ts DESC, fetched_at DESC, id);
        INSERT INTO mailboxes (address, origin, added_at, polled_at) VALUES ('Old@quickbox.test', 'added', 1, 5);
        INSERT INTO messages (id, mailbox, subject, seen, fetched_at) VALUES ('m1', 'Old@quickbox.test', 'kept', 1, 1);
        PRAGMA user_version=2;
    """)
    old.close()
    store = Store(path)
    [kept] = store.boxes()
    assert (kept.address, kept.total, kept.unread) == ("old@quickbox.test", 1, 0)
    assert store.message("m1", "old@quickbox.test").message.subject == "kept"
    start = store.last_seq()
    store.record_poll("old@quickbox.test", [msg("m2", to="old@quickbox.test")])
    assert [row.id for row, *_ in store.changes_since(start).rows] == ["m2"]
    assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
