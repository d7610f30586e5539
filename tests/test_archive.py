"""The archive: an index kept in step by the store's own writes (in any process), bodies indexed after, labels,
retention, and bounded queries."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from types import SimpleNamespace

import pytest

from tmail_tui import archive as archive_module
from tmail_tui.api.models import Mailbox, Message
from tmail_tui.archive import Archive, apply_retention, sender_domain
from tmail_tui.store import Store

NOW = datetime(2026, 11, 20, 12, 0).timestamp()
DAY = 86400.0
LIVE, GONE = "live@quickbox.test", "gone@quickbox.test"


def iso(ts: float) -> str:
    return datetime.utcfromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def mail(mid, to=LIVE, subject="Hello", body="Nothing much.", age=1.0, html=False, files=(), sender="a@example.org",
         seen=False):
    return Message.from_api({"id": mid, "to": to, "subject": subject, "from": "Someone", "from_email": sender,
                             "content": body, "html": html, "receivedAt": iso(NOW - age * DAY), "is_seen": seen,
                             "attachments": [{"name": name, "size": 3} for name in files]})


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store.db", clock=lambda: NOW)
    store.save_box(Mailbox.from_api({"email": LIVE, "expire_at": iso(NOW + DAY) + "+00:00"}))
    store.save_box(Mailbox.from_api({"email": GONE, "expire_at": iso(NOW - DAY) + "+00:00"}))
    yield store
    store.close()


@pytest.fixture
def archive(store):
    archive = Archive(store, clock=lambda: NOW)
    yield archive
    archive.close()


def found(archive, query):
    return {hit.row.id for hit in archive.search(query, now=NOW).hits}


def test_fields_are_indexed_in_the_stores_own_write(store, archive):
    store.record_poll(LIVE, [mail("1", subject="Your receipt", files=["statement.pdf"], sender="bills@power.example")])
    assert archive.pending() == 1  # the body waits for the indexer...
    assert found(archive, "receipt") == {"1"}  # ...the rest is there already
    assert found(archive, "statement.pdf") == {"1"}
    assert found(archive, "from:power.example") == {"1"}
    assert found(archive, "box:live") == {"1"}
    assert found(archive, "much") == set()
    assert archive.index_pending() == 1 and archive.pending() == 0
    assert found(archive, "much") == {"1"}


def test_another_process_writing_the_store_keeps_the_index_in_step(store, archive, tmp_path):
    """`tmail watch` in another terminal knows nothing of the archive: the triggers do the work."""
    script = textwrap.dedent(f"""
        from tmail_tui.api.models import Message
        from tmail_tui.store import Store
        store = Store({str(tmp_path / 'store.db')!r})
        store.record_poll({LIVE!r}, [Message.from_api({{"id": "w1", "to": {LIVE!r}, "subject": "Fetched elsewhere",
                                                       "content": "zebra crossing"}})])
        store.delete_message("old", {LIVE!r})
    """)
    store.record_poll(LIVE, [mail("old", subject="Soon deleted")])
    assert found(archive, "deleted") == {"old"}
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert found(archive, "elsewhere") == {"w1"}
    assert found(archive, "deleted") == set()
    archive.index_pending()
    assert found(archive, "zebra") == {"w1"}


def test_a_month_old_mail_of_an_expired_box_is_found_by_a_word_of_its_body(store, archive):
    store.record_poll(GONE, [mail("m", to=GONE, age=31, html=True,
                                  body="<table><tr><td><p style='color:red'>the word <b>xylophone</b></p></td></tr>"
                                       "</table>")])
    store.mark_gone(GONE)
    archive.index_pending()
    [hit] = archive.search("xylophone", now=NOW).hits
    assert (hit.row.mailbox, hit.row.id) == (GONE, "m")
    assert "xylophone" in hit.snippet_text


def test_changed_mail_is_indexed_again_and_stays_findable_meanwhile(store, archive):
    store.record_poll(LIVE, [mail("1", body="first walrus")])
    archive.index_pending()
    store.record_poll(LIVE, [mail("1", body="second narwhal")])
    assert archive.pending() == 1
    assert found(archive, "walrus") == {"1"}  # the old body until the indexer comes
    archive.index_pending()
    assert (found(archive, "walrus"), found(archive, "narwhal")) == (set(), {"1"})


def test_a_seen_flag_moves_is_unread_without_indexing_again(store, archive):
    store.record_poll(LIVE, [mail("1")])
    archive.index_pending()
    assert found(archive, "is:unread") == {"1"}
    store.mark_seen("1", LIVE)
    assert archive.pending() == 0
    assert found(archive, "is:unread") == set() and found(archive, "is:read") == {"1"}


def test_deleting_and_renaming_boxes(store, archive):
    store.record_poll(LIVE, [mail("1", subject="Moving mail")])
    archive.set_label(LIVE, "the old name")
    archive.index_pending()
    store.rename_box(LIVE, Mailbox.from_api({"email": "new@quickbox.test"}))
    assert {(h.row.mailbox, h.row.id) for h in archive.search("moving").hits} == {("new@quickbox.test", "1")}
    assert archive.label("new@quickbox.test") == "the old name"  # the label followed its mail
    assert archive.pending() == 1  # the box is a field of the index: indexed again
    store.forget_box("new@quickbox.test")
    assert found(archive, "moving") == set()
    assert archive._read("SELECT count(*) FROM archive_docs")[0][0] == 0
    assert archive._read("SELECT count(*) FROM archive_fts")[0][0] == 0


def test_installing_into_a_store_with_mail_indexes_it_all(tmp_path):
    store = Store(tmp_path / "old.db")
    store.save_box(Mailbox.from_api({"email": LIVE}))
    store.record_poll(LIVE, [mail(str(n), subject=f"Before the archive {n}") for n in range(30)])
    archive = Archive(store)
    assert archive.pending() == 30
    assert len(archive.search("archive").hits) == 30  # by subject at once; their bodies are pending
    assert archive.index_pending() == 30
    assert len(archive.search("archive").hits) == 30
    again = Archive(store)  # idempotent: nothing doubled, nothing pending
    assert again.pending() == 0 and len(again.search("archive").hits) == 30
    triggers = archive._read("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'archive%'")
    assert len(triggers) == 3


def test_triggers_dropped_by_another_version_come_back_and_catch_up(store, archive, tmp_path):
    store.record_poll(LIVE, [mail("1", subject="Kept")])
    db = sqlite3.connect(tmp_path / "store.db")
    db.execute("DROP TRIGGER archive_message_added")
    db.execute("DROP TRIGGER archive_message_removed")
    db.commit()
    store.record_poll(LIVE, [mail("2", subject="Unseen by the index")])
    store.delete_message("1", LIVE)
    db.close()
    fresh = Archive(store)
    fresh.index_pending()
    assert found(fresh, "unseen") == {"2"} and found(fresh, "kept") == set()


def test_an_index_of_the_version_before_spacing_out_cjk_indexes_again_only_the_mail_that_needs_it(store, archive,
                                                                                                   tmp_path):
    store.record_poll(LIVE, [mail("zh", subject="通知", body="您的验证码是123456"), mail("en", body="plain walrus")])
    archive.index_pending()
    db = sqlite3.connect(tmp_path / "store.db")  # as version 2 left it: runs whole, bodies indexed
    for docid, subject, body in db.execute("SELECT rowid, subject, body FROM archive_fts").fetchall():
        db.execute("UPDATE archive_fts SET subject = ?, body = ? WHERE rowid = ?",
                   (subject.replace("\u200b", ""), body.replace("\u200b", ""), docid))
    db.execute("UPDATE archive_meta SET value = 2 WHERE name = 'version'")
    db.commit()
    db.close()
    assert found(archive, "验证码") == set()
    upgraded = Archive(store, clock=lambda: NOW)
    assert upgraded.pending() == 1  # the Chinese mail only; tables kept, so...
    assert found(upgraded, "walrus") == {"en"} and found(upgraded, "您的验证码是123456") == {"zh"}  # ...still found
    assert upgraded.index_pending() == 1
    assert found(upgraded, "验证码") == {"zh"} and found(upgraded, "通知") == {"zh"}
    upgraded.close()
    again = Archive(store)
    assert again.pending() == 0  # once
    again.close()


def test_a_malformed_attachment_list_never_fails_the_stores_write(store, archive, tmp_path):
    store.record_poll(LIVE, [mail("1", files=["a.txt"])])
    db = sqlite3.connect(tmp_path / "store.db")
    db.execute("UPDATE messages SET attachments = 'not json' WHERE id = '1'")
    db.execute("UPDATE messages SET attachments = '[1, \"x\", {\"name\": 5}]' WHERE id = '1'")
    db.commit()
    db.close()
    assert found(archive, "has:attachment") == {"1"}  # {"name": 5} is an object: counted


def test_a_body_the_converter_chokes_on_is_indexed_empty_not_retried(store, archive, monkeypatch):
    def broken(content, is_html):
        raise RuntimeError("a converter bug")

    monkeypatch.setattr(archive_module, "render_body", broken)
    store.record_poll(LIVE, [mail("1", subject="Still searchable")])
    assert archive.index_pending() == 1 and archive.pending() == 0
    assert found(archive, "searchable") == {"1"}


def test_has_code_is_found_as_y_finds_it(store, archive):
    store.record_poll(LIVE, [mail("c", subject="Your verification code", body="Your code: 482913"),
                             mail("n", subject="Order 482913 shipped", body="Order number 482913 is on its way.")])
    archive.index_pending()
    assert found(archive, "has:code") == {"c"}


def shown(store, archive, text, box=LIVE):
    """The ids the reader's list shows for `/ text`: its pages, through the archive's filter."""
    row_filter, _ = archive.row_filter(text)
    rows, _ = store.page(box, 0, 100, store.count(box), row_filter)
    assert store.view_count(box, row_filter) == len(rows)
    return [row.id for row in rows]


def test_one_box_filtered_for_the_readers_slash(store, archive):
    store.record_poll(LIVE, [mail("1", subject="Parcel delivered", files=["a.pdf"], age=3),
                             mail("2", subject="Other", body="Nothing about a parcel", age=2),
                             mail("4", subject="Parcel lost", sender="shop@parcels.example", age=1)])
    store.record_poll(GONE, [mail("3", to=GONE, subject="Parcel delivered")])
    archive.index_pending()
    for text, expected in [("parcel deliv", ["1"]), ("parcel -lost", ["2", "1"]), ("-parcel", []),
                           ("has:attachment", ["1"]), ("", ["4", "2", "1"]), ("label:none", []),
                           ("from:parcels.example", ["4"]), ("subject:parcel", ["4", "1"]),
                           ("after:2026-11-18T00:00", ["4", "2"]), ("after:soon", ["4", "2", "1"])]:
        assert shown(store, archive, text) == expected, text
    assert archive.row_filter("after:soon")[1]  # what could not be used is said
    # an operator still being typed filters nothing yet
    assert shown(store, archive, "from:") == ["4", "2", "1"] and shown(store, archive, "parcel -has:") == ["4", "2", "1"]
    # A first letter or two (no word starts so in an index of words) is a substring of sender or subject, as the
    # list always filtered; so is text without a letter or digit.
    assert shown(store, archive, "lo") == ["4"] and shown(store, archive, "@") == ["4", "2", "1"]
    assert shown(store, archive, "el") == ["4", "1"]


@pytest.mark.parametrize("query", ["word", '"a phrase" from:x', "word is:unread after:2d has:code", "-word",
                                   "is:unread", "", "box:live@quickbox.test word*", "label:x -has:attachment"])
def test_the_query_plans_read_only_the_index_and_the_documents(store, archive, query):
    """`messages`, where the bodies are, is read only by its primary key for the hits shown; a query walks the
    index (its matches, newest first, at most CANDIDATES) or the documents' newest-first index."""
    archive.set_label(LIVE, "x")
    compiled = archive_module.compile_query(archive_module.parse(query, now=NOW), archive.labels())
    sql, params = archive_module.ranking_sql(compiled, None, 200, archive_module.CANDIDATES)
    plan = " / ".join(row[3] for row in archive._read("EXPLAIN QUERY PLAN " + sql, params))
    assert "messages" not in plan
    if compiled.match is not None:
        assert "SCAN f VIRTUAL TABLE" in plan and "SEARCH d USING INTEGER PRIMARY KEY" in plan
        assert "LIMIT ?" in sql.split("SELECT docid, score FROM found")[0]  # the candidates are bounded
    elif "mailbox" in " ".join(compiled.where):
        assert "SEARCH d USING INDEX sqlite_autoindex_archive_docs_1 (mailbox=?)" in plan  # only that box's
    else:
        assert "SCAN d USING" in plan and "INDEX archive_docs_newest" in plan and "TEMP B-TREE" not in plan, plan
    rows = archive._read("EXPLAIN QUERY PLAN SELECT d.docid, m.subject FROM archive_docs d JOIN messages m "
                         "ON m.mailbox = d.mailbox AND m.id = d.id WHERE d.docid IN (?, ?)", (1, 2))
    assert [row[3].split(" USING")[0] for row in rows] == ["SEARCH d", "SEARCH m"]
    assert "(mailbox=? AND id=?)" in rows[1][3]


