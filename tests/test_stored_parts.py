"""A big first poll is decoded and stored by a process of its own (stored_parts.py, issue 12): the user sees the same
mail, in the same order, told once, as when one process did it all; the child never gets the key; a child that
fails fails the poll in its own words and the next poll completes the box; a cancelled poll stops it."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from tmail_tui import stored_parts
from tmail_tui.api.models import Mailbox
from tmail_tui.config import KEY_VARIABLE
from tmail_tui.store import Store
from tmail_tui.watcher import MailArrived, MailStored, PollFailed, Watcher

from .test_stream import BOX, big_answer, fast_pace, kinds, mail, trickling, watch_until


@pytest.fixture
def children(monkeypatch) -> list[subprocess.Popen]:
    """Every process the parts writer starts; answers of more than 1 MB of new mail go to one."""
    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def spy(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(stored_parts.subprocess, "Popen", spy)
    monkeypatch.setattr(stored_parts, "OFFLOAD_BYTES", 1 << 20)
    monkeypatch.setenv(KEY_VARIABLE, "secret-key-of-the-user")
    return started


def first_poll_store(tmp_path) -> Store:
    store = Store(tmp_path / "s.db")
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1}))
    store.record_poll(BOX, [])  # polled once, empty: what comes now is news
    return store


def answer(count: int) -> list[dict]:
    """`count` messages of ~20 KB of one second, newest first; one id twice (the first wins), some without `to`."""
    messages = [mail(n, 20_000) | {"receivedAt": "2026-11-20 10:00:00"} for n in range(count - 1, -1, -1)]
    for message in messages[::7]:
        del message["to"]
    return messages[:100] + [messages[5] | {"subject": "a second copy"}] + messages[100:]


async def test_a_big_first_poll_is_stored_by_a_process_of_its_own_as_one_process_would(tmp_path, children):
    store = first_poll_store(tmp_path)
    messages = answer(400)
    watcher = Watcher(trickling([big_answer(messages), []]), store, fast_pace(), in_view=BOX)
    events = await watch_until(watcher, lambda ev: "MailArrived" in kinds(ev))

    assert len(children) == 1 and children[0].args[3:5] == ["tmail_tui.stored_parts", str(store.path)]
    order = kinds(events)
    assert order.index("MailStored") < order.index("PollSucceeded") < order.index("MailArrived")  # parts shown
    arrived = [e for e in events if isinstance(e, MailArrived)]
    assert len(arrived) == 1 and len(arrived[0].rows) == 400  # news told once, the copy not counted
    summaries = store.summaries(BOX)
    assert [r.id for r in summaries] == [m["id"] for m in messages if m["subject"] != "a second copy"]
    assert all(r.mailbox == BOX for r in summaries)  # (those without `to` belong to the box polled)
    assert next(r for r in summaries if r.id == messages[5]["id"]).subject != "a second copy"
    assert store.box(BOX).total == 400 and store.box(BOX).polling_until is None
    children[0].wait(5)
    assert children[0].returncode == 0


async def test_the_process_never_gets_the_key(tmp_path, children, monkeypatch):
    seen: list[dict] = []
    real = stored_parts.subprocess.Popen
    monkeypatch.setattr(stored_parts.subprocess, "Popen", lambda *a, **k: (seen.append(k["env"]), real(*a, **k))[1])
    store = first_poll_store(tmp_path)
    watcher = Watcher(trickling([big_answer(answer(200)), []]), store, fast_pace(), in_view=BOX)
    await watch_until(watcher, lambda ev: "MailArrived" in kinds(ev))
    assert len(seen) == 1 and KEY_VARIABLE not in seen[0] and "secret-key-of-the-user" not in seen[0].values()
    assert store.box(BOX).total == 200


async def test_a_small_first_poll_starts_no_process(tmp_path, children):
    store = first_poll_store(tmp_path)
    watcher = Watcher(trickling([answer(20), []]), store, fast_pace(), in_view=BOX)
    events = await watch_until(watcher, lambda ev: "MailArrived" in kinds(ev))
    assert children == [] and len(next(e for e in events if isinstance(e, MailArrived)).rows) == 20


async def test_a_process_that_fails_fails_the_poll_in_its_words_and_the_next_poll_completes_the_box(
        tmp_path, children, monkeypatch):
    failing = "import sys; sys.stdin.buffer.read(10); print('the disk is full', file=sys.stderr); sys.exit(1)"
    monkeypatch.setattr(stored_parts, "child_command", lambda *args: [sys.executable, "-c", failing])
    store = first_poll_store(tmp_path)
    messages = answer(300)
    watcher = Watcher(trickling([big_answer(messages), messages]), store, fast_pace(), in_view=BOX)
    events = await watch_until(watcher, lambda ev: "MailArrived" in kinds(ev)[kinds(ev).index("PollSucceeded"):]
                               if "PollSucceeded" in kinds(ev) else False)
    failed = [e for e in events if isinstance(e, PollFailed)]
    assert len(failed) == 1 and failed[0].problem.startswith("Storing the new mail failed: the disk is full. ")
    # what was stored stayed, the retry (a box with mail: no process) stored the rest, each message told once
    assert sorted(r.id for r in store.summaries(BOX)) == sorted({m["id"] for m in messages})
    told = [row.id for e in events if isinstance(e, (MailArrived, MailStored)) for row in e.rows]
    assert sorted(set(told)) == sorted({m["id"] for m in messages}) and len(children) == 1


async def test_a_cancelled_first_poll_stops_its_process(tmp_path, children):
    store = first_poll_store(tmp_path)
    slow = big_answer(answer(400))
    slow.pause = 2.0  # the first pieces arrive, then the poll waits
    watcher = Watcher(trickling([slow]), store, fast_pace(), in_view=BOX)
    task = asyncio.ensure_future(watch_until(watcher, lambda ev: False))
    for _ in range(100):
        if children:
            break
        await asyncio.sleep(0.05)
    assert children, "no process was started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(children[0].wait, 5) != 0  # killed, not left running
    assert store.box(BOX).polling_until is None  # the claim is given up
