"""Async client for the Temp Mail User API: one method per documented endpoint.

The key travels only in the Authorization header; it is never part of a URL, a log line, an error or a repr. It is
kept nowhere else either: not in an attribute or a local a crash report's locals could print, only inside the
client's httpx headers, whose repr shows `[secure]`.
Path segments are percent-encoded one by one, so an id or address can never change which endpoint is hit.

Every answer is the server's, not ours: whatever it sends (HTML, JSON nested 100,000 deep, a 5,000-digit number, a
body that never ends) becomes a TmailError with a sentence for a person, never another exception.
Every JSON request has a total deadline, not only connect and read timeouts: a server trickling one byte a second
passes every read timeout. A download streams instead, so it has a stall timeout (no byte for N s) and a generous
overall bound.

The message list (endpoint 5) is the one answer that can be hundreds of MB: it is streamed in a thread of its own
and split message by message as it arrives (stream.py, with msgspec), never held whole, and a poll decodes only the
messages whose raw JSON the store does not know (`polling`'s `known`). That thread uses httpx's blocking client: the
same HTTP, without the async layers (anyio, an event loop), which cost a poll a third more CPU; the idle reader's
every-15-seconds poll and a 200 MB download both pay that cost, under the GIL, beside the UI.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from .. import __version__
from ..sanitize import one_line, redact
from .errors import (
    ApiError,
    AuthError,
    ConfigError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    PlanError,
    QuotaError,
    ServerError,
    TmailError,
)
from .models import DomainList, Mailbox, Message, Quota
from .stream import ListingReader

if TYPE_CHECKING:
    from ..downloads import SavedFile

DEFAULT_BASE_URL = "https://v1.tempmailg.com"
DOMAIN_TYPES = ("free", "premium", "all")
_MAX_DIGITS = 4000  # below Python's 4,300-digit limit for int(): a longer number stays a string (see _decode)
_T = TypeVar("_T")
Known = Callable[[list[bytes]], dict[bytes, str]]  # fingerprints -> the ids of those stored already
Deliver = Callable[["Listing"], None]  # takes a batch of decoded messages as the answer streams in
DeliverRaw = Callable[[list], None]  # takes a batch of raw messages (JSON bytes, undecoded) as the answer streams in
Fetch = Callable[..., "Listing"]  # endpoint 5, blocking, in the poll thread (see `TempMailClient.polling`)


def segment(value: str) -> str:
    """One percent-encoded path segment. `@` stays (the API shows addresses raw); `.` and `..` are encoded so no
    URL normaliser can resolve them as relative paths."""
    if not value:
        raise InvalidRequestError("An empty address, id or name cannot be sent to the server.")
    encoded = quote(str(value), safe="@")
    return encoded.replace(".", "%2E") if encoded in {".", ".."} else encoded


def _key_problem(key: str) -> str:
    """What is wrong with a key's characters, for a person ("" when nothing is)."""
    if not key:
        return "No usable API key: it is empty. Copy it from your Temp Mail API page."
    for char in key:
        if char.isspace():
            return "No usable API key: it contains spaces or line breaks. Copy it again from your Temp Mail API page."
        if not "\x21" <= char <= "\x7e":
            shown = f'"{char}" (U+{ord(char):04X})' if char.isprintable() else f"U+{ord(char):04X}"
            hint = " (the page shortened the key for display?)" if char == "\u2026" else ""
            return (f"No usable API key: it contains {shown}, a character no API key has{hint}. Copy the whole key "
                    "again from your Temp Mail API page.")
    return ""


def usable_key(key: str) -> str:
    """The key as it will be sent, or AuthError saying what is wrong with it, before it is used or saved.

    A key is printable ASCII without spaces: it goes into an HTTP header. A "…" in it means it was copied from a
    page that shortens keys for display; the message names the character (never the key).
    """
    key = key.strip() if isinstance(key, str) else ""
    problem = _key_problem(key)
    if problem:
        del key  # a crash report shows the locals of every frame an error passed through: not the key
        raise AuthError(problem)
    return key