def test_a_word_in_every_message_is_ranked_among_a_bounded_number(store, archive, monkeypatch):
    monkeypatch.setattr(archive_module, "CANDIDATES", 10)
    store.record_poll(LIVE, [mail(f"{n:02d}", subject="common word", age=n) for n in range(30)])
    hits = archive.search("common", now=NOW).hits
    assert len(hits) == 10
    assert {h.row.id for h in hits} == {f"{n:02d}" for n in range(30)[-10:]}  # the ten stored last


# --- labels -------------------------------------------------------------------------------------------------------

def test_labels_are_set_shown_and_moved_with_the_boxes_version(store, archive):
    version = store.boxes_version()
    assert archive.set_label(LIVE, "  github\x1b[31m sign-up \n") == "github␛[31m sign-up"
    assert store.boxes_version() > version  # open readers redraw their sidebars
    assert archive.labels() == {LIVE: "github␛[31m sign-up"}
    assert archive.set_label(LIVE, "") == "" and archive.labels() == {}
    assert len(archive.set_label(GONE, "x" * 500)) == 80


def test_a_label_is_suggested_from_the_first_senders_domain(store, archive):
    store.record_poll(LIVE, [mail("2", sender="someone@else.example", age=1),
                             mail("1", sender="noreply@mail.github.com", age=2)])
    assert archive.suggest_label(LIVE) == "github.com"
    assert archive.suggest_label(GONE) == ""


