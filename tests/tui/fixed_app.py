"""A reader whose every input is fixed (clock, time zone, mail, server answers), for snapshots and screenshots."""

from __future__ import annotations

import json
import os
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

NOW = datetime(2026, 6, 28, 9, 40, 0, tzinfo=timezone.utc).timestamp()
BOX = "brisk.otter42@quickbox.test"
OTHER = "signup.test@mailfly.test"


def _message(n: int, subject: str, name: str, email: str, minute: int, content: str, html: bool = False,
             attachments: list[dict] | None = None, seen: bool = False, to: str = BOX) -> dict:
    return {"id": f"msg{n:04d}", "subject": subject, "from": name, "from_email": email, "to": to,
            "receivedAt": f"2026-06-28 09:{minute:02d}:00", "is_seen": seen, "html": html, "content": content,
            "attachments": attachments or []}


MESSAGES = [
    _message(1, "Welcome to your throwaway inbox", "Temp Mail", "hello@tempmail.example", 30,
             "Hi!\n\nThis address is yours until it expires.\n", seen=True),
    _message(2, "The Terminal Weekly #142: small tools, big wins", "The Terminal Weekly", "news@weekly.example.org",
             33, NEWSLETTER_HTML, html=True),
    _message(3, "Your order #A-20931 is confirmed", "Example Shop", "orders@shop.example.com", 35, RECEIPT_HTML,
             html=True, attachments=[{"name": "invoice-A-20931.pdf", "extension": "pdf", "size": 1187}]),
    _message(4, "[EXTERNAL] Win [$100] [b]now[/b] \x1b[2J", "PayPal Security", "phish@evil.example", 37,
             "Click [@click=app.quit]here[/]", seen=True),
    _message(5, "Your verification code: 482913", "Acme Accounts", "no-reply@accounts.acme.example", 38,
             "<p>Use this code: <b>482913</b></p>", html=True),
]


def fixed_api(messages: list[dict]) -> httpx.MockTransport:
    headers = {"X-RateLimit-Limit": "50000", "X-RateLimit-Used": "124", "X-RateLimit-Remaining": "49876",
               "X-RateLimit-Reset": "2026-07-01T00:00:00+00:00"}

    def handler(request: httpx.Request) -> httpx.Response:
        email = request.url.params.get("email", "")
        body = {"status": True, "mailbox": email, "messages": [m for m in messages if m["to"] == email]}
        if request.url.path == "/api/domains":
            body = {"status": True, "data": {"requested_type": "all", "allowed_types": ["free", "premium"],
                    "domains": [{"domain": "quickbox.test", "type": "Free", "custom": False},
                                {"domain": "mailfly.test", "type": "Free", "custom": False},
                                {"domain": "vipmail.test", "type": "Premium", "custom": False}]}}
        return httpx.Response(200, content=json.dumps(body), headers=headers)

    return httpx.MockTransport(handler)


def fixed_app(folder: Path) -> TmailApp:
    os.environ["TZ"] = "UTC"
    time.tzset()
    store = Store(folder / "store.db", clock=lambda: NOW)
    store.save_box(Mailbox.from_api({"email": OTHER, "id": 7, "created_at": "2026-06-28T09:20:00+00:00",
                                     "expire_at": "2026-06-28T09:30:00+00:00"}))
    store.save_box(Mailbox.from_api({"email": BOX, "id": 8, "created_at": "2026-06-28T09:36:00+00:00",
                                     "expire_at": "2026-06-28T09:46:00+00:00"}))
    store.record_poll(OTHER, [Message.from_api(_message(9, "Confirm your subscription", "Newsletter",
                                                        "news@list.example", 21, "Confirm please.", to=OTHER))])
    store.mark_gone(OTHER)
    store.record_poll(BOX, [Message.from_api(m) for m in MESSAGES])
    config = Config(api_key="snapshot-key", base_url="https://api.test", download_dir=folder / "Downloads",
                    bell=False, store_path=folder / "store.db")
    api = TempMailClient("snapshot-key", "https://api.test", transport=fixed_api(MESSAGES))
    return TmailApp(config, clock=lambda: NOW, store=store, api=api, policy=PollPolicy())
