"""The search syntax: each operator, against a real index, and hostile input that must never raise or reach FTS5's
own syntax."""

from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from tmail_tui.api.models import Mailbox, Message
from tmail_tui.archive import Archive
from tmail_tui.search import (
    MAX_PREFIXES,
    MAX_TEXT_TERMS,
    compile_query,
    fts_string,
    parse,
    parse_age,
)
from tmail_tui.store import Store

NOW = datetime(2026, 11, 20, 12, 0).timestamp()
DAY = 86400.0


def iso(ts: float) -> str:
    return datetime.utcfromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


MAIL = [
    # id, box, subject, sender name, sender address, body, html, attachments, age in days, seen
    ("gh", "work@quickbox.test", "Verify your GitHub account", "GitHub", "noreply@github.com",
     "<p>Your code is <b>482913</b>. Alpha centauri.</p>", True, [], 1, False),
    ("shop", "shop@quickbox.test", "Your invoice A-20931", "Example Shop", "orders@shop.example.com",
     "Thanks for your order. Beta particle.\nTotal: EUR 98.50", False, [{"name": "invoice-A-20931.pdf", "size": 9}],
     5, True),
    ("news", "work@quickbox.test", "The Terminal Weekly", "The Weekly", "news@weekly.example.org",
     "<p>Small tools, big wins. Gamma rays and <a href='https://tools.example/x'>more</a>.</p>", True, [], 40, False),
    ("phrase", "shop@quickbox.test", "Delivery", "Parcel", "updates@parcel.example",
     "Your parcel is out for delivery today. Alpha beta.", False, [{"name": "label.png", "size": 9}], 0.1, False),
]


@pytest.fixture
def archive(tmp_path):
    store = Store(tmp_path / "store.db", clock=lambda: NOW)
    archive = Archive(store, clock=lambda: NOW)
    for address in ("work@quickbox.test", "shop@quickbox.test"):
        store.save_box(Mailbox.from_api({"email": address, "expire_at": "2000-01-01T00:00:00+00:00"}))
    for mid, box, subject, name, email, body, html, files, age, seen in MAIL:
        store.record_poll(box, [Message.from_api({
            "id": mid, "to": box, "subject": subject, "from": name, "from_email": email, "content": body,
            "html": html, "attachments": files, "receivedAt": iso(NOW - age * DAY), "is_seen": seen})])
    archive.index_pending()
    archive.set_label("shop@quickbox.test", "Online shopping")
    yield archive
    archive.close()
    store.close()


def ids(archive: Archive, query: str) -> list[str]:
    return [hit.row.id for hit in archive.search(query, now=NOW).hits]


def found(archive: Archive, query: str) -> set[str]:
    return set(ids(archive, query))


# --- each operator ------------------------------------------------------------------------------------------------

def test_free_words_search_every_field_and_the_body_as_converted(archive):
    assert found(archive, "centauri") == {"gh"}  # body text of an HTML mail
    assert found(archive, "482913") == {"gh"}
    assert found(archive, "invoice") == {"shop"}  # subject and attachment name
    assert found(archive, "weekly") == {"news"}  # subject, sender name and address
    assert found(archive, "tools.example") == {"news"}  # the link, as the reader lists it
    assert found(archive, "shop") == {"shop", "phrase"}  # the box's address, and the sender's
    assert found(archive, "ALPHA") == {"gh", "phrase"}  # case does not matter
    assert found(archive, "alpha beta") == {"phrase"}  # every word must be there


def test_whole_words_unless_a_prefix_is_asked_for(archive):
    assert found(archive, "deliver") == set()
    assert found(archive, "deliver*") == {"phrase"}
    assert found(archive, "de*") == set()  # too short to be a prefix: a word
    assert found(archive, "deliv", ) == set()
    assert {t.prefix for t in parse("deliv", prefix_last=True).terms} == {True}  # as the user types
    row_filter, _ = archive.row_filter("deliv")
    assert [r.id for r in archive.store.page("shop@quickbox.test", 0, 10, 10, row_filter)[0]] == ["phrase"]