@pytest.mark.parametrize("address, domain", [
    ("noreply@github.com", "github.com"), ("x@mail.github.com", "github.com"), ("a@em123.shop.example", "shop.example"),
    ("a@news.bbc.co.uk", "bbc.co.uk"), ("a@accounts.google.com", "google.com"),
    ("a@deep.sub.example.org", "example.org"),
    ("a@localhost", "localhost"), ("no-at-sign", "no-at-sign"), ("a@\x1b[2J.evil", "␛[2j.evil"),
])
def test_sender_domain(address, domain):
    assert sender_domain(address) == domain


# --- retention ----------------------------------------------------------------------------------------------------

def test_retention_removes_old_mail_of_gone_boxes_only(store, archive):
    store.record_poll(LIVE, [mail("live-old", age=90), mail("live-new", age=1)])
    store.record_poll(GONE, [mail("gone-old", to=GONE, age=90), mail("gone-mid", to=GONE, age=20),
                             mail("gone-new", to=GONE, age=1)])
    assert archive.prunable(older_than=30 * DAY, now=NOW) == [(GONE, "gone-old")]
    assert archive.prunable(keep=3, now=NOW) == [(GONE, "gone-old")]  # live-old is beyond the 3 too, but live
    assert archive.prunable(keep=2, now=NOW) == [(GONE, "gone-mid"), (GONE, "gone-old")]
    assert archive.prunable(keep=0, now=NOW) == [(GONE, "gone-mid"), (GONE, "gone-new"), (GONE, "gone-old")]


