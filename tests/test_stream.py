"""The streamed poll (issue 12): an answer read as it arrives, in any chunks, gives what reading it whole gave; a
message the store knows by its raw JSON's fingerprint is not decoded; record_poll works on what it is given only."""

from __future__ import annotations

import asyncio
import time
import json
import random

import httpx
import pytest

from tmail_tui.api import ServerError, TempMailClient
from tmail_tui.api.client import _decode, fingerprint
from tmail_tui.api.models import Mailbox, Message
from tmail_tui.api.stream import BATCH, ListingReader
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store
from tmail_tui.watcher import Watcher

from .conftest import KEY
from .test_watcher import collect

BOX = "box@quickbox.test"


def whole(body: bytes) -> list[bytes]:
    """What the old reader picked: the message list of the whole answer, each element re-encoded for comparison."""
    data = _decode(body)
    return [json.dumps(m, sort_keys=True).encode() for m in data["messages"]]


def streamed(body: bytes, chunk: int) -> tuple[object, list[bytes]]:
    got: dict[int, list[bytes]] = {}
    reader = ListingReader(lambda array, raws: got.setdefault(array, []).extend(bytes(r) for r in raws))
    for start in range(0, len(body), chunk):
        reader.feed(body[start:start + chunk])
    data, picked = reader.close()
    elements = [json.dumps(_decode(raw), sort_keys=True).encode() for raw in got.get(picked, [])]
    return data, elements


def mail(n: int, size: int = 200) -> dict:
    return {"id": f"m{n}", "to": BOX, "subject": f"Subject {n} }}, {{\"x\": [1, 2]}}", "from": "A \\ B",
            "content": "<p class=\"x\">é</p>\n" * (size // 20), "is_seen": n % 2 == 0,
            "attachments": [{"name": "a.pdf", "size": 1}, {"name": "b.pdf"}] if n % 3 == 0 else []}


@pytest.mark.parametrize("chunk", [1, 7, 4096, 65536, 1 << 22])
def test_any_chunking_gives_what_reading_it_whole_gave(chunk):
    messages = [mail(n, random.Random(n).randint(10, 3000)) for n in range(60)]
    body = json.dumps({"status": True, "mailbox": BOX, "messages": messages}).encode()
    data, elements = streamed(body, chunk)
    assert elements == whole(body)
    assert data == {"status": True, "mailbox": BOX, "messages": []}


def test_batches_of_more_than_a_megabyte_split_at_message_ends():
    messages = [mail(n, 50_000) for n in range(80)]  # 4 MB: several msgspec batches, nested objects in each
    body = json.dumps({"messages": messages, "status": True}, separators=(",", ":")).encode()
    assert len(body) > 3 * BATCH
    assert streamed(body, 65536)[1] == whole(body)


@pytest.mark.parametrize("body", [
    b'{"status": true, "messages": [{"id": "m1", "subject": "caf\xe9 \xff\xfe"}, {"id": "m2"}]}',  # invalid UTF-8
    b'{"status": true, "messages": [{"id": "m1", "from": "\\ud800lone"}, {"id": "m2", "x": "\\udfff"}]}',
    b'{"status": true, "messages": [{"id": ' + b"9" * 5000 + b', "size": NaN}, {"id": "m2", "n": 1e999}]}',
    b'{"status": true, "messages": [null, 1, "x", {"id": {}}, {"id": []}, [1, {"a": "}, {\\"b"}]]}',
    b'{"messages": [], "data": {"messages": [{"id": "inner"}]}, "messages": [{"id": "last"}]}',
    b' \n{ "status" : true , "mess\\u0061ges" : [ {"id":"escaped key"} , {"id":"b"} ] } \n',
])
def test_odd_answers_read_as_json_loads_reads_them(body):
    for chunk in (1, 3, 64, len(body)):
        data, elements = streamed(body, chunk)
        assert elements == whole(body)


@pytest.mark.parametrize("body", [
    b'{"status": true, "messages": [{"id": ',  # truncated
    b'{"status": true, "messages": [{"id": "a"},]}',  # a trailing comma
    b'{"status": true, "messages": [, {"id": "a"}]}',
    b'{"status": true, "messages": [{"id": "a"} {"id": "b"}]}',
    b'{"status": true, "messages": [{"id": "a"}]',
    b"",
    b"\xff\xfe{",
])
def test_broken_answers_are_not_json_as_before(body):
    with pytest.raises(ServerError, match="not JSON"):
        _decode(body)  # the old reader's verdict...
    for chunk in (1, 5, len(body) or 1):
        with pytest.raises(ServerError, match="not JSON"):  # ...and the new one's, however it arrives
            streamed(body, chunk)


def test_a_deep_answer_is_still_nested_too_deeply():
    with pytest.raises(ServerError, match="nested too deeply"):
        streamed(b"[" * 100_000 + b"]" * 100_000, 65536)


# --- the client: recognised messages are not decoded ----------------------------------------------------------------

def serving(messages: list[dict]):
    body = json.dumps({"status": True, "messages": messages}).encode()
    return TempMailClient(KEY, "https://api.test",
                          transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))