def test_a_phrase_keeps_its_words_together(archive):
    assert found(archive, '"alpha beta"') == {"phrase"}
    assert found(archive, '"beta alpha"') == set()
    assert found(archive, '"out for delivery"') == {"phrase"}


def test_from_to_box_subject(archive):
    assert found(archive, "from:github") == {"gh"}
    assert found(archive, 'from:"Example Shop"') == {"shop"}
    assert found(archive, "from:orders@shop.example.com") == {"shop"}
    assert found(archive, "from:weekly subject:terminal") == {"news"}
    assert found(archive, "subject:github") == {"gh"}
    assert found(archive, "subject:parcel") == set()  # only in the sender
    assert found(archive, "to:work@quickbox.test") == {"gh", "news"}  # a whole address: exactly that box
    assert found(archive, "box:WORK@quickbox.test") == {"gh", "news"}
    assert found(archive, "box:shop") == {"shop", "phrase"}  # a word of the address
    assert found(archive, "-box:work@quickbox.test") == {"shop", "phrase"}


def test_label(archive):
    assert found(archive, "label:shopping") == {"shop", "phrase"}
    assert found(archive, 'label:"online shop"') == {"shop", "phrase"}
    assert found(archive, "label:nothing-like-it") == set()
    assert found(archive, "-label:shopping") == {"gh", "news"}
    hits = archive.search("invoice", now=NOW).hits
    assert hits[0].label == "Online shopping"


def test_has_and_is(archive):
    assert found(archive, "has:attachment") == {"shop", "phrase"}
    assert found(archive, "has:attachments -has:attachment") == set()
    assert found(archive, "has:code") == {"gh"}  # found by the indexer, as `y` finds it
    assert found(archive, "is:unread") == {"gh", "news", "phrase"}
    assert found(archive, "is:read") == {"shop"}
    assert found(archive, "-is:unread") == {"shop"}


def test_after_and_before_take_dates_and_ages(archive):
    assert found(archive, "after:2d") == {"gh", "phrase"}
    assert found(archive, "before:2d") == {"shop", "news"}
    assert found(archive, "after:3h") == {"phrase"}
    assert found(archive, "after:1w before:2d") == {"shop"}
    assert found(archive, "before:2026-11-01") == {"news"}
    assert found(archive, "after:2026-10-31T12:00") == {"gh", "shop", "phrase"}
    assert found(archive, "after:today") == {"phrase"}
    assert found(archive, "-after:2d") == {"shop", "news"}


def test_minus_excludes(archive):
    assert found(archive, "alpha -beta") == {"gh"}
    assert found(archive, "-alpha") == {"shop", "news"}  # alone: everything else
    assert found(archive, '-"alpha beta"') == {"gh", "shop", "news"}
    assert found(archive, "-from:github -from:weekly") == {"shop", "phrase"}


def test_empty_query_lists_everything_newest_first(archive):
    assert ids(archive, "") == ["phrase", "gh", "shop", "news"]


def test_ranked_by_relevance_then_newest_among_equals(tmp_path):
    store = Store(tmp_path / "rank.db")
    archive = Archive(store)
    store.save_box(Mailbox.from_api({"email": "r@quickbox.test"}))
    mail = [("old-subject", "Quasar news", "nothing here", 30), ("body-1", "Hello", "a quasar was seen", 3),
            ("body-2", "Hello", "a quasar was seen", 2), ("body-3", "Hello", "a quasar was seen", 1)]
    store.record_poll("r@quickbox.test", [Message.from_api({
        "id": mid, "to": "r@quickbox.test", "subject": subject, "content": body,
        "receivedAt": iso(NOW - age * DAY)}) for mid, subject, body, age in mail])
    archive.index_pending()
    hits = archive.search("quasar").hits
    assert [h.row.id for h in hits] == ["old-subject", "body-3", "body-2", "body-1"]
    assert hits[0].score < hits[1].score  # bm25: lower is better