def is_loopback(host: str) -> bool:
    """True for this machine: localhost, 127.0.0.0/8, ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(url: str, insecure: bool = False) -> str:
    """The base URL every request is built on, or ConfigError saying what is wrong with it.

    Dashboards (and other clients of this API) give the User API base URL with or without `/api` and trailing
    slashes: all name the same server, and the client adds `/api/...` itself, so `https://host/api/` becomes
    `https://host`. Plain http would send the key in clear: it is accepted for this machine (the bundled emulator)
    and elsewhere only when the user opts in (`insecure`).
    """
    text = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    try:
        usable = scheme in ("https", "http") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number in range
        usable = False
    if not usable:
        raise ConfigError("The base URL must be a web address starting with https:// (http:// only for a server on "
                          f"this machine), like {DEFAULT_BASE_URL} (got {one_line(str(url), 80)!r}).")
    if parts.query or parts.fragment or parts.username is not None:
        raise ConfigError(f"The base URL must be the server's address only, like {DEFAULT_BASE_URL}: no user name, "
                          f"no ? or # part (got {one_line(text, 80)!r}).")
    path = parts.path.rstrip("/")
    if path.lower().endswith("/api"):
        path = path[:-4].rstrip("/")
    if scheme == "http" and not is_loopback(parts.hostname) and not insecure:
        raise ConfigError(f"The base URL {one_line(text, 80)} uses plain http: your API key would travel in clear "
                          f"to {parts.hostname}. Use https://, or if you must, opt in with `allow_insecure = true` in "
                          "the config file, TMAIL_INSECURE=1 or --insecure.")
    return f"{scheme}://{parts.netloc}{path}"


class TempMailClient:
    """Talks to one User API host with one key. Use as `async with TempMailClient(key, url) as api:`.

    `timeout`: connect and per-read timeout. `deadline`: the most one JSON request may take in all.
    `stall_timeout`: the longest a download may go without a byte. `download_deadline`: the most one download may
    take in all. `insecure`: allow plain http to a host that is not this machine.
    """

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 30.0,
                 deadline: float = 60.0, stall_timeout: float = 60.0, download_deadline: float = 3600.0,
                 insecure: bool = False, transport: httpx.AsyncBaseTransport | None = None) -> None:
        try:
            headers = httpx.Headers({"Authorization": f"Bearer {usable_key(api_key)}",
                                     "Accept": "application/json", "User-Agent": f"tmail/{__version__}"})
        finally:
            del api_key  # from here on the key lives only in headers whose repr hides it: no locals can show it
        self.base_url = normalize_base_url(base_url, insecure)
        self.quota: Quota | None = None
        self.timeout = timeout
        self.deadline = deadline
        self.stall_timeout = stall_timeout
        self.download_deadline = download_deadline
        self._connect_timeout = min(timeout, 10.0)
        self._headers = headers
        self._timeout = httpx.Timeout(timeout, connect=self._connect_timeout)
        self._transport = transport  # (the streamed polls' blocking client uses it too: MockTransport serves both)
        self._async_http: httpx.AsyncClient | None = None  # the other endpoints' (see `_http`)
        self._poll_http: httpx.Client | None = None  # the streamed polls' (see `messages`)
        self._poll_lock = threading.Lock()
        self._poll_thread = _PollThread()

    def __repr__(self) -> str:
        return f"TempMailClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> TempMailClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def _http(self) -> httpx.AsyncClient:
        """Made on first use: loading the CA certificates takes ~40 ms, which the reader's start-up need not wait
        for (its first requests are polls, made on the poll thread's own client)."""
        if self._async_http is None:
            self._async_http = httpx.AsyncClient(
                base_url=self.base_url, headers=self._headers, timeout=self._timeout, transport=self._transport,
                follow_redirects=False,  # a redirect could carry the key's header to another host
            )
        return self._async_http

    async def aclose(self) -> None:
        if self._async_http is not None:
            await self._async_http.aclose()
        self._poll_thread.close()
        with self._poll_lock:
            poll_http, self._poll_http = self._poll_http, None
        if poll_http is not None:
            poll_http.close()  # (a poll still reading, abandoned, gets an error in its own thread)

    # --- the eight endpoints ---------------------------------------------------------------------------------

    async def domains(self, type: str = "free") -> DomainList:
        """1. Domains the plan allows: `free`, `premium` or `all`."""
        try:
            data = await self._json("GET", "/api/domains", params={"type": type})
        except NotFoundError as exc:
            # This endpoint always exists: a 404 here means the requests go somewhere else than the API.
            raise NotFoundError(f"The server has no {self.base_url}/api/domains (404): the base URL looks wrong. "
                                "Check the User API Base URL on your Temp Mail API page.",
                                exc.status, exc.detail, exc.api_said) from None
        return _read(DomainList.from_api, data.get("data"))

    async def create_mailbox(self) -> Mailbox:
        """2. A new random mailbox."""
        data = await self._json("POST", "/api/emails")
        return self._mailbox(data)

    async def change_mailbox(self, email: str, username: str, domain: str) -> Mailbox:
        """3. Rename or move a mailbox to `username@domain`. The server answers with a new id."""
        path = f"/api/emails/{segment(email)}/{segment(username)}/{segment(domain)}"
        data = await self._json("POST", path)
        return self._mailbox(data)

    async def delete_mailbox(self, email: str) -> str:
        """4. Delete a mailbox; returns the server's confirmation."""
        data = await self._json("DELETE", f"/api/emails/{segment(email)}")
        return one_line(data.get("message"), 200)

    async def messages(self, email: str) -> Listing:
        """5. Every message of a mailbox, with full content; a message id seen twice in one answer counts once.

        The answer is streamed and split message by message as it arrives (stream.py), in the poll thread (see
        `polling`): neither the download nor the decoding runs on the caller's loop, and the answer is never held
        whole."""
        return await self.polling(lambda fetch: fetch(email))

    async def polling(self, job: Callable[[Fetch], _T]) -> _T:
        """Run `job(fetch)` in the client's poll thread and return what it returns. `fetch(email)` is endpoint 5,
        blocking there: a `Listing` of the messages, each with the fingerprint of its raw JSON.

        `fetch(email, known=known)` (a poll): `known(fingerprints)` says which messages are stored already, and
        those are not decoded at all: the list holds only the others. With `deliver` as well, each batch of decoded
        messages is handed to `deliver` (in the poll thread: it must only queue them) as soon as it is decoded,
        instead of being kept: the caller stores mail while the rest downloads, and the list returned holds only
        what was not delivered. With `raw` instead (a box with nothing to recognise, its first poll), each batch is
        handed over undecoded: the caller decodes it where it likes (`Collected`; stored_parts.py: in a process of
        its own).

        A caller with work around the request (the watcher: claim the box, store the answer, read the store again)
        does it in `job` too, so the whole poll costs the caller's loop one wake-up, not one per step: on an idle
        machine each costs milliseconds (issue 12). When the caller stops waiting (cancelled), `fetch` gives up
        at its next chunk, or before it starts, raising `Abandoned`.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[_T] = loop.create_future()
        stop = threading.Event()

        def fetch(email: str, *, known: Known | None = None, deliver: Deliver | None = None,
                  raw: DeliverRaw | None = None) -> Listing:
            return self._listing(email, known, deliver, raw, stop)

        def hand_over(outcome: tuple[Any, BaseException | None]) -> None:
            try:
                loop.call_soon_threadsafe(_settle, done, outcome)
            except RuntimeError:
                pass  # the caller's loop is closed: nobody is waiting

        self._poll_thread.run(partial(job, fetch), hand_over)
        try:
            return await done
        except asyncio.CancelledError:
            stop.set()  # the thread stops at its next chunk, delivering nothing more
            raise

    def _poll_client(self) -> httpx.Client:
        """Made on first use, in a poll's thread: loading the CA certificates takes ~35 ms, not the caller's to
        pay. Its connections are kept between polls (threads use it one after another)."""
        with self._poll_lock:
            if self._poll_http is None:
                self._poll_http = httpx.Client(base_url=self.base_url, headers=self._headers,
                                               timeout=self._timeout, transport=self._transport,
                                               follow_redirects=False)
            return self._poll_http

    def _listing(self, email: str, known: Known | None, deliver: Deliver | None, raw: DeliverRaw | None,
                 stop: threading.Event) -> Listing:
        """In a poll's thread: the request, streamed through a ListingReader; blocking there blocks no one. The
        deadline is checked at every chunk (a server trickling bytes passes every read timeout; a silent one hits
        the read timeout). Only the first list followed is delivered as it comes: it is the answer's list but in
        answers no server sends (a key repeated, `data` beside `messages`), where the list picked at the end is
        undelivered and returned whole."""
        collected: dict[int, Collected] = {}

        def on_batch(array: int, raws: list) -> None:
            if stop.is_set():
                raise Abandoned
            if raw is not None and array == 0:
                raw(raws)
                return
            collected.setdefault(array, Collected()).take(raws, known, email, deliver if array == 0 else None)

        if stop.is_set():
            raise Abandoned  # (before the request: a poll given up spends no quota)
        reader = ListingReader(on_batch)
        ends = time.monotonic() + self.deadline
        try:
            with self._poll_client().stream("GET", "/api/messages", params={"email": email}) as response:
                self._note_quota(response)
                if not response.is_success:
                    response.read()
                    self._raise_for(response)
                for chunk in response.iter_bytes():
                    if stop.is_set():
                        raise Abandoned
                    if time.monotonic() > ends:
                        raise TimeoutError
                    reader.feed(chunk)
        except TimeoutError:
            raise NetworkError(f"{self._host()} did not answer in time (within {self.deadline:g} s). Check your "
                               "connection; tmail will retry.") from None
        except (TmailError, Abandoned):
            raise
        except Exception as exc:  # noqa: BLE001 - as in _json: the transport's frames hold the key
            raise self._network_error(exc) from None
        data, picked = reader.close()
        if not isinstance(data, dict):
            raise ServerError("The server sent JSON of an unexpected shape.", response.status_code)
        if data.get("status") is False:
            detail = self._detail(data)
            raise ApiError(f"The server refused the request: {detail or 'no reason given'}.",
                           response.status_code, detail, api_said=True)
        if picked is None:
            raise ServerError("The server's answer has no message list.")
        return collected.get(picked, Collected()).result

    async def message(self, message_id: str) -> Message:
        """6. One message (the server marks it seen)."""
        data = await self._json("GET", f"/api/messages/{segment(message_id)}")
        message = _read(Message.from_api, data.get("data"))
        if message is None:
            raise ServerError("The server's answer has no message in it.")
        return message

    async def delete_message(self, message_id: str) -> str:
        """7. Delete one message."""
        data = await self._json("DELETE", f"/api/messages/{segment(message_id)}")
        return one_line(data.get("message"), 200)

    @asynccontextmanager
    async def attachment_stream(self, message_id: str, name: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """8. An attachment's bytes, as a stream of chunks.

        The stream raises ServerError when the body is shorter or longer than its Content-Length, so a consumer
        never takes a cut file for a whole one.
        """
        path = f"/api/messages/{segment(message_id)}/attachments/{segment(name)}"
        timeout = httpx.Timeout(self.stall_timeout, connect=self._connect_timeout)  # read: no byte for N s
        try:
            async with asyncio.timeout(self.download_deadline):
                async with self._http.stream("GET", path, timeout=timeout) as response:
                    self._note_quota(response)
                    if not response.is_success:
                        await response.aread()
                        self._raise_for(response)
                    yield _exact_length(response, one_line(name, 80))
        except TimeoutError:
            raise NetworkError(f"Downloading {one_line(name, 80)} from {self._host()} took longer than "
                               f"{self.download_deadline:g} s; it was stopped.") from None
        except httpx.TimeoutException:
            raise NetworkError(f"{self._host()} stopped sending {one_line(name, 80)} (nothing for "
                               f"{self.stall_timeout:g} s).") from None
        except httpx.HTTPError as exc:  # also raised into here when the stream breaks mid-download
            raise self._network_error(exc) from None

    async def download_attachment(self, message_id: str, name: str, folder: Path, extension: str = "", *,
                                  listed_size: int | None = None) -> SavedFile:
        """Save one attachment into `folder` (never over an existing file).

        Returns a SavedFile: its path, its size and, when the size differs from `listed_size` (the API listing's),
        a warning to show; a listing may round, so that is not a refusal.
        """
        from ..downloads import (
            save_stream,  # here, not at the top: downloads imports this package's errors
        )

        async with self.attachment_stream(message_id, name) as chunks:
            saved = await save_stream(chunks, folder, name, extension)
        if listed_size is not None and listed_size >= 0 and saved.size != listed_size:
            saved = replace(saved, warning=f"{saved.path.name} has {saved.size:,} bytes; the message listed "
                                           f"{listed_size:,}.")
        return saved

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _mailbox(self, data: dict[str, Any]) -> Mailbox:
        box = _read(Mailbox.from_api, data.get("data"))
        if not box.email:
            raise ServerError("The server's answer has no mailbox address in it.")
        return box

    async def _json(self, method: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._http.request(method, path, params=params)
        except TimeoutError:
            raise NetworkError(f"{self._host()} did not answer in time (within {self.deadline:g} s). Check your "
                               "connection; tmail will retry.") from None
        except Exception as exc:  # noqa: BLE001
            # Whatever the transport raises is a failed request; and httpx's own frames hold the Authorization
            # header in plain locals, so no traceback from in there may reach a crash report.
            raise self._network_error(exc) from None
        self._note_quota(response)
        if not response.is_success:
            self._raise_for(response)
        content = response.content
        data = _decode(content)
        if not isinstance(data, dict):
            raise ServerError("The server sent JSON of an unexpected shape.", response.status_code)
        if data.get("status") is False:
            detail = self._detail(data)
            raise ApiError(f"The server refused the request: {detail or 'no reason given'}.",
                           response.status_code, detail, api_said=True)
        return data

    def _note_quota(self, response: httpx.Response) -> None:
        quota = Quota.from_headers(response.headers)
        if quota is not None:
            self.quota = quota

    def _secret(self) -> str:
        return self._headers.get("authorization", "").removeprefix("Bearer ")

    def _host(self) -> str:
        """host[:port] as given ("Could not connect to 127.0.0.1" would hide which server)."""
        return urlsplit(self.base_url).netloc

    def _detail(self, data: object) -> str:
        """The server's own explanation, one clean line, with the key scrubbed out in case it was echoed."""
        if isinstance(data, dict):
            for key in ("message", "error", "detail"):
                if isinstance(data.get(key), str):
                    return one_line(redact(data[key], self._secret()), 200)
        return ""

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        try:
            data = _decode(response.content)
        except ServerError:
            data = None  # an HTML error page or an empty body: the status says enough
        detail = self._detail(data)
        api_said = isinstance(data, dict) and data.get("status") is False
        said = f" The server said: {detail}" if detail else ""
        if status == 401:
            raise AuthError("The API key was refused (401). Check the key on your Temp Mail API page, then set "
                            "TMAIL_API_KEY or run `tmail login`." + said, status, detail, api_said)
        if status == 403:
            raise PlanError("Not allowed (403): your plan does not include this, or the mailbox belongs to "
                            "another account." + said, status, detail, api_said)
        if status == 404:
            if api_said:
                raise NotFoundError("Not found (404): the mailbox or message does not exist, or has expired." + said,
                                    status, detail, api_said)
            raise NotFoundError(f"Not found (404), in an answer that is not the API's: a proxy is in the way, or the "
                                f"base URL ({self.base_url}) is wrong." + said, status, detail, api_said)
        if status in (400, 422):
            raise InvalidRequestError(f"The server refused the name or domain ({status})." + said, status, detail,
                                      api_said)
        if status == 429:
            self._raise_429(response, detail, api_said)
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            try:
                target = str(response.url.join(location)) if location else ""
            except (httpx.InvalidURL, ValueError):
                target = location
            target = one_line(redact(target, self._secret()), 120)
            where = f" to {target}" if target else " without saying where"
            raise ApiError(f"The server redirected ({status}){where}: check the base URL. tmail does not follow "
                           "redirects, so your key was not sent there.", status, detail, api_said)
        if status >= 500:
            raise ServerError(f"The server had an error ({status}). Try again in a moment." + said, status, detail,
                              api_said)
        raise ApiError(f"The server answered with an unexpected status ({status})." + said, status, detail, api_said)

    def _raise_429(self, response: httpx.Response, detail: str, api_said: bool) -> None:
        """The quota wording only when this answer says none is left; otherwise the server is limiting the rate."""
        quota = Quota.from_headers(response.headers)
        reset = quota.reset if quota else None
        spent = quota is not None and quota.remaining == 0
        retry = response.headers.get("retry-after", "").strip()
        retry_after = int(retry) if retry.isdigit() and len(retry) <= 6 else None
        said = f" The server said: {detail}" if detail else ""
        if spent:
            when = f" It resets at {reset.astimezone():%Y-%m-%d %H:%M %Z}." if reset else ""
            message = "The API quota is used up (429)." + when + said
        else:
            message = "The server is limiting requests (429); tmail will slow down." + said
        raise QuotaError(message, 429, detail, reset, spent=spent, retry_after=retry_after, api_said=api_said)

    def _network_error(self, exc: Exception) -> NetworkError:
        host = self._host()
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(f"{host} did not answer in time (within {self.timeout:g} s). Check your connection; "
                                "tmail will retry.")
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(f"Could not connect to {host}. Check your connection and the base URL.")
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return NetworkError(f"The connection to {host} broke off before the answer was complete.")
        return NetworkError(f"Network error talking to {host}: {type(exc).__name__}.")


async def check_key(key: str, base_url: str = DEFAULT_BASE_URL, *, insecure: bool = False, timeout: float = 15.0,
                    transport: httpx.AsyncBaseTransport | None = None) -> Quota | None:
    """Try a key with the cheapest documented request (the free domains) before it is saved.

    Raises AuthError when the key is malformed or refused; any other TmailError (network, quota, server, wrong base
    URL) means the key could not be checked, not that it is wrong. Returns the quota the answer reported, if any.
    """
    try:
        api = TempMailClient(key, base_url, timeout=timeout, deadline=timeout, insecure=insecure, transport=transport)
    finally:
        del key  # the client holds it now; keep it out of this frame's locals
    async with api:
        await api.domains("free")
        return api.quota


def _read(parse: Callable[..., _T], *args: Any) -> _T:
    """Run a model parser over the server's JSON. The parsers tolerate odd values; whatever they still trip on is the
    answer being malformed, reported as such, not a crash."""
    try:
        return parse(*args)
    except TmailError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ServerError(f"The server's answer could not be read ({type(exc).__name__}).") from None


def _parse_int(text: str) -> int | str:
    # int() refuses more than 4,300 digits (ValueError): one absurd number must not make a whole mailbox unreadable.
    return int(text) if len(text) <= _MAX_DIGITS else text


def _decode(content: bytes) -> object:
    """The body as JSON, or ServerError. Invalid UTF-8 in one message must not make the whole mailbox unreadable:
    replace, don't fail; nesting too deep for the parser is a malformed answer, not a crash."""
    try:
        return json.loads(content.decode("utf-8", "replace"), parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:
        kind = "JSON nested too deeply" if isinstance(exc, RecursionError) else "something that is not JSON"
        raise ServerError(f"The server sent {kind}.") from None


_ELEMENT = msgspec.json.Decoder()


def _decode_element(raw) -> tuple[object, bool]:
    """One message of a streamed answer, and whether its strings are known to hold no lone surrogate: by msgspec
    where it can (twice the speed of json, and it refuses lone surrogates); what msgspec refuses (invalid UTF-8,
    lone surrogates, NaN, numbers of thousands of digits) goes to `_decode`, which reads those as it always has.
    Where both read an element, they read the same values."""
    try:
        return _ELEMENT.decode(raw), True
    except (msgspec.DecodeError, ValueError):
        return _decode(bytes(raw)), False


async def _exact_length(response: httpx.Response, name: str) -> AsyncIterator[bytes]:
    """The body's chunks, refusing one shorter or longer than the Content-Length the server announced.

    A compressed body's Content-Length is its size on the wire, so that one is counted on the wire.
    """
    raw = response.headers.get("content-length", "").strip()
    expected = int(raw) if raw.isdigit() and len(raw) <= 18 else None
    encoded = response.headers.get("content-encoding", "").strip().lower() not in ("", "identity")
    count = 0
    async for chunk in response.aiter_bytes():
        count += len(chunk)
        if expected is not None and (response.num_bytes_downloaded if encoded else count) > expected:
            raise ServerError(f"The server sent more of {name} than the {expected:,} bytes it announced; the file was "
                              "not saved.")
        yield chunk
    sent = response.num_bytes_downloaded if encoded else count
    if expected is not None and sent != expected:
        raise ServerError(f"The server sent {sent:,} of the {expected:,} bytes of {name}; the file is incomplete and "
                          "was not saved.")


class Abandoned(Exception):
    """The caller stopped waiting for a poll (cancelled): its thread ends without delivering more."""


def _settle(done: asyncio.Future, outcome: tuple[Any, BaseException | None]) -> None:
    if not done.done():
        result, error = outcome
        if error is None:
            done.set_result(result)
        else:
            done.set_exception(error)


def fingerprint(raw) -> bytes:
    """A message's raw JSON bytes, hashed: the same bytes as last time mean the same message, undecoded. SHA-256
    (its first 16 bytes), not BLAKE2: with the SHA instructions of today's x86 and ARM processors it is 1.6x as fast,
    and a poll hashes every message of the answer. (Stores from before keep working: a message whose fingerprint
    is unknown is decoded, found the same, and given its new fingerprint once.)"""
    return hashlib.sha256(raw).digest()[:16]


class _PollThread:
    """The thread the polls run in, kept for the client's life. A thread started per poll cost the caller ~5 ms of
    CPU on an idle machine (the first milliseconds after a second asleep run 10-25x slower), every 15 s in a reader
    left open; handing a job to a waiting thread costs a third of that. A daemon, as each poll's thread was: a poll
    hanging on a silent server never holds up the exit. A job that comes while another still runs (a cancelled poll
    waiting out its read) gets a thread of its own. The thread is free again before a job's outcome is handed over:
    the caller, woken by it, may send the next job at once (the boxes due together are polled back to back)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], HandOver] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._busy = False

    def run(self, job: Callable[[], Any], hand_over: HandOver) -> None:
        """Run `job` in the poll thread, then `hand_over((result, None))`, or `(None, exception)`."""
        with self._lock:
            if self._busy:
                threading.Thread(target=lambda: hand_over(_outcome(job)), name="tmail-poll", daemon=True).start()
                return
            self._busy = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="tmail-poll", daemon=True)
                self._thread.start()
        self._jobs.put((job, hand_over))

    def _serve(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, hand_over = item
            outcome = _outcome(job)
            with self._lock:
                self._busy = False
            hand_over(outcome)

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread = None


HandOver = Callable[[tuple[Any, BaseException | None]], None]


def _outcome(job: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        return job(), None
    except BaseException as exc:  # noqa: BLE001 - handed to the caller as it is
        return None, exc


class Listing(list):
    """The messages of an answer that had to be decoded (all of them, unless the poll knew some), with the
    fingerprint of each one's raw JSON (`fingerprints`, by id) and the number recognised by theirs and skipped
    (`unchanged`)."""

    def __init__(self) -> None:
        super().__init__()
        self.fingerprints: dict[str, bytes] = {}
        self.unchanged = 0


class Collected:
    """The messages of one list of the answer, batch by batch: fingerprints first, then only the unknown decoded.
    A message id seen twice counts once (the first wins), whether it was recognised or decoded. (Also used where
    raw batches are decoded away from the poll: stored_parts.py.)"""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.result = Listing()

    def take(self, raws: list, known: Known | None, email: str, deliver: Deliver | None = None) -> None:
        prints = [fingerprint(raw) for raw in raws]
        stored = known(prints) if known is not None and prints else {}
        fresh = Listing() if deliver is not None else self.result
        for raw, print_ in zip(raws, prints):
            message_id = stored.get(print_)
            if message_id is not None:
                if message_id not in self.ids:
                    self.ids.add(message_id)
                    self.result.unchanged += 1
                continue
            message = _read(Message.from_api, *_decode_element(raw))
            if message is not None and message.id not in self.ids:
                self.ids.add(message.id)
                fresh.append(message if message.mailbox else replace(message, mailbox=email))
                fresh.fingerprints[message.id] = print_
        if deliver is not None and fresh:
            deliver(fresh)

