"""Benchmark data, generated here: boxes of N messages, a 1 MB HTML newsletter, a fake API that serves them."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from tmail_tui.api import TempMailClient
from tmail_tui.api.models import Mailbox, Message
from tmail_tui.tui.app import TmailApp
from tmail_tui.config import Config
from tmail_tui.emulator.feed import NEWSLETTER_HTML
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store

BOX = "bench.box@quickbox.test"
QUOTA = {"X-RateLimit-Limit": "50000", "X-RateLimit-Used": "100", "X-RateLimit-Remaining": "49900",
         "X-RateLimit-Reset": "2099-01-01T00:00:00+00:00"}


def message_json(n: int, content: str = "", html: bool = False) -> dict:
    hour, minute, second = n // 3600 % 24, n // 60 % 60, n % 60
    return {"id": f"m{n:07d}", "to": BOX, "subject": f"Message number {n}: your weekly digest",
            "from": f"Sender {n % 97}", "from_email": f"sender{n % 97}@example.org",
            "receivedAt": f"2026-06-{1 + n // 86400 % 28:02d} {hour:02d}:{minute:02d}:{second:02d}",
            "is_seen": n % 3 == 0, "html": html, "content": content or f"Body of message {n}.\n" * 5,
            "attachments": [{"name": "a.pdf", "size": 1000}] if n % 10 == 0 else []}


def big_html(size: int = 1_000_000) -> str:
    body = NEWSLETTER_HTML.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    parts, total, n = [], 0, 0
    while total < size:
        chunk = body.replace("Issue #142", f"Issue #{n}")
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return "<html><body>" + "".join(parts) + "</body></html>"


class FakeApi:
    """A MockTransport serving a fixed list of messages after `delay` seconds; `messages` may be replaced between
    polls."""

    def __init__(self, messages: list[dict], delay: float = 0.0) -> None:
        self.messages = messages
        self.calls = 0
        self.delay = delay

    def transport(self) -> httpx.MockTransport:
        async def handler(request: httpx.Request) -> httpx.Response:
            self.calls += 1
            await asyncio.sleep(self.delay)
            body = {"status": True, "mailbox": BOX, "messages": self.messages}
            return httpx.Response(200, content=json.dumps(body), headers=QUOTA)

        return httpx.MockTransport(handler)


def make_store(folder: Path, messages: list[dict]) -> Path:
    """A store file holding one box with `messages`; returns its path (each app opens, and closes, its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / "bench.db")
    now = time.time()
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1, "created_at": _iso(now - 60),
                                     "expire_at": _iso(now + 86400)}))
    store.record_poll(BOX, [Message.from_api(m) for m in messages])
    store.close()
    return folder / "bench.db"


def _iso(ts: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def make_app(folder: Path, store_path: Path, api: FakeApi, *, interval: float = 3600.0) -> TmailApp:
    store = Store(store_path)
    config = Config(api_key="bench-key", base_url="https://bench.test", bell=False, store_path=store_path,
                    download_dir=folder / "dl")
    client = TempMailClient("bench-key", "https://bench.test", transport=api.transport())
    policy = PollPolicy(fast=interval, in_view=interval, background=interval)
    return TmailApp(config, store=store, api=client, policy=policy)