def test_snippets_show_the_matched_line_marked(archive):
    [hit] = archive.search("centauri", now=NOW).hits
    assert ("centauri", True) in [(text.lower(), marked) for text, marked in hit.snippet]
    assert "Alpha" in hit.snippet_text


def test_problems_are_said_and_the_term_left_out():
    query = parse("after:soon has:nothing is:maybe word", now=NOW)
    assert [t.kind for t in query.terms] == ["text"]
    assert len(query.problems) == 3 and "after:soon" in query.problems[0]


def test_unknown_operators_are_text():
    assert [(t.kind, t.value) for t in parse("http://example.org body:x").terms] == [
        ("text", "http://example.org"), ("text", "body:x")]


def test_limits_bound_the_work():
    many = parse(" ".join(f"w{n}" for n in range(MAX_TEXT_TERMS + 3)) + " is:unread")
    assert sum(t.kind == "text" for t in many.terms) == MAX_TEXT_TERMS and many.problems
    assert [t.kind for t in many.terms][-1] == "is"  # filters still count
    prefixes = parse("abc* def* ghi* jkl*")
    assert sum(t.prefix for t in prefixes.terms) == MAX_PREFIXES and prefixes.problems
    assert len(parse("x" * 10_000).terms[0].value) == 200


def test_ages():
    assert parse_age("30d") == 30 * DAY and parse_age("12h") == 12 * 3600 and parse_age("2w") == 14 * DAY
    assert parse_age("45") == 45 * DAY and parse_age("90m") == 90 * 60
    assert parse_age("soon") is None and parse_age("-3d") is None and parse_age("") is None


# --- hostile input ------------------------------------------------------------------------------------------------

