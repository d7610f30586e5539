"""Async client for the Temp Mail User API: one method per documented endpoint.

The key travels only in the Authorization header; it is never part of a URL, a log line, an error or a repr.
Path segments are percent-encoded one by one, so an id or address can never change which endpoint is hit.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from .. import __version__
from ..downloads import save_stream
from ..sanitize import one_line, redact
from .errors import (
    ApiError,
    AuthError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    PlanError,
    QuotaError,
    ServerError,
)
from .models import DomainList, Mailbox, Message, Quota

DEFAULT_BASE_URL = "https://v1.tempmailg.com"
DOMAIN_TYPES = ("free", "premium", "all")


def segment(value: str) -> str:
    """One percent-encoded path segment. `@` stays (the API shows addresses raw); `.` and `..` are encoded so no
    URL normaliser can resolve them as relative paths."""
    if not value:
        raise InvalidRequestError("An empty address, id or name cannot be sent to the server.")
    encoded = quote(str(value), safe="@")
    return encoded.replace(".", "%2E") if encoded in {".", ".."} else encoded


class TempMailClient:
    """Talks to one User API host with one key. Use as `async with TempMailClient(key, url) as api:`."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        api_key = api_key.strip()
        if not api_key or any(c.isspace() or not c.isprintable() for c in api_key):
            raise AuthError("No usable API key: it is empty or contains spaces. Copy it again from your Temp Mail "
                            "API page.")
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self.quota: Quota | None = None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json",
                     "User-Agent": f"tmail/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=False,  # a redirect could carry the key's header to another host
        )

    def __repr__(self) -> str:
        return f"TempMailClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> TempMailClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- the eight endpoints ---------------------------------------------------------------------------------

    async def domains(self, type: str = "free") -> DomainList:
        """1. Domains the plan allows: `free`, `premium` or `all`."""
        data = await self._json("GET", "/api/domains", params={"type": type})
        return DomainList.from_api(data.get("data"))

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

    async def messages(self, email: str) -> list[Message]:
        """5. Every message of a mailbox, with full content.

        Every poll returns every message in full, so decoding and parsing run in a thread: a big box never
        stalls the UI's event loop.
        """
        data = await self._json("GET", "/api/messages", params={"email": email}, in_thread=True)
        return await asyncio.to_thread(_parse_messages, data, email)

    async def message(self, message_id: str) -> Message:
        """6. One message (the server marks it seen)."""
        data = await self._json("GET", f"/api/messages/{segment(message_id)}")
        message = Message.from_api(data.get("data"))
        if message is None:
            raise ServerError("The server's answer has no message in it.")
        return message

    async def delete_message(self, message_id: str) -> str:
        """7. Delete one message."""
        data = await self._json("DELETE", f"/api/messages/{segment(message_id)}")
        return one_line(data.get("message"), 200)

    @asynccontextmanager
    async def attachment_stream(self, message_id: str, name: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """8. An attachment's bytes, as a stream of chunks."""
        path = f"/api/messages/{segment(message_id)}/attachments/{segment(name)}"
        try:
            async with self._http.stream("GET", path) as response:
                self._note_quota(response)
                if not response.is_success:
                    await response.aread()
                    self._raise_for(response)
                yield response.aiter_bytes()
        except httpx.HTTPError as exc:  # also raised into here when the stream breaks mid-download
            raise self._network_error(exc) from None

    async def download_attachment(self, message_id: str, name: str, folder: Path, extension: str = "") -> Path:
        """Save one attachment into `folder`; returns the path it landed at (never over an existing file)."""
        async with self.attachment_stream(message_id, name) as chunks:
            return await save_stream(chunks, folder, name, extension)

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _mailbox(self, data: dict[str, Any]) -> Mailbox:
        box = Mailbox.from_api(data.get("data"))
        if not box.email:
            raise ServerError("The server's answer has no mailbox address in it.")
        return box

    async def _json(self, method: str, path: str, params: dict[str, str] | None = None,
                    in_thread: bool = False) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, params=params)
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from None
        self._note_quota(response)
        if not response.is_success:
            self._raise_for(response)
        try:
            data = await asyncio.to_thread(_decode, response.content) if in_thread else _decode(response.content)
        except json.JSONDecodeError:
            raise ServerError(f"The server sent something that is not JSON (HTTP {response.status_code}).",
                              response.status_code) from None
        if not isinstance(data, dict):
            raise ServerError("The server sent JSON of an unexpected shape.", response.status_code)
        if data.get("status") is False:
            detail = self._detail(data)
            raise ApiError(f"The server refused the request: {detail or 'no reason given'}.",
                           response.status_code, detail)
        return data

    def _note_quota(self, response: httpx.Response) -> None:
        quota = Quota.from_headers(response.headers)
        if quota is not None:
            self.quota = quota

    def _detail(self, data: object) -> str:
        """The server's own explanation, one clean line, with the key scrubbed out in case it was echoed."""
        if isinstance(data, dict):
            for key in ("message", "error", "detail"):
                if isinstance(data.get(key), str):
                    return one_line(redact(data[key], self._key), 200)
        return ""

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        try:
            detail = self._detail(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            detail = ""  # an HTML error page or an empty body: the status says enough
        said = f" The server said: {detail}" if detail else ""
        if status == 401:
            raise AuthError("The API key was refused (401). Check the key on your Temp Mail API page, then set "
                            "TMAIL_API_KEY or run `tmail` to enter it." + said, status, detail)
        if status == 403:
            raise PlanError("Not allowed (403): your plan does not include this, or the mailbox belongs to "
                            "another account." + said, status, detail)
        if status == 404:
            raise NotFoundError("Not found (404): the mailbox or message does not exist, or has expired." + said,
                                status, detail)
        if status in (400, 422):
            raise InvalidRequestError(f"The server refused the name or domain ({status})." + said, status, detail)
        if status == 429:
            reset = self.quota.reset if self.quota else None
            when = f" It resets at {reset.astimezone():%Y-%m-%d %H:%M %Z}." if reset else ""
            raise QuotaError("The API quota is used up (429)." + when + said, status, detail, reset)
        if status >= 500:
            raise ServerError(f"The server had an error ({status}). Try again in a moment." + said, status, detail)
        raise ApiError(f"The server answered with an unexpected status ({status})." + said, status, detail)

    def _network_error(self, exc: httpx.HTTPError) -> NetworkError:
        host = httpx.URL(self.base_url).host or self.base_url
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(f"{host} did not answer in time. Check your connection; tmail will retry.")
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(f"Could not connect to {host}. Check your connection and the base URL.")
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return NetworkError(f"The connection to {host} broke off before the answer was complete.")
        return NetworkError(f"Network error talking to {host}: {type(exc).__name__}.")


def _decode(content: bytes) -> object:
    # Invalid UTF-8 in one message must not make the whole mailbox unreadable: replace, don't fail.
    return json.loads(content.decode("utf-8", "replace"))


def _parse_messages(data: dict[str, Any], email: str) -> list[Message]:
    raw = data.get("messages")
    if raw is None and isinstance(data.get("data"), list):
        raw = data["data"]
    if not isinstance(raw, list):
        raise ServerError("The server's answer has no message list.")
    parsed = (Message.from_api(item) for item in raw)
    return [m if m.mailbox else replace(m, mailbox=email) for m in parsed if m is not None]