def test_nothing_is_pruned_unless_configured(store, archive):
    store.record_poll(GONE, [mail("old", to=GONE, age=400)])
    assert apply_retention(store, SimpleNamespace(max_age_days=None, max_messages=None), now=NOW) == 0
    assert store.count(GONE) == 1


def test_apply_retention_removes_through_the_store_so_other_processes_see_it(store, archive):
    store.record_poll(GONE, [mail(str(n), to=GONE, age=n * 10, subject="Old news") for n in range(1, 6)])
    archive.index_pending()
    seen_up_to = store.last_seq()
    removed = apply_retention(store, SimpleNamespace(max_age_days=25, max_messages=None), archive=archive, now=NOW)
    assert removed == 3 and store.count(GONE) == 2
    assert set(store.changes_since(seen_up_to).removed) == {(GONE, "3"), (GONE, "4"), (GONE, "5")}
    assert found(archive, "news") == {"1", "2"}
    assert apply_retention(store, SimpleNamespace(max_age_days=None, max_messages=1), now=NOW) == 1
    assert [m.id for m in store.messages(GONE)] == ["1"]


def test_pruning_many_messages_takes_few_transactions(store, archive):
    store.record_poll(GONE, [mail(str(n), to=GONE, age=100) for n in range(1000)])
    keys = archive.prunable(older_than=30 * DAY, now=NOW)
    before = store.last_seq()
    assert archive.prune(keys) == 1000 and store.count(GONE) == 0
    assert store.last_seq() - before <= 3  # a write number per 400 messages, not one per message