HOSTILE = [
    '"', '""', '"""', '"unterminated phrase', "'", "*", "**", "a*b", "^alpha", "alpha^", "NEAR(alpha beta)",
    "NEAR(alpha beta, 5)", "alpha AND beta", "alpha OR gamma", "NOT alpha", "alpha NOT beta", "(alpha", "alpha)",
    "()", "{subject}: alpha", "{subject sender}:github", "subject : alpha", "body:alpha", "- alpha", "-", "--",
    '-"', "from:", 'from:"', "from:*", "after:", "before:99999999999d", "after:9999-99-99", "after:0000-01-01",
    "before:2026-13-45", "label:", "has:", "is:", "[/]", "[@click=app.quit]x[/]", "[b]bold[/b]", "\x00alpha",
    "\x1b[2Jalpha", "alpha\x1b]52;c;aGk=\x07", "\u202egnirts", "alpha\nbeta", "alpha\tbeta", "\ud800", "🎉",
    "x" * 5000, '"' * 1001, "a" + "*" * 500, "alpha" + " OR alpha" * 200, "::::", "from:from:from:", "-" * 300,
    "rowid:1", "archive_fts:alpha", "alpha; DROP TABLE messages; --", "' OR 1=1 --", "%_%", "\\", "\u0000",
    '"验证码', '验"证', '验" OR "证', "验*", "-验", "验 OR 证", "NEAR(验 证)", "from:验*", "\u0e31", "\u200b", "验\u200b证",
    "\u30fc", "𠀀" * 300, "验" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(archive, text):
    result = archive.search(text, now=NOW)
    assert isinstance(result.hits, tuple)
    row_filter, _ = archive.row_filter(text)
    archive.store.page("work@quickbox.test", 0, 10, 10, row_filter)


def test_fts5_operators_are_plain_words(archive):
    # Each would widen the search if it reached FTS5 as syntax.
    assert found(archive, "alpha OR gamma") == set()  # the word "or" is in no mail
    assert found(archive, "NEAR(alpha beta)") == set()  # "near" neither
    assert found(archive, "NOT alpha") == set()
    assert found(archive, "{subject}: github") == set()  # "subject" is in no mail
    assert found(archive, "sender:github") == set()  # not one of our operators: the text "sender github"
    assert found(archive, "c*") == set()  # a one-letter prefix is the word "c"
    assert found(archive, "centaur*") == {"gh"}


def outside_strings(match: str) -> set[str]:
    """What an FTS5 expression holds outside its quoted strings."""
    return set(re.sub(r'"(?:[^"]|"")*"', " ", match).replace("(", " ( ").replace(")", " ) ").split())


FTS_SYNTAX_WE_WRITE = {"(", ")", "AND", "OR", "NOT", "*", ":", "sender", "mailbox", "subject"}


def test_user_text_only_ever_goes_in_quoted_strings_and_parameters():
    assert fts_string('x" OR "y) NEAR(z') == '"x"" OR ""y) NEAR(z"'
    for text in HOSTILE + ['x" OR "y) NEAR(z -"a" from:"b" OR c" subject:d*" box:e', '验" OR "证) NEAR(码']:
        compiled = compile_query(parse(text, now=NOW))
        for expression in (compiled.match, compiled.exclude):
            if expression is not None:
                assert outside_strings(expression) <= FTS_SYNTAX_WE_WRITE, text
        assert all("?" in condition or "d." in condition for condition in compiled.where)
    labels = compile_query(parse("label:x' OR '1'='1"), {"a@b.c": "x' or '1'='1"})
    assert labels.where == ["d.mailbox IN (?)"] and labels.params == ["a@b.c"]
    dated = compile_query(parse("after:2d; DROP TABLE x", now=NOW))
    assert all("DROP" not in condition for condition in dated.where)


def test_random_hostile_input_never_raises(archive):
    alphabet = list('"\'*^():{}[]-+~!@#$%&|\\/;,.<> \t\n\x00\x1b\u202e\u200bNEARANDORNOT') + ["from:", "subject:",
                                                                                          "has:", "after:", "label:"]
    rng = random.Random(15)
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        archive.search(text, now=NOW, snippets=False)


# --- scripts written without spaces -----------------------------------------------------------------------------

CJK_MAIL = [
    # id, subject, body, html
    ("zh", "账户通知", "您的验证码是123456，请勿告诉他人。", False),
    ("zh-subject", "您的验证码已发送", "Nothing to see.", False),
    ("ja", "ログインのお知らせ", "<p>ログイン認証コードをお送りします。</p>", True),
    ("ko", "알림", "인증코드를 입력하세요.", False),
    ("th", "แจ้งเตือน", "รหัสยืนยันของคุณคือ 4821", False),
    ("mixed", "Login code", "Your Example验证码: 777111", False),
    ("apart", "Hello", "码证验 and 验，证码", False),
]


@pytest.fixture
def cjk(tmp_path):
    store = Store(tmp_path / "cjk.db", clock=lambda: NOW)
    archive = Archive(store, clock=lambda: NOW)
    store.save_box(Mailbox.from_api({"email": "cjk@quickbox.test"}))
    store.record_poll("cjk@quickbox.test", [Message.from_api({
        "id": mid, "to": "cjk@quickbox.test", "subject": subject, "from": "Sender", "from_email": "s@example.org",
        "content": body, "html": html, "receivedAt": iso(NOW - n * 3600)})
        for n, (mid, subject, body, html) in enumerate(CJK_MAIL)])
    archive.index_pending()
    yield archive
    archive.close()
    store.close()


def test_a_chinese_word_is_found_inside_a_run_in_a_body_and_a_subject(cjk):
    assert found(cjk, "验证码") == {"zh", "zh-subject", "mixed", "apart"}  # apart: 验，证码 (punctuation between)
    assert found(cjk, "subject:验证码") == {"zh-subject"}
    assert found(cjk, "验证") == {"zh", "zh-subject", "mixed", "apart"}
    assert found(cjk, "告诉") == {"zh"}
    assert found(cjk, "123456") == {"zh"}  # a code written against the characters is a word of its own
    assert found(cjk, "诉验") == set()  # the characters in their order, next to each other
    assert found(cjk, "账户") == {"zh"}


def test_japanese_korean_and_thai_words_inside_runs(cjk):
    assert found(cjk, "認証コード") == {"ja"}  # kanji and katakana
    assert found(cjk, "コード") == {"ja"}
    assert found(cjk, "ログイン") == {"ja"}  # subject and body
    assert found(cjk, "お知らせ") == {"ja"}
    assert found(cjk, "인증코드") == {"ko"}  # 인증코드를: the particle attached
    assert found(cjk, "ยืนยัน") == {"th"}
    assert found(cjk, "4821") == {"th"}


def test_cjk_phrases_prefixes_negation_and_mixed_queries(cjk):
    assert found(cjk, '"验证码是123456"') == {"zh"}
    assert found(cjk, '"验证 码"') == found(cjk, "验证码")  # spaces in a CJK phrase change nothing
    assert found(cjk, '"Example验证码"') == {"mixed"}
    assert found(cjk, "your 验证码") == {"mixed"}  # Latin and CJK words together
    assert found(cjk, "验证码 -告诉") == {"zh-subject", "mixed", "apart"}
    assert found(cjk, "-验证码") == {"ja", "ko", "th"}
    assert found(cjk, "-验证码 -コード") == {"ko", "th"}
    assert found(cjk, "验证码*") == found(cjk, "验证码")
    assert found(cjk, "認証コー*") == {"ja"}
    assert found(cjk, "認証 login") == set()  # every term still has to be there
    assert found(cjk, "code*") == {"mixed"}


def test_a_cjk_snippet_is_the_body_as_shown_with_the_word_marked(cjk):
    [hit] = cjk.search("告诉", now=NOW).hits
    assert hit.snippet_text == "您的验证码是123456，请勿告诉他人。"  # no separator of the index's
    assert ("告诉", True) in hit.snippet
    [hit] = cjk.search("認証コード", now=NOW).hits
    assert ("認証コード", True) in hit.snippet and "\u200b" not in hit.snippet_text
    [hit] = cjk.search('"example验证码"', now=NOW).hits
    assert [text for text, marked in hit.snippet if marked] == ["Example验证码"]


def test_a_cjk_subject_is_found_by_its_whole_run_before_the_indexer_comes(tmp_path):
    store = Store(tmp_path / "early.db", clock=lambda: NOW)
    archive = Archive(store, clock=lambda: NOW)
    store.save_box(Mailbox.from_api({"email": "cjk@quickbox.test"}))
    store.record_poll("cjk@quickbox.test", [Message.from_api({
        "id": "1", "to": "cjk@quickbox.test", "subject": "验证码通知", "content": "x"})])
    assert archive.pending() == 1
    assert found(archive, "验证码通知") == {"1"}  # as the trigger wrote it: one token
    assert found(archive, "验证码") == set()  # inside the run: once the indexer has been
    archive.index_pending()
    assert found(archive, "验证码") == {"1"} and found(archive, "验证码通知") == {"1"}
    archive.close()
    store.close()


def test_the_readers_slash_finds_a_cjk_word_inside_a_run(cjk):
    def shown(text):
        row_filter, problems = cjk.row_filter(text)
        assert not problems
        return {row.id for row in cjk.store.page("cjk@quickbox.test", 0, 20, 20, row_filter)[0]}

    assert shown("验证码") == {"zh", "zh-subject", "mixed", "apart"}
    assert shown("认") == set() and shown("証") == {"ja"}  # one character is a word: searched, in the bodies too
    assert shown("告诉") == {"zh"}
    assert shown("인증코드") == {"ko"}
    assert shown("验证码 -告诉") == {"zh-subject", "mixed", "apart"}
