"""The client against servers that misbehave (issues 13 and 16): every answer becomes a TmailError a person can read,
a 404 says whether the API itself said it, every request has a deadline, and the key never shows."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from rich.console import Console
from rich.traceback import Traceback

from tmail_tui import config
from tmail_tui.api import (
    ApiError,
    AuthError,
    NetworkError,
    NotFoundError,
    QuotaError,
    ServerError,
    TempMailClient,
    TmailError,
)
from tmail_tui.api.client import check_key, normalize_base_url
from tmail_tui.api.errors import ConfigError
from tmail_tui.api.models import Mailbox, Message, Quota, parse_time

from .conftest import KEY
from .raw_server import RawServer, head


def mock(handler) -> TempMailClient:
    return TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler))


def answer(status: int = 200, body: object = None, content: bytes | None = None, **headers: str):
    """A MockTransport handler that always gives the same answer."""
    def handler(request):
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)
    return handler


# --- issue 13 item 1: the base URL with or without /api ------------------------------------------------------------

@pytest.mark.parametrize("given", ["https://host.test", "https://host.test/", "https://host.test/api",
                                   "https://host.test/api/", "https://host.test/API//", " https://host.test/api "])
def test_base_url_with_or_without_api_is_the_same_server(given):
    assert normalize_base_url(given) == "https://host.test"


def test_base_url_under_a_path_keeps_the_path():
    assert normalize_base_url("https://host.test/tempmail/api/") == "https://host.test/tempmail"


async def test_client_given_the_api_suffix_hits_the_same_paths(emulator):
    async with TempMailClient(KEY, emulator.base_url + "/api/", timeout=5) as api:
        assert api.base_url == emulator.base_url
        box = await api.create_mailbox()
        assert await api.messages(box.email) == []
    assert [path.split("?")[0] for _, path, _ in emulator.requests] == ["/api/emails", "/api/messages"]


def test_config_normalises_the_base_url(home, monkeypatch):
    monkeypatch.setenv("TMAIL_BASE_URL", "https://v1.tempmailg.com/api/")
    assert config.load().base_url == "https://v1.tempmailg.com"
    assert config.load(base_url="https://other.test/api").base_url == "https://other.test"


@pytest.mark.parametrize("bad", ["ftp://nope", "v1.tempmailg.com", "https://", "https://host:99999",
                                 "https://user:pw@host.test", "https://host.test/?x=1"])
def test_unusable_base_urls_are_refused_with_a_reason(bad):
    with pytest.raises(ConfigError, match="base URL") as caught:
        normalize_base_url(bad)
    assert "must start with https://" not in str(caught.value) or "http://" in str(caught.value)


def test_the_scheme_message_no_longer_says_https_only(home, monkeypatch):
    monkeypatch.setenv("TMAIL_BASE_URL", "ftp://nope")
    with pytest.raises(config.ConfigError) as caught:
        config.load()
    assert "https://" in str(caught.value) and "http:// only for a server on this machine" in str(caught.value)


# --- issue 16 item 9: plain http only to this machine, unless the user opts in ----------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:8025", "http://127.1.2.3", "http://[::1]:8025",
                                 "http://localhost:8025", "http://LOCALHOST"])
def test_plain_http_to_this_machine_is_fine(url):
    assert normalize_base_url(url).startswith("http://")


@pytest.mark.parametrize("url", ["http://v1.tempmailg.com", "http://10.0.0.5:8025", "http://0.0.0.0",
                                 "http://localhost.evil.test"])
def test_plain_http_elsewhere_is_refused_unless_opted_in(url):
    with pytest.raises(ConfigError, match="in clear") as caught:
        TempMailClient(KEY, url)
    assert "allow_insecure = true" in str(caught.value) and "--insecure" in str(caught.value)
    assert TempMailClient(KEY, url, insecure=True).base_url.startswith("http://")


def test_config_opt_in_to_plain_http(home, monkeypatch):
    monkeypatch.setenv("TMAIL_BASE_URL", "http://mail.example.test")
    with pytest.raises(config.ConfigError, match="in clear"):
        config.load()
    assert config.load(insecure=True).allow_insecure is True
    monkeypatch.setenv("TMAIL_INSECURE", "1")
    loaded = config.load()
    assert loaded.allow_insecure and loaded.base_url == "http://mail.example.test"
    monkeypatch.delenv("TMAIL_INSECURE")
    config.save({"allow_insecure": True})
    assert config.load().allow_insecure is True


# --- issue 16 item 2: does a 404 come from the API? ---------------------------------------------------------------

@pytest.mark.parametrize(("body", "api_said"), [
    ({"status": False, "message": "Mailbox not found."}, True),
    ({"status": False}, True),
    (b"<html><body><h1>404 Not Found</h1>nginx</body></html>", False),
    (b"", False),
    ({"message": "The route api/api/messages could not be found."}, False),  # a framework, not the API: wrong URL
    ([], False),
    ({"status": True}, False),
])
async def test_a_404_says_whether_the_api_said_it(body, api_said):
    handler = answer(404, content=body) if isinstance(body, bytes) else answer(404, body)
    async with mock(handler) as api:
        with pytest.raises(NotFoundError) as caught:
            await api.messages("box@quickbox.test")
    assert caught.value.api_said is api_said
    if not api_said:
        assert "not the API's" in str(caught.value) and "base URL" in str(caught.value)


async def test_the_emulators_404_is_the_apis_own(api_client):
    with pytest.raises(NotFoundError) as caught:
        await api_client.messages("nobody@quickbox.test")
    assert caught.value.api_said is True


async def test_a_404_on_domains_means_the_base_url_is_wrong(emulator):
    async with TempMailClient(KEY, emulator.base_url + "/wrong", timeout=5) as api:
        with pytest.raises(NotFoundError, match="the base URL looks wrong"):
            await api.domains()


@pytest.fixture
async def api_client(emulator):
    async with TempMailClient(KEY, emulator.base_url, timeout=5) as client:
        yield client


# --- issue 16 item 3: a total deadline ----------------------------------------------------------------------------

def trickle(conn, stopped):
    """Promises 1,000 bytes and sends one every 50 ms: every read timeout is happy, the answer never ends."""
    conn.sendall(head(200, content_type="application/json", content_length=1000) + b"{")
    while not stopped.wait(0.05):
        conn.sendall(b" ")


async def test_a_trickling_answer_hits_the_deadline():
    with RawServer(trickle) as server:
        async with TempMailClient(KEY, server.base_url, timeout=5, deadline=0.5) as api:
            started = time.monotonic()
            with pytest.raises(NetworkError) as caught:
                await asyncio.wait_for(api.domains(), 10)
            assert time.monotonic() - started < 3
    assert str(caught.value) == (f"127.0.0.1:{server.base_url.rsplit(':', 1)[1]} did not answer in time (within "
                                 "0.5 s). Check your connection; tmail will retry.")


async def test_connection_refused_names_the_port():
    with RawServer(trickle) as server:
        url = server.base_url
    async with TempMailClient(KEY, url, timeout=2) as api:
        with pytest.raises(NetworkError, match=f"Could not connect to 127.0.0.1:{url.rsplit(':', 1)[1]}"):
            await api.domains()


async def test_any_transport_failure_is_a_network_error():
    def handler(request):
        raise RuntimeError("something deep inside the transport")

    async with mock(handler) as api:
        with pytest.raises(NetworkError, match="RuntimeError"):
            await api.domains()


# --- issue 16 items 4 and 12: malformed answers -------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = "9" * 5000


async def test_json_nested_too_deep_is_a_server_error_on_every_path():
    async with mock(answer(200, content=DEEP)) as api:
        with pytest.raises(ServerError, match="nested too deeply"):
            await api.messages("a@b.c")
        with pytest.raises(ServerError, match="nested too deeply"):
            await api.domains()
    async with mock(answer(500, content=DEEP)) as api:
        with pytest.raises(ServerError, match=r"\(500\)"):
            await api.domains()


async def test_a_5000_digit_number_does_not_hide_the_mailbox():
    body = ('{"status": true, "messages": [{"id": "m1", "subject": "fine", "attachments": '
            f'[{{"name": "a.txt", "size": {HUGE}}}]}}, {{"id": {HUGE}, "subject": "odd id"}}]}}').encode()
    async with mock(answer(200, content=body)) as api:
        first, second = await api.messages("a@b.c")
    assert first.subject == "fine" and first.attachments[0].size is None
    sized = Message.from_api({"id": "m", "attachments": [{"name": "a", "size": 1e300}, {"name": "b", "size": 2**70}]})
    assert [a.size for a in sized.attachments] == [None, None]
    assert second.id == HUGE and second.subject == "odd id"


async def test_duplicate_ids_in_one_answer_count_once_first_wins():
    listing = {"status": True, "messages": [{"id": "a", "subject": "first"}, {"id": "b", "subject": "other"},
                                            {"id": "a", "subject": "again"}]}
    async with mock(answer(200, listing)) as api:
        messages = await api.messages("a@b.c")
    assert [(m.id, m.subject) for m in messages] == [("a", "first"), ("b", "other")]


async def test_a_list_wrapped_in_data_is_read():
    listing = {"status": True, "data": {"messages": [{"id": "a", "subject": "wrapped"}]}}
    async with mock(answer(200, listing)) as api:
        [message] = await api.messages("a@b.c")
    assert message.subject == "wrapped"


async def test_a_parser_that_trips_is_a_server_error(monkeypatch):
    def trip(data):
        raise TypeError("unexpected")

    monkeypatch.setattr(Message, "from_api", staticmethod(trip))
    async with mock(answer(200, {"status": True, "messages": [{"id": "a"}]})) as api:
        with pytest.raises(ServerError, match=r"could not be read \(TypeError\)"):
            await api.messages("a@b.c")


ODD_BODIES = [
    DEEP, f'{{"status": true, "data": {HUGE}}}'.encode(), b"null", b"[]", b'"text"', b"12", b"{}", b"\xff\xfe{",
    b'{"status": true, "data": []}', b'{"status": true, "data": "x", "messages": {}}',
    b'{"status": "false", "messages": [null, 1, "x", {"id": {}}, {"id": []}]}',
    b'{"status": true, "data": {"domains": [1, null, {"domain": 5}, {"domain": {"x": 1}}], "allowed_types": 3}}',
    b'{"status": true, "data": {"email": {"a": 1}, "expire_at": 12, "id": [1], "expires_in_seconds": "x"}}',
    b'{"status": true, "data": {"email": "a@b.c", "expire_at": "9999-12-31T23:59:59-05:00", '
    b'"created_at": "0001-01-01T00:00:00+14:00"}}',
    b'{"status": true, "messages": [{"id": "m", "receivedAt": "9999-12-31 23:59:59", "attachments": '
    b'[{"name": "f", "size": NaN}, {"name": "g", "size": Infinity}, {"name": "h", "size": 1e999}]}]}',
    b'{"status": true, "data": {"id": "m", "receivedAt": "0001-01-01 00:00:00", "to": null}}',
]
CALLS = [
    lambda api: api.domains(), lambda api: api.create_mailbox(), lambda api: api.change_mailbox("a@b.c", "x", "b.c"),
    lambda api: api.delete_mailbox("a@b.c"), lambda api: api.messages("a@b.c"), lambda api: api.message("m"),
    lambda api: api.delete_message("m"),
]


@pytest.mark.parametrize("status", [200, 404, 429, 500])
@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
async def test_no_server_answer_raises_anything_but_a_tmail_error(body, status):
    async with mock(answer(status, content=body, **{"X-RateLimit-Remaining": HUGE, "X-RateLimit-Reset": "x"})) as api:
        for call in CALLS:
            try:
                await call(api)
            except TmailError:
                pass


# --- issue 16 item 12: extreme dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["9999-12-31 23:59:59", "9999-12-31T23:59:59-05:00", "0001-01-01 00:00:00",
                                 "0001-01-01T00:00:00+14:00", "1969-12-31 23:00:00", "9500-01-01 00:00:00"])
def test_extreme_dates_are_unreadable_not_a_crash(raw):
    message = Message.from_api({"id": "m", "receivedAt": raw})
    assert message.received_at is None and message.received_raw == raw
    box = Mailbox.from_api({"email": "a@b.c", "expire_at": raw})
    assert box.expire_at is None and box.expire_at_raw == raw


def test_dates_in_range_convert_to_any_zone():
    for raw in ("8999-12-31 23:59:59", "1970-01-03 00:00:00", "2026-06-28 09:37:26"):
        value = parse_time(raw)
        for hours in (-12, 0, 14):
            value.astimezone(timezone(timedelta(hours=hours)))
        assert datetime.fromtimestamp(value.timestamp(), timezone.utc) == value


def test_extreme_received_at_in_a_zone_east_of_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        message = Message.from_api({"id": "m", "receivedAt": "9999-12-31 23:59:59"})
        assert message.received_at is None
        later = Message.from_api({"id": "m", "receivedAt": "8999-12-31 23:59:59"})
        assert later.received_at.astimezone().year == 9000
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --- issue 16 items 1 and 12: quota headers and 429s -----------------------------------------------------------------

def test_quota_headers_that_cannot_be_read_count_as_absent():
    nonsense = httpx.Headers({"X-RateLimit-Remaining": "-7", "X-RateLimit-Limit": "lots",
                              "X-RateLimit-Reset": "yesterday", "X-RateLimit-Used": HUGE})
    assert Quota.from_headers(nonsense) is None
    partly = Quota.from_headers(httpx.Headers({"X-RateLimit-Remaining": "-7", "X-RateLimit-Limit": "50000",
                                               "X-RateLimit-Reset": "yesterday"}))
    assert partly == Quota(limit=50000)
    too_big = Quota.from_headers(httpx.Headers({"X-RateLimit-Remaining": "9" * 30, "X-RateLimit-Limit": "1e999"}))
    assert too_big is None  # a number beyond any counter would overflow the store, not pace the polls
    past = Quota.from_headers(httpx.Headers({"X-RateLimit-Remaining": "0",
                                             "X-RateLimit-Reset": "2020-01-01T00:00:00+05:00"}))
    assert past.remaining == 0 and past.reset == datetime(2019, 12, 31, 19, tzinfo=timezone.utc)
    assert past.reset_raw == "2020-01-01T00:00:00+05:00"


async def test_nonsense_quota_headers_do_not_replace_a_good_quota():
    replies = iter([{"X-RateLimit-Remaining": "12", "X-RateLimit-Limit": "50"},
                    {"X-RateLimit-Remaining": "-7", "X-RateLimit-Limit": "lots"}])

    def handler(request):
        return httpx.Response(200, json={"status": True, "data": {}}, headers=next(replies))

    async with mock(handler) as api:
        await api.domains()
        await api.domains()
    assert api.quota == Quota(limit=50, remaining=12)


async def test_a_429_with_quota_left_is_a_rate_limit():
    handler = answer(429, {"status": False, "message": "Too Many Attempts."},
                     **{"X-RateLimit-Remaining": "4000", "Retry-After": "30"})
    async with mock(handler) as api:
        with pytest.raises(QuotaError) as caught:
            await api.domains()
    assert str(caught.value).startswith("The server is limiting requests (429); tmail will slow down.")
    assert "quota" not in str(caught.value) and caught.value.spent is False and caught.value.retry_after == 30


async def test_a_429_without_headers_is_a_rate_limit():
    async with mock(answer(429, content=b"")) as api:
        with pytest.raises(QuotaError, match="limiting requests") as caught:
            await api.domains()
    assert caught.value.spent is False and caught.value.retry_after is None


async def test_a_429_with_nothing_remaining_is_the_quota():
    handler = answer(429, {"status": False, "message": "Monthly API quota exceeded."},
                     **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-05-01T00:00:00+05:00"})
    async with mock(handler) as api:
        with pytest.raises(QuotaError, match=r"quota is used up \(429\)\. It resets at") as caught:
            await api.domains()
    assert caught.value.spent is True and caught.value.reset == datetime(2026, 4, 30, 19, tzinfo=timezone.utc)


# --- issue 16 item 12: redirects say where they pointed ------------------------------------------------------------

@pytest.mark.parametrize(("location", "shown"), [
    ("https://other.test/login?next=x", "https://other.test/login?next=x"),
    ("/login", "https://api.test/login"),
    (f"https://other.test/?k={KEY}", "https://other.test/?k=***"),
    ("https://other.test/\u202eexe.txt", "https://other.test/%E2%80%AEexe.txt"),
])
async def test_a_redirect_says_where_it_pointed_and_is_not_followed(location, shown):
    hosts = []

    def handler(request):
        hosts.append(request.url.host)
        return httpx.Response(302, headers=[(b"Location", location.encode())])

    async with mock(handler) as api:
        with pytest.raises(ApiError) as caught:
            await api.domains()
    assert hosts == ["api.test"]
    assert str(caught.value).startswith(f"The server redirected (302) to {shown}: check the base URL.")
    assert KEY not in str(caught.value) and "\u202e" not in str(caught.value)


async def test_a_redirect_without_a_location():
    async with mock(answer(301, content=b"")) as api:
        with pytest.raises(ApiError, match=r"redirected \(301\) without saying where"):
            await api.domains()


# --- issue 16 items 6 and 7: the key ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "words"), [
    ("sk-abc\u2026", r'"…" \(U\+2026\), a character no API key has \(the page shortened the key for display\?\)'),
    ("sk-abc\u00e9def", r'"é" \(U\+00E9\)'),
    ("sk-\x07abc", r"U\+0007,"),
    ("sk abc", "spaces or line breaks"),
    ("sk\u00a0abc", "spaces or line breaks"),
    ("", "it is empty"),
])
def test_a_key_with_characters_no_key_has_is_refused_clearly(home, key, words):
    with pytest.raises(AuthError, match=words) as caught:
        TempMailClient(key, "https://api.test")
    assert "sk-abc" not in str(caught.value)
    with pytest.raises(AuthError, match=words):
        config.save_api_key(key)
    assert not config.config_path().exists()  # nothing written: a later start must not trip over it


def test_a_refused_key_leaves_an_existing_config_alone(home):
    config.save({"base_url": "https://mine.example"})
    before = config.config_path().read_bytes()
    with pytest.raises(AuthError):
        config.save_api_key("copied\u2026")
    assert config.config_path().read_bytes() == before


async def test_check_key_accepts_a_good_key_with_one_cheap_request(emulator):
    quota = await check_key(KEY, emulator.base_url + "/api")
    assert quota.remaining == quota.limit - 1
    assert [(m, p) for m, p, _ in emulator.requests] == [("GET", "/api/domains?type=free")]


async def test_check_key_refuses_a_wrong_key(emulator):
    with pytest.raises(AuthError, match=r"key was refused \(401\)"):
        await check_key("wrong-key", emulator.base_url)


async def test_check_key_refuses_a_malformed_key_without_a_request(emulator):
    with pytest.raises(AuthError, match="U\\+2026"):
        await check_key("abc\u2026", emulator.base_url)
    assert emulator.requests == []


async def test_check_key_reports_an_unreachable_server_as_such():
    with RawServer(trickle) as server:
        url = server.base_url
    with pytest.raises(NetworkError, match="Could not connect"):
        await check_key(KEY, url)


async def test_check_key_with_a_wrong_base_url(emulator):
    with pytest.raises(NotFoundError, match="base URL looks wrong"):
        await check_key(KEY, emulator.base_url + "/nothing-here")


def rendered_traceback(exc: BaseException) -> str:
    """What a crash screen that shows locals (Textual's does) would print for this exception."""
    console = Console(file=io.StringIO(), width=300, record=True)
    console.print(Traceback.from_exception(type(exc), exc, exc.__traceback__, show_locals=True))
    return console.export_text()


def test_no_traceback_of_the_client_shows_the_key():
    with pytest.raises(AuthError) as bad_key:
        TempMailClient(KEY + "\u2026", "https://api.test")
    with pytest.raises(ConfigError) as bad_url:  # raised after the key was taken in
        TempMailClient(KEY, "http://elsewhere.test")
    assert "usable_key" in rendered_traceback(bad_key.value)  # the frames that held the key are shown...
    assert "'authorization': '[secure]'" in rendered_traceback(bad_url.value)  # ...with their locals...
    for caught in (bad_key, bad_url):
        assert KEY not in rendered_traceback(caught.value)  # ...but never the key


def test_no_traceback_of_a_refused_key_shows_it(home):
    with pytest.raises(AuthError) as caught:
        config.save_api_key(KEY + "\u2026")
    assert "save_api_key" in rendered_traceback(caught.value) and KEY not in rendered_traceback(caught.value)


async def test_no_traceback_of_check_key_shows_the_key():
    with pytest.raises(AuthError) as caught:
        await check_key(KEY + "\u2026", "https://api.test")
    assert "check_key" in rendered_traceback(caught.value) and KEY not in rendered_traceback(caught.value)


async def test_no_traceback_from_a_failed_request_shows_the_key():
    def handler(request):
        raise ValueError("boom")

    client = mock(handler)
    with pytest.raises(NetworkError) as caught:
        await client.domains()
    await client.aclose()
    assert KEY not in rendered_traceback(caught.value)


def test_the_key_is_kept_only_in_the_headers():
    client = TempMailClient(KEY, "https://api.test")
    assert all(KEY not in repr(value) for value in vars(client).values())
    assert client._http.headers["authorization"] == f"Bearer {KEY}"


# --- the emulator still works over plain http on loopback -------------------------------------------------------

async def test_the_emulator_on_loopback_http_is_fine(emulator):
    assert emulator.base_url.startswith("http://127.0.0.1:")
    async with TempMailClient(KEY, emulator.base_url) as api:
        assert (await api.domains()).domains


async def test_huge_numbers_are_tolerated_without_lifting_pythons_limit():
    """The fix is local to the client's decoding: int() keeps refusing 5,000 digits everywhere else."""
    async with mock(answer(200, content=f'{{"status": true, "messages": [{{"id": {HUGE}}}]}}'.encode())) as api:
        [message] = await api.messages("a@b.c")
    assert message.id == HUGE
    with pytest.raises(ValueError):
        int(HUGE)
