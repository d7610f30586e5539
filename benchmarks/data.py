"""Benchmark data, generated here: realistic HTML mail (20-60 KB), boxes of N messages, a 1 MB newsletter, and the
API's answers, served over loopback HTTP by a server in its own process (`benchmarks.serve`), so its work is not
counted as tmail's.

The bodies are the emulator's newsletter and receipt, varied (issue numbers, order numbers, tracking ids, greetings
in four languages, so some non-ASCII) and repeated to a size drawn between 20 and 60 KB: what a box filled by a
mailing list or a load test holds. The API's JSON escapes every quote and line break of that HTML, as a real
server's does.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from tmail_tui.api import TempMailClient
from tmail_tui.api.models import Mailbox, Message
from tmail_tui.config import Config
from tmail_tui.emulator.feed import NEWSLETTER_HTML, RECEIPT_HTML
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store
from tmail_tui.tui.app import TmailApp

from .serve import quota

BOX = "bench.box@quickbox.test"
_NEWS = NEWSLETTER_HTML.split("<body>", 1)[1].rsplit("</body>", 1)[0]
_RECEIPT = RECEIPT_HTML.split(">", 2)[2].rsplit("</body>", 1)[0]
_GREETINGS = ("Hello there", "Grüße aus Köln", "Bonjour à tous", "こんにちは")


def html_body(n: int) -> str:
    """The n-th realistic HTML mail: 20-60 KB, always the same for the same n."""
    rng = random.Random(n)
    size = rng.randint(20_000, 60_000)
    parts, total, k = [], 0, 0
    while total < size:
        chunk = (_NEWS if rng.random() < 0.6 else _RECEIPT).replace("#142", f"#{n}-{k}")
        chunk = chunk.replace("A-20931", f"A-{n}{k}").replace("8f3a", f"{rng.getrandbits(32):08x}")
        chunk = chunk.replace("Hello there", rng.choice(_GREETINGS))
        parts.append(chunk)
        total += len(chunk)
        k += 1
    return "<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>"


def message_json(n: int, content: str = "", html: bool = False, *, realistic: bool = False, to: str = BOX) -> dict:
    """Message n of a box, newest last (n is its second); `realistic` gives it a 20-60 KB HTML body."""
    hour, minute, second = n // 3600 % 24, n // 60 % 60, n % 60
    if realistic:
        content, html = html_body(n), True
    return {"id": f"m{n:07d}", "to": to, "subject": f"Message number {n}: your weekly digest",
            "from": f"Sender {n % 97}", "from_email": f"sender{n % 97}@example.org",
            "receivedAt": f"2026-06-{1 + n // 86400 % 28:02d} {hour:02d}:{minute:02d}:{second:02d}",
            "is_seen": n % 3 == 0, "html": html, "content": content or f"Body of message {n}.\n" * 5,
            "attachments": [{"name": "a.pdf", "size": 1000}] if n % 10 == 0 else []}


def answer(messages: list[dict], address: str = BOX) -> bytes:
    """The API's answer to GET /api/messages, newest first as the API sends it."""
    return json.dumps({"status": True, "mailbox": address, "messages": messages[::-1]}).encode()


def big_html(size: int = 1_000_000) -> str:
    parts, total, n = [], 0, 0
    while total < size:
        chunk = _NEWS.replace("Issue #142", f"Issue #{n}")
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return "<html><body>" + "".join(parts) + "</body></html>"


class FakeApi:
    """A MockTransport serving a fixed list of messages after `delay` seconds; `messages` may be replaced between
    polls. For small answers only: a big one goes through `AnswerServer`, as over a network."""

    def __init__(self, messages: list[dict], delay: float = 0.0) -> None:
        self.messages = messages
        self.calls = 0
        self.delay = delay

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            self.calls += 1
            time.sleep(self.delay)
            body = {"status": True, "mailbox": BOX, "messages": self.messages}
            return httpx.Response(200, content=json.dumps(body), headers=quota(self.calls))

        return httpx.MockTransport(handler)


class AnswerServer:
    """`python -m benchmarks.serve FOLDER` in its own process: GET /api/messages?email=X answers with the bytes of
    FOLDER/X.json (or an empty box), with quota headers. Write a box's file to change what the next poll gets."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.serve", str(folder)],
                                        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
        self.base_url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def put(self, address: str, body: bytes) -> None:
        partial = self.folder / f".{address}.part"
        partial.write_bytes(body)
        os.replace(partial, self.folder / f"{address}.json")

    def url(self, address: str = BOX) -> str:
        return f"{self.base_url}/api/messages?email={address}"

    def requests(self) -> int:
        with socket.create_connection(("127.0.0.1", int(self.base_url.rsplit(":", 1)[1]))) as conn:
            conn.sendall(b"GET /count HTTP/1.1\r\n\r\n")
            return int(conn.recv(100).split(b"\r\n\r\n", 1)[1])

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()

    def __enter__(self) -> AnswerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def save_box(store: Store, address: str = BOX, age: float = 3600.0) -> None:
    """A box made `age` seconds ago (past its first five minutes: polled at the in-view pace) that lives a day."""
    now = time.time()
    store.save_box(Mailbox.from_api({"email": address, "id": 1, "created_at": iso(now - age),
                                     "expire_at": iso(now + 86400)}))


def settle_archive(path: Path) -> None:
    """The reader keeps a search index of the store (archive.py) and starts a process converting every body not
    indexed yet: a store made here is taken as already indexed (as one the reader has had open a while), or that
    process would spend minutes converting the benchmark's mail beside what is measured."""
    try:
        from tmail_tui.archive import Archive
    except ImportError:  # a tmail from before the archive (the benchmark also measures older versions)
        return
    store = Store(path)
    Archive(store).close()  # installs the index's tables and triggers; the mail stored so far is pending
    with store._transaction() as db:
        db.execute("UPDATE archive_docs SET indexed = version")
    store.close()


def make_store(folder: Path, messages: list[dict] | int, *, address: str = BOX, boxes: int = 1) -> Path:
    """A store file holding `boxes` boxes (the first is `address`, holding `messages`, or that many small ones),
    its search index up to date (see `settle_archive`); returns its path (each app opens, and closes, its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    settle_archive(folder / "bench.db")  # the index's triggers first: they fill it as the mail is stored
    store = Store(folder / "bench.db")
    for extra in range(boxes - 1, 0, -1):
        save_box(store, f"other{extra}@quickbox.test")
    save_box(store, address)
    if isinstance(messages, int):
        for start in range(0, messages, 20_000):  # a million messages in batches: one poll's transaction each
            store.record_poll(address, [Message.from_api(message_json(n, to=address))
                                        for n in range(start, min(start + 20_000, messages))])
    else:
        store.record_poll(address, [Message.from_api(m) for m in messages])
    store.close()
    settle_archive(folder / "bench.db")
    return folder / "bench.db"


def make_app(folder: Path, store_path: Path, api: FakeApi | None = None, *, interval: float | None = 3600.0,
             base_url: str = "https://bench.test") -> TmailApp:
    """The real app on a store; its API is `api` (a mock transport) or the server at `base_url`. `interval` None:
    the real polling pace."""
    store = Store(store_path)
    config = Config(api_key="bench-key", base_url=base_url, bell=False, store_path=store_path,
                    download_dir=folder / "dl")
    client = TempMailClient("bench-key", base_url, transport=api.transport() if api else None)
    policy = PollPolicy() if interval is None else PollPolicy(fast=interval, in_view=interval, background=interval)
    return TmailApp(config, store=store, api=client, policy=policy)