async def test_recognised_messages_are_not_decoded(monkeypatch):
    messages = [mail(n) for n in range(5)]
    raw = [json.dumps(m).encode() for m in messages]
    known = {fingerprint(raw[n]): f"m{n}" for n in (0, 1, 3)}
    decoded = []
    original = Message.from_api
    monkeypatch.setattr(Message, "from_api", staticmethod(lambda data, *checked: decoded.append(data) or original(data)))
    async with serving(messages) as api:
        listing = await api.polling(lambda fetch: fetch(BOX, known=lambda prints: {p: known[p] for p in prints
                                                                                  if p in known}))
        assert [m.id for m in listing] == ["m2", "m4"] and listing.unchanged == 3
        assert [d["id"] for d in decoded] == ["m2", "m4"]  # the others were never decoded
        assert listing.fingerprints == {"m2": fingerprint(raw[2]), "m4": fingerprint(raw[4])}
        decoded.clear()
        assert [m.id for m in await api.messages(BOX)] == [f"m{n}" for n in range(5)]  # no recogniser: all


async def test_a_duplicate_of_a_recognised_message_is_still_the_second(monkeypatch):
    first, again = {"id": "a", "subject": "first"}, {"id": "a", "subject": "again"}
    known = {fingerprint(json.dumps(first).encode()): "a"}
    async with serving([first, again, {"id": "b"}]) as api:
        listing = await api.polling(lambda fetch: fetch(BOX, known=lambda prints: {p: known[p] for p in prints
                                                                                  if p in known}))
    assert [m.id for m in listing] == ["b"]  # the first "a" was recognised; its duplicate does not replace it


# --- the store and the watcher: work in proportion to what changed --------------------------------------------------

def store_with(tmp_path, count: int) -> Store:
    store = Store(tmp_path / "s.db")
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1}))
    store.record_poll(BOX, [Message.from_api(mail(n)) for n in range(count)])
    return store


def test_an_unchanged_poll_decodes_nothing_and_writes_no_number(tmp_path):
    store = store_with(tmp_path, 0)
    messages = [mail(n) for n in range(30)]
    prints = {f"m{n}": fingerprint(json.dumps(m).encode()) for n, m in enumerate(messages)}
    result = store.record_poll(BOX, [Message.from_api(m) for m in messages], prints)
    assert len(result.new) == 30
    assert store.known_prints(BOX, list(prints.values())) == {p: i for i, p in prints.items()}
    assert store.known_prints("other@quickbox.test", list(prints.values())) == {}  # per box
    seq = store.last_seq()
    again = store.record_poll(BOX, [], {})
    assert again.nothing and store.last_seq() == seq  # nothing to read for any process
    assert store.changes_since(seq).rows == ()


def test_same_content_in_new_raw_json_only_takes_the_new_fingerprint(tmp_path):
    store = store_with(tmp_path, 3)  # stored before fingerprints (as after the upgrade to version 4)
    seq = store.last_seq()
    result = store.record_poll(BOX, [Message.from_api(mail(1))], {"m1": b"p" * 16})
    assert result.nothing and store.last_seq() == seq
    assert store.known_prints(BOX, [b"p" * 16]) == {b"p" * 16: "m1"}
    changed = store.record_poll(BOX, [Message.from_api(mail(1) | {"subject": "new"})], {"m1": b"q" * 16})
    assert changed.changed == ["m1"] and store.last_seq() > seq


async def test_the_watcher_polls_an_unchanged_box_without_decoding(tmp_path, monkeypatch):
    messages = [mail(n) for n in range(20)]
    store = store_with(tmp_path, 0)
    api = serving(messages)
    watcher = Watcher(api, store)
    await watcher.start()
    box = store.box(BOX)
    lookups = []
    looked_up = store.known_prints
    monkeypatch.setattr(store, "known_prints", lambda *a: lookups.append(a) or looked_up(*a))
    await watcher.poll(box)
    assert store.count(BOX) == 20 and await watcher.changes()
    assert lookups == []  # the box held no mail: nothing to recognise, nothing looked up
    calls = []
    original = Message.from_api
    monkeypatch.setattr(Message, "from_api", staticmethod(lambda data: calls.append(data) or original(data)))
    seq = store.last_seq()
    events = await watcher.poll(store.box(BOX))
    assert calls == [] and store.last_seq() == seq and type(events[0]).__name__ == "PollSucceeded"
    assert lookups  # (recognised by their fingerprints)
    assert await watcher.changes() == []
    await api.aclose()


