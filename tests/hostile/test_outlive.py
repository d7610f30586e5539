"""The reader outlives its server (issue 16): a spent quota ends by itself at its reset, headers that cannot be read
are not obeyed, a stray 404 page does not expire a live box, an unexpected answer backs off instead of looping,
and each problem is said once and shown until it is over. Driven through Pilot against a scripted server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx

from tmail_tui.api import TempMailClient
from tmail_tui.api.models import Mailbox
from tmail_tui.config import Config
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store
from tmail_tui.tui.app import TmailApp

from ..conftest import KEY
from ..tui.helpers import notifications, rows_shown, screen_text, wait_for

BOX = "live.box@quickbox.test"


class Script:
    """The server's answers: `next` (a list of responses) first, then the box's messages with `quota` headers."""

    def __init__(self) -> None:
        self.next: list[httpx.Response] = []
        self.messages = [{"id": "m1", "to": BOX, "subject": "kept", "receivedAt": "2026-06-28 09:30:00",
                          "html": False, "content": "hi"}]
        self.quota = {"X-RateLimit-Limit": "50000", "X-RateLimit-Remaining": "40000",
                      "X-RateLimit-Reset": (datetime.now(timezone.utc) + timedelta(days=20)).isoformat()}
        self.polls = 0

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/messages":
                self.polls += 1
            if self.next:
                return self.next.pop(0)
            if request.url.path == "/api/domains":
                return httpx.Response(200, json={"status": True, "data": {"domains": []}}, headers=self.quota)
            return httpx.Response(200, content=json.dumps({"status": True, "messages": self.messages}),
                                  headers=self.quota)

        return httpx.MockTransport(handler)

    def deliver(self, subject: str) -> None:
        self.messages.append({"id": f"m{len(self.messages) + 1}", "to": BOX, "subject": subject,
                              "receivedAt": f"2026-06-28 09:{30 + len(self.messages):02d}:00", "html": False,
                              "content": "new"})


def scripted_app(tmp_path, script: Script, fast: float = 0.2) -> TmailApp:
    store = Store(tmp_path / "store.db")
    now = datetime.now(timezone.utc)
    store.save_box(Mailbox.from_api({"email": BOX, "id": 1, "created_at": now.isoformat(),
                                     "expire_at": (now + timedelta(minutes=10)).isoformat()}))
    config = Config(api_key=KEY, base_url="https://api.test", store_path=tmp_path / "store.db", bell=False,
                    download_dir=tmp_path / "dl")
    api = TempMailClient(KEY, "https://api.test", transport=script.transport())
    return TmailApp(config, store=store, api=api, policy=PollPolicy(fast=fast, in_view=fast, background=fast))


def status(app) -> str:
    return screen_text(app).splitlines()[-2]


async def test_a_spent_quota_ends_at_its_reset_by_itself(tmp_path):
    script = Script()
    app = scripted_app(tmp_path, script)
    async with app.run_test(size=(120, 36)) as pilot:
        messages = await rows_shown(pilot, 1)
        reset = datetime.now(timezone.utc) + timedelta(seconds=2)
        script.quota = {"X-RateLimit-Limit": "50000", "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": reset.isoformat()}
        await wait_for(pilot, lambda: "Quota used up: checking resumes at" in status(app), what="the pause")
        script.quota = {"X-RateLimit-Limit": "50000", "X-RateLimit-Remaining": "50000",
                        "X-RateLimit-Reset": (reset + timedelta(days=30)).isoformat()}
        script.deliver("after the reset")
        await wait_for(pilot, lambda: messages.row_count == 2, timeout=10, what="mail after the reset")
        await wait_for(pilot, lambda: "Quota used up" not in status(app), what="the pause over")


async def test_quota_headers_that_cannot_be_read_are_not_obeyed(tmp_path):
    script = Script()
    script.quota = {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-7", "X-RateLimit-Reset": "yesterday"}
    app = scripted_app(tmp_path, script)
    async with app.run_test(size=(120, 36)) as pilot:
        messages = await rows_shown(pilot, 1)
        script.deliver("still checking")
        await wait_for(pilot, lambda: messages.row_count == 2, what="mail despite the nonsense")
        assert "Quota used up" not in status(app) and "yesterday" not in status(app)


async def test_a_stray_404_page_does_not_expire_a_live_box(tmp_path):
    script = Script()
    app = scripted_app(tmp_path, script)
    async with app.run_test(size=(120, 36)) as pilot:
        messages = await rows_shown(pilot, 1)
        script.next = [httpx.Response(404, content=b"<html><h1>404 Not Found</h1></html>")]
        await wait_for(pilot, lambda: any("not yet believed" in n for n in notifications(app)),
                       what="the 404, said and not believed")
        script.deliver("after the stray 404")
        await wait_for(pilot, lambda: messages.row_count == 2, timeout=10, what="later mail")
        assert app.store.box(BOX).gone_at is None
        assert "expired" not in screen_text(app).split("Messages")[0]


async def test_an_unexpected_answer_backs_off_and_is_said_once(tmp_path):
    script = Script()
    app = scripted_app(tmp_path, script, fast=0.3)
    async with app.run_test(size=(120, 36)) as pilot:
        await rows_shown(pilot, 1)
        deep = b'{"status": true, "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        script.next = [httpx.Response(200, content=deep) for _ in range(50)]
        before = script.polls
        await wait_for(pilot, lambda: "Retrying in" in status(app), what="the problem in the status line")
        await pilot.pause(2.0)
        assert script.polls - before <= 5  # 0.3 s, 0.6 s, 1.2 s... not hundreds
        assert sum("Cannot check mail" in n for n in notifications(app)) == 1  # one notice for the outage
        script.next = []
        await wait_for(pilot, lambda: "Retrying in" not in status(app), timeout=10, what="the problem over")