# --- the commands ---------------------------------------------------------------------------------------------------

def store_of(home) -> Store:
    return Store(home / "data" / "tmail" / "tmail.db")


def test_tmail_search_finds_a_body_word_of_a_month_old_mail_of_an_expired_box(tmail, emulator, home):
    from tmail_tui.emulator.feed import FeedMessage

    box = emulator.create_box()
    emulator.deliver(box.address, FeedMessage("Statement", "Bank", "statements@bank.example",
                                              "<p>Your <b>pangolin</b> report</p>", html=True),
                     received=emulator.now() - 31 * DAY)
    emulator.deliver(box.address, FeedMessage("Other", "Shop", "shop@example.org", "nothing to see"))
    assert tmail("add", box.address).returncode == 0
    store = store_of(home)
    store.mark_gone(box.address)
    store.close()

    done = tmail("search", "pangolin")
    assert done.returncode == 0, done.stderr
    assert "Statement" in done.stdout and box.address in done.stdout and "Other" not in done.stdout
    as_json = json.loads(tmail("search", "pangolin", "--json").stdout)
    assert [(h["subject"], h["mailbox"], h["label"]) for h in as_json] == [("Statement", box.address, None)]
    assert "pangolin" in as_json[0]["snippet"] and as_json[0]["seen"] is False
    assert json.loads(tmail("search", "from:bank.example", "after:2d", "--json").stdout) == []
    assert len(json.loads(tmail("search", "--json").stdout)) == 2  # no query: everything, newest first
    odd = tmail("search", "after:soon", "NEAR(x", '"')
    assert odd.returncode == 0 and "after:soon is not a date" in odd.stderr and "No message matches." in odd.stdout