def test_a_version_3_store_gets_fingerprints_and_counts_and_keeps_its_mail(tmp_path):
    path = tmp_path / "v3.db"
    store = Store(path)
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1}))
    store.record_poll(BOX, [Message.from_api(mail(n)) for n in range(5)])
    db = store._db
    db.execute("DROP INDEX messages_by_print")
    db.execute("ALTER TABLE messages DROP COLUMN fingerprint")
    for trigger in ("messages_counted_in", "messages_counted_out", "messages_counted_again"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("ALTER TABLE mailboxes DROP COLUMN total")
    db.execute("ALTER TABLE mailboxes DROP COLUMN unread")
    db.execute("PRAGMA user_version=3")
    store.close()
    reopened = Store(path)
    assert reopened.count(BOX) == 5 and (reopened.box(BOX).total, reopened.box(BOX).unread) == (5, 2)
    assert reopened._db.execute("PRAGMA user_version").fetchone()[0] == 4
    assert reopened.record_poll(BOX, [Message.from_api(mail(0))], {"m0": b"f" * 16}).nothing
    assert reopened.known_prints(BOX, [b"f" * 16]) == {b"f" * 16: "m0"}


def test_cancelling_a_poll_stops_its_download():
    started = asyncio.Event()

    async def run():
        def handler(request):
            return httpx.Response(200, content=b'{"status": true, "messages": [' + b'{"id": "x"},' * 10 + b"{}]}")

        async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
            task = asyncio.create_task(api.messages(BOX))
            started.set()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert len(await api.messages(BOX)) == 1  # and the client goes on working

    asyncio.run(run())


def test_the_counts_kept_in_the_box_row_follow_every_write(tmp_path):
    store = store_with(tmp_path, 10)
    other = "other@quickbox.test"

    def counts(address=BOX):
        box = store.box(address)
        stored = store._db.execute("SELECT COUNT(*), SUM(seen = 0 AND server_seen = 0) FROM messages WHERE mailbox=?",
                                   (address,)).fetchone()
        assert (box.total, box.unread) == (stored[0], stored[1] or 0)
        return box.total, box.unread

    assert counts() == (10, 5)  # mail() makes every other message seen on the server
    store.mark_seen("m1", BOX)
    assert counts() == (10, 4)
    store.record_poll(BOX, [Message.from_api(mail(3) | {"is_seen": True})])
    assert counts() == (10, 3)
    store.delete_message("m5", BOX)
    assert counts() == (9, 2)
    store.save_message(Message.from_api(mail(51) | {"to": other}))  # mail before its box
    store.add_address(other)
    assert counts(other) == (1, 1)
    store.rename_box(BOX, Mailbox.from_api({"email": "renamed@quickbox.test", "id": 2}))
    assert counts("renamed@quickbox.test") == (9, 2)
    store.forget_box("renamed@quickbox.test")
    assert store.box("renamed@quickbox.test") is None and counts(other) == (1, 1)


# --- a big answer is stored in parts as it downloads -----------------------------------------------------------------

class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An answer sent in `pieces`, `pause` seconds apart, optionally breaking off after `break_after` of them (to
    a blocking client, as the streamed polls' is, or an async one)."""

    def __init__(self, body: bytes, pieces: int, pause: float, break_after: int | None = None) -> None:
        self.body, self.pieces, self.pause, self.break_after = body, pieces, pause, break_after

    def _pieces(self):
        size = -(-len(self.body) // self.pieces)
        for n, start in enumerate(range(0, len(self.body), size)):
            if n == self.break_after:
                raise httpx.ReadError("the connection broke")
            yield self.body[start:start + size]

    def __iter__(self):
        for piece in self._pieces():
            yield piece
            time.sleep(self.pause)

    async def __aiter__(self):
        for piece in self._pieces():
            yield piece
            await asyncio.sleep(self.pause)


def trickling(answers: list) -> TempMailClient:
    """A client whose polls get the next of `answers` (a list of messages, or a Trickle), the last one forever."""
    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Trickle):
            return httpx.Response(200, stream=answer)
        return httpx.Response(200, content=json.dumps({"status": True, "messages": answer}).encode())

    return TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler))


def fast_pace() -> PollPolicy:
    return PollPolicy(fast=0.05, in_view=0.05, background=0.05, rng=random.Random(1))


