"""The API client against the emulator over real loopback HTTP, and against MockTransport for odd servers."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from tmail_tui.api import (
    ApiError,
    AuthError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    PlanError,
    QuotaError,
    ServerError,
    TempMailClient,
)
from tmail_tui.emulator import Emulator
from tmail_tui.emulator.feed import FeedAttachment, FeedMessage

from .conftest import KEY


@pytest.fixture
async def api(emulator):
    async with TempMailClient(KEY, emulator.base_url, timeout=5) as client:
        yield client


def mail(subject="Hello", attachments=()):
    return FeedMessage(subject, "Sender", "sender@example.org", "<p>Hi</p>", html=True,
                       attachments=list(attachments))


async def test_every_endpoint_round_trip(api, emulator, tmp_path):
    domains = await api.domains("all")
    assert {d.domain for d in domains.domains} == {"quickbox.test", "mailfly.test", "vipmail.test"}
    assert domains.allowed_types == ("free", "premium")
    assert [d.is_premium for d in (await api.domains("premium")).domains] == [True]

    box = await api.create_mailbox()
    assert box.email.endswith("@quickbox.test") and box.id
    assert box.expire_at is not None and box.expire_at.tzinfo is not None
    assert 590 <= (box.expire_at - datetime.now(timezone.utc)).total_seconds() <= 601

    msg_id = emulator.deliver(box.email, mail(attachments=[FeedAttachment("a.txt", b"hello")]))
    [listed] = await api.messages(box.email)
    assert (listed.id, listed.subject, listed.is_seen, listed.is_html) == (msg_id, "Hello", False, True)
    assert listed.received_at is not None and listed.received_at.tzinfo == timezone.utc
    assert listed.attachments[0].name == "a.txt" and listed.attachments[0].size == 5

    read = await api.message(msg_id)
    assert read.is_seen is True  # reading marks it seen, as documented
    saved = await api.download_attachment(msg_id, "a.txt", tmp_path, listed_size=listed.attachments[0].size)
    assert saved.path.read_bytes() == b"hello" and saved.size == 5 and saved.warning == ""

    renamed = await api.change_mailbox(box.email, "chosen.name", "mailfly.test")
    assert renamed.email == "chosen.name@mailfly.test" and renamed.id != box.id
    assert [m.id for m in await api.messages(renamed.email)] == [msg_id]
    with pytest.raises(NotFoundError):
        await api.messages(box.email)

    assert "deleted" in (await api.delete_message(msg_id)).lower()
    assert await api.messages(renamed.email) == []
    assert "deleted" in (await api.delete_mailbox(renamed.email)).lower()
    with pytest.raises(NotFoundError, match="expired"):
        await api.messages(renamed.email)


async def test_key_only_in_the_header(api, emulator):
    await api.create_mailbox()
    method, path, headers = emulator.requests[-1]
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["accept"] == "application/json"
    assert KEY not in path
    assert KEY not in repr(api)


async def test_quota_headers_are_read_and_count_only_success(api, emulator):
    await api.domains()
    first = api.quota
    assert first.limit == 50_000 and first.used == 1 and first.remaining == 49_999
    assert first.reset is not None and first.reset.day == 1
    with pytest.raises(NotFoundError):
        await api.messages("nobody@quickbox.test")
    assert api.quota.used == 1  # a 404 costs nothing
    await api.domains()
    assert api.quota.used == 2


async def test_quota_exhausted_is_429_with_reset(emulator):
    emulator.quota_limit = 2
    async with TempMailClient(KEY, emulator.base_url) as api:
        await api.domains()
        await api.domains()
        with pytest.raises(QuotaError) as caught:
            await api.domains()
    assert caught.value.reset == emulator.quota_reset()
    assert "resets at" in str(caught.value)
    assert api.quota.remaining == 0


async def test_wrong_key_is_refused(emulator):
    async with TempMailClient("wrong-key", emulator.base_url) as api:
        with pytest.raises(AuthError, match="key was refused") as caught:
            await api.domains()
    assert "wrong-key" not in str(caught.value)


@pytest.mark.parametrize("key", ["", "  ", "two words", "line\nbreak"])
def test_unusable_key_is_refused_before_any_request(key):
    with pytest.raises(AuthError, match="No usable API key"):
        TempMailClient(key, "http://127.0.0.1:9")


async def test_plan_and_name_errors(emulator):
    emulator.plan = "free"
    async with TempMailClient(KEY, emulator.base_url) as api:
        assert [d.domain for d in (await api.domains("free")).domains] == ["quickbox.test", "mailfly.test"]
        with pytest.raises(PlanError, match="plan"):
            await api.domains("premium")
        box = await api.create_mailbox()
        with pytest.raises(PlanError):
            await api.change_mailbox(box.email, "vip.name", "vipmail.test")
        with pytest.raises(InvalidRequestError, match="422"):
            await api.change_mailbox(box.email, "Bad Name!", "quickbox.test")
        with pytest.raises(InvalidRequestError):
            await api.domains("gold")


async def test_expired_box_is_404(api, emulator):
    box = await api.create_mailbox()
    emulator.advance(601)
    with pytest.raises(NotFoundError):
        await api.messages(box.email)


async def test_hostile_ids_are_percent_encoded(api, emulator, tmp_path):
    box = await api.create_mailbox()
    weird = "a/b?c#d%e f"
    emulator.deliver(box.email, mail(attachments=[FeedAttachment("x/../y?.txt", b"data")]), message_id=weird)
    message = await api.message(weird)
    assert message.id == weird
    assert emulator.requests[-1][1] == "/api/messages/a%2Fb%3Fc%23d%25e%20f"
    with pytest.raises(NotFoundError):
        await api.message("..")
    assert emulator.requests[-1][1] == "/api/messages/%2E%2E"
    saved = await api.download_attachment(weird, "x/../y?.txt", tmp_path)
    assert emulator.requests[-1][1] == "/api/messages/a%2Fb%3Fc%23d%25e%20f/attachments/x%2F..%2Fy%3F.txt"
    assert saved.path == tmp_path / "y_.txt" and saved.path.read_bytes() == b"data"


@pytest.mark.parametrize(("mode", "error", "words"), [
    ("error500", ServerError, "server had an error"),
    ("error502", ServerError, "502"),
    ("error503", ServerError, "503"),
    ("html", ServerError, "not JSON"),
    ("malformed", ServerError, "not JSON"),
    ("truncated", NetworkError, "broke off"),
    ("status_false", ApiError, "Something went wrong"),
    ("drop", NetworkError, "broke off"),
    ("429", QuotaError, r"limiting requests \(429\); tmail will slow down"),
])
async def test_faults_become_clear_errors(api, emulator, mode, error, words):
    box = await api.create_mailbox()
    emulator.add_fault(mode, count=1)
    with pytest.raises(error, match=words):
        await api.messages(box.email)
    assert await api.messages(box.email) == []  # and the next call works again


async def test_timeout_is_a_network_error(emulator):
    emulator.add_fault("slow", count=1, delay=1.0)
    async with TempMailClient(KEY, emulator.base_url, timeout=0.2) as api:
        with pytest.raises(NetworkError, match="did not answer in time"):
            await api.domains()


async def test_connection_refused_is_a_network_error():
    with Emulator(KEY) as emu:
        url = emu.base_url
    async with TempMailClient(KEY, url, timeout=2) as api:
        with pytest.raises(NetworkError, match="Could not connect"):
            await api.domains()


async def test_download_streams_and_leaves_nothing_when_cut(api, emulator, tmp_path):
    box = await api.create_mailbox()
    big = bytes(range(256)) * 4096  # 1 MiB
    msg_id = emulator.deliver(box.email, mail(attachments=[FeedAttachment("big.bin", big)]))
    emulator.add_fault("drop_body", count=1, path="/api/messages/")
    with pytest.raises(NetworkError):
        await api.download_attachment(msg_id, "big.bin", tmp_path)
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary file
    first = await api.download_attachment(msg_id, "big.bin", tmp_path)
    second = await api.download_attachment(msg_id, "big.bin", tmp_path)
    assert (first.path.name, second.path.name) == ("big.bin", "big (1).bin")
    assert first.path.read_bytes() == big == second.path.read_bytes()


async def test_missing_attachment_is_404(api, emulator, tmp_path):
    box = await api.create_mailbox()
    msg_id = emulator.deliver(box.email, mail())
    with pytest.raises(NotFoundError):
        await api.download_attachment(msg_id, "nope.txt", tmp_path)
    assert list(tmp_path.iterdir()) == []


async def test_server_echoing_the_key_is_redacted():
    def handler(request):
        return httpx.Response(403, json={"status": False, "message": f"key {KEY} is not allowed"})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(PlanError) as caught:
            await api.domains()
    assert KEY not in str(caught.value) and "***" in str(caught.value)


async def test_tolerates_documented_shapes_with_nulls_and_extras():
    """The documented example, plus unknown fields and nulls where strings were shown."""
    listing = {
        "status": True, "mailbox": "randombox@example.com", "extra": {"x": 1},
        "messages": [
            {"is_seen": False, "subject": None, "from": None, "from_email": "hello@example.org",
             "to": "randombox@example.com", "receivedAt": "not a date", "id": "ap94AWDg123",
             "html": True, "content": None, "attachments": None, "new_field": [1, 2]},
            {"id": None, "subject": "no id: skipped"},
            {"id": 42, "receivedAt": "2026-06-28 09:37:26", "attachments": [{"name": "f.txt", "size": "91"},
                                                                            {"name": None}]},
        ],
    }

    def handler(request):
        assert request.headers["authorization"] == f"Bearer {KEY}"
        return httpx.Response(200, json=listing, headers={"X-RateLimit-Remaining": "12"})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        first, second = await api.messages("randombox@example.com")
    assert (first.subject, first.from_name, first.content, first.attachments) == ("", "", "", ())
    assert first.received_at is None and first.received_raw == "not a date"
    assert second.id == "42" and second.mailbox == "randombox@example.com"
    assert second.received_at == datetime(2026, 6, 28, 9, 37, 26, tzinfo=timezone.utc)
    assert second.attachments[0].size == 91 and len(second.attachments) == 1
    assert api.quota.remaining == 12 and api.quota.limit is None


async def test_no_redirects_are_followed():
    """A redirect could carry the Authorization header to another host: it is an error, never followed."""
    hosts = []

    def handler(request):
        hosts.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/api/domains"})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(ApiError, match="302"):
            await api.domains()
    assert hosts == ["api.test"]


async def test_error_body_that_is_not_json_is_handled():
    def handler(request):
        return httpx.Response(500, content=b"<html>oops</html>", headers={"content-type": "text/html"})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(ServerError, match=r"\(500\)"):
            await api.messages("a@b.c")


async def test_status_false_in_a_200_is_an_error():
    def handler(request):
        return httpx.Response(200, content=json.dumps({"status": False, "message": "Mailbox limit reached"}))

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(ApiError, match="Mailbox limit reached"):
            await api.create_mailbox()


async def test_invalid_utf8_in_one_message_does_not_hide_the_box():
    body = (b'{"status": true, "messages": [{"id": "m1", "subject": "caf\xe9 \xff\xfe", "to": "a@b.c"},'
            b' {"id": "m2", "subject": "fine", "from": "\\ud800lone"}]}')

    def handler(request):
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        first, second = await api.messages("a@b.c")
    assert first.subject == "caf\ufffd \ufffd\ufffd" and second.from_name == "\ufffdlone"


async def test_polls_run_in_one_kept_thread_and_a_poll_stuck_on_a_silent_server_holds_up_no_other():
    """The polls' thread is kept between polls (one started per poll cost the idle reader most of a poll's CPU);
    a poll cancelled while its server says nothing still waits out its read there, and the next poll must not queue
    behind it."""
    import asyncio
    import threading

    threads: list[threading.Thread] = []  # (the objects: a new thread may get an ended one's ident)
    silent = threading.Event()

    def handler(request):
        threads.append(threading.current_thread())
        if request.url.params["email"] == "stuck@quickbox.test":
            silent.wait(10)
        return httpx.Response(200, json={"status": True, "messages": [{"id": "1", "subject": "hi"}]})

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        for _ in range(3):
            assert [m.id for m in await api.messages("box@quickbox.test")] == ["1"]
        assert len(set(threads)) == 1 and threads[0] is not threading.current_thread()
        stuck = asyncio.ensure_future(api.messages("stuck@quickbox.test"))
        while len(threads) < 4:
            await asyncio.sleep(0.01)
        stuck.cancel()
        assert [m.id for m in await asyncio.wait_for(api.messages("box@quickbox.test"), 5)] == ["1"]
        silent.set()
        assert threads[4] is not threads[0]