def test_tmail_label_and_boxes_show_it(tmail, emulator):
    from tmail_tui.emulator.feed import FeedMessage

    box = emulator.create_box()
    emulator.deliver(box.address, FeedMessage("Welcome", "GitHub", "noreply@github.com", "hi"))
    assert tmail("add", box.address).returncode == 0
    shown = tmail("label", box.address)
    assert shown.returncode == 0 and "has no label" in shown.stdout and "github.com" in shown.stdout
    assert tmail("label", box.address, "github", "sign-up").stdout.strip() == f"{box.address}: github sign-up"
    boxes = tmail("boxes")
    assert boxes.stdout.splitlines()[0].split()[:2] == ["ADDRESS", "LABEL"] and "github sign-up" in boxes.stdout
    assert json.loads(tmail("boxes", "--json").stdout)[0]["label"] == "github sign-up"
    assert json.loads(tmail("search", "label:sign-up", "--json").stdout)[0]["label"] == "github sign-up"
    assert json.loads(tmail("label", box.address, "--clear", "--json").stdout) == {
        "address": box.address, "label": None, "suggested": "github.com"}
    unknown = tmail("label", "nobody@quickbox.test", "x")
    assert unknown.returncode == 2 and "not one of your mailboxes" in unknown.stderr


def test_tmail_prune(tmail, emulator, home):
    from tmail_tui.emulator.feed import FeedMessage

    gone, live = emulator.create_box(), emulator.create_box()
    for box in (gone, live):
        emulator.deliver(box.address, FeedMessage("Old", "A", "a@example.org", "x"), received=emulator.now() - 60 * DAY)
        emulator.deliver(box.address, FeedMessage("New", "A", "a@example.org", "x"))
        assert tmail("add", box.address).returncode == 0
    store = store_of(home)
    store.mark_gone(gone.address)
    store.close()

    unasked = tmail("prune")
    assert unasked.returncode == 2 and "Nothing to prune by" in unasked.stderr
    dry = tmail("prune", "--older-than", "30d", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("Would remove 1 message from 1 mailbox")
    assert tmail("search", "--json").stdout.count('"id"') == 4
    done = json.loads(tmail("prune", "--older-than", "30d", "--json").stdout)
    assert done == {"dry_run": False, "messages": 1, "boxes": [{"mailbox": gone.address, "messages": 1}]}
    left = json.loads(tmail("search", "--json").stdout)
    assert sorted((h["mailbox"] == live.address, h["subject"]) for h in left) == [
        (False, "New"), (True, "New"), (True, "Old")]  # a live box keeps its old mail
    assert tmail("prune", "--older-than", "soon").returncode == 2

    config = home / "config" / "tmail" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("max_messages = 1\n")
    config.chmod(0o600)
    assert "Removed 1 message" in tmail("prune").stdout  # the gone box's New; the live box keeps its two
    config.write_text("max_age_days = 0\n")
    refused = tmail("prune")
    assert refused.returncode == 1 and "max_age_days" in refused.stderr and "whole number above 0" in refused.stderr


async def test_the_indexer_process_indexes_until_its_input_closes(store, archive, tmp_path):
    import asyncio

    store.record_poll(LIVE, [mail(str(n), body=f"okapi number {n}") for n in range(20)])
    assert archive.pending() == 20
    process = await archive_module.start_indexer(tmp_path / "store.db")
    try:
        for _ in range(200):
            if not archive.pending():
                break
            await asyncio.sleep(0.05)
        assert len(archive.search("okapi").hits) == 20
        store.record_poll(LIVE, [mail("late", body="a late okapi")])  # it keeps looking
        for _ in range(200):
            if not archive.pending():
                break
            await asyncio.sleep(0.05)
        assert found(archive, "late") == {"late"}
    finally:
        await archive_module.stop_indexer(process)
    assert process.returncode == 0