def same_second(count: int) -> list[dict]:
    """`count` messages of one second, newest first as the API lists them: only the answer's order orders them."""
    return [mail(n, 10_000) | {"receivedAt": "2026-11-20 10:00:00"} for n in range(count - 1, -1, -1)]


def big_answer(messages: list[dict], break_after: int | None = None) -> Trickle:
    return Trickle(json.dumps({"status": True, "messages": messages}).encode(), 8, 0.15, break_after)


async def watch_until(watcher: Watcher, until) -> list:
    return await collect(watcher, until, timeout=20.0)


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


async def test_a_big_answer_shows_in_parts_while_it_downloads_and_is_news_once(tmp_path):
    store = store_with(tmp_path, 0)
    messages = same_second(400)
    seq = store.last_seq()
    watcher = Watcher(trickling([[], big_answer(messages), messages]), store, fast_pace(), in_view=BOX)
    await watch_until(watcher, lambda ev: "PollSucceeded" in kinds(ev))  # the box's first look: empty
    events = await watch_until(watcher, lambda ev: "MailArrived" in kinds(ev))
    order = kinds(events)
    # rows were stored and shown before the poll was over, in more than one transaction
    assert order.index("MailStored") < order.index("PollSucceeded") < order.index("MailArrived")
    assert store.last_seq() - seq > 2
    # each part said so, so the reader holds its indexer back until the poll is over
    parts = events[:order.index("PollSucceeded")]
    assert all(e.under_way for e in parts if type(e).__name__ == "MailStored")
    # and the news is told once, with every message
    arrived = [e for e in events if type(e).__name__ == "MailArrived"]
    assert len(arrived) == 1 and len(arrived[0].rows) == 400
    # the list keeps the answer's order across the parts (the same second: fetched_at orders them)
    assert [r.id for r in store.summaries(BOX)] == [m["id"] for m in messages]
    assert store.box(BOX).polled_at is not None and store.box(BOX).polling_until is None


async def test_a_first_look_in_parts_is_not_news(tmp_path):
    store = Store(tmp_path / "s.db")
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1}))  # never polled: its first poll is old mail
    watcher = Watcher(trickling([big_answer(same_second(300)), same_second(300)]), store, fast_pace(), in_view=BOX)
    events = await watch_until(watcher, lambda ev: "PollSucceeded" in kinds(ev) and sum(
        len(e.rows) for e in ev if type(e).__name__ == "MailStored") == 300)
    assert "MailArrived" not in kinds(events) and store.count(BOX) == 300
    assert kinds(events).index("MailStored") < kinds(events).index("PollSucceeded")  # parts shown during it
    assert store.box(BOX).first_poll_seq == store.last_seq()


async def test_an_answer_broken_off_keeps_the_parts_stored_and_the_next_poll_completes_it(tmp_path):
    store = store_with(tmp_path, 0)
    messages = same_second(400)
    watcher = Watcher(trickling([[], big_answer(messages, break_after=5), messages]), store, fast_pace(),
                      in_view=BOX)
    await watch_until(watcher, lambda ev: "PollSucceeded" in kinds(ev))
    at_failure: list[int] = []

    def completed(events) -> bool:
        if kinds(events)[-1] == "PollFailed":
            at_failure.append(store.count(BOX))
            assert store.box(BOX).polling_until is None  # the claim given up
        return bool(at_failure) and kinds(events)[-1] == "MailArrived" and store.count(BOX) == 400

    events = await watch_until(watcher, completed)
    assert 0 < at_failure[0] < 400  # whole messages kept from the part that came
    ids = [r.id for e in events if type(e).__name__ == "MailArrived" for r in e.rows]
    assert sorted(ids) == sorted(m["id"] for m in messages)  # each once: the parts, then the rest


def test_the_indexer_waits_while_a_poll_is_under_way(tmp_path):
    import threading
    import time

    from tmail_tui.archive import Archive

    store = store_with(tmp_path, 0)
    archive = Archive(store)
    store.record_poll(BOX, [Message.from_api(mail(n)) for n in range(5)])
    assert archive.pending() == 5
    assert store.claim_poll(BOX, time.time(), 60)
    stop = threading.Event()
    indexer = threading.Thread(target=archive.run_indexer, args=(stop,), kwargs={"every": 0.05})
    indexer.start()
    time.sleep(0.5)
    assert archive.pending() == 5  # nothing indexed while the box is being polled
    store.release_poll(BOX)
    deadline = time.time() + 10
    while archive.pending() and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    indexer.join()
    assert archive.pending() == 0
    archive.close()
