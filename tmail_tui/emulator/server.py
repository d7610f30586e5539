"""A faithful local Temp Mail User API, on the standard library's http.server.

It speaks the documented shapes and headers (see the project's API contract): Bearer auth, the quota headers on every
answer with the counter moving only on 2xx, 401/403/404/422/429 where the real service is documented or inferred to
use them, expiring boxes, and `receivedAt` without a zone. Tests switch on faults (slow answers, 500s, malformed
JSON, an HTML error page, a connection dropped mid-download) and read the request log.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import string
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .feed import FeedAttachment, FeedMessage, live_message, seed_messages

FREE_DOMAINS = ("quickbox.test", "mailfly.test")
PREMIUM_DOMAINS = ("vipmail.test",)
USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{1,30}[a-z0-9])$")
_ADJECTIVES = ("brisk", "calm", "eager", "fuzzy", "jolly", "lucky", "quiet", "rapid", "sunny", "witty")
_NOUNS = ("otter", "falcon", "maple", "comet", "badger", "heron", "pixel", "walrus", "cedar", "lynx")


@dataclass
class Box:
    id: int
    address: str
    created: float
    expires: float
    token: str
    messages: dict[str, Message] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass
class Message:
    id: str
    to: str
    received: float
    feed: FeedMessage
    seen: bool = False


@dataclass
class Fault:
    """One injected failure: `mode` for the next `count` matching requests (None: until cleared)."""

    mode: str  # slow | error500 | error502 | html | malformed | truncated | status_false | drop | 429
    count: int | None = None
    path: str = "/api/"
    delay: float = 0.0


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc).replace(microsecond=0)


class Emulator:
    """The service's state and rules. `start()` serves it on loopback in a background thread."""

    def __init__(self, key: str = "demo-key", *, plan: str = "premium", ttl: float = 600.0,
                 quota_limit: int = 50_000, demo: bool = False, feed_interval: float = 20.0,
                 seed: int | None = None) -> None:
        self.key = key
        self.plan = plan
        self.ttl = ttl
        self.quota_limit = quota_limit
        self.quota_used = 0
        self.demo = demo
        self.feed_interval = feed_interval
        self.offset = 0.0  # added to the wall clock: tests move time forward with advance()
        self.boxes: dict[str, Box] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, raw path, headers) for tests
        self._rng = Random(seed)
        self._next_box_id = 2300
        self._live_count = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()
        self.base_url = ""
        self.connections: set[socket.socket] = set()

    # --- clock, control ------------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += seconds

    def add_fault(self, mode: str, count: int | None = None, path: str = "/api/", delay: float = 0.0) -> None:
        with self._lock:
            self.faults.append(Fault(mode, count, path, delay))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def quota_reset(self) -> datetime:
        now = _utc(self.now())
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        return datetime(year, month, 1, tzinfo=timezone.utc)

    # --- state changes (also used directly by tests and the demo) ------------------------------------------------

    def _random_id(self, length: int = 46) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def create_box(self, address: str | None = None) -> Box:
        with self._lock:
            while address is None or address in self.boxes:
                name = f"{self._rng.choice(_ADJECTIVES)}.{self._rng.choice(_NOUNS)}{self._rng.randint(10, 99)}"
                address = f"{name}@{FREE_DOMAINS[0]}"
            self._next_box_id += 1
            now = self.now()
            box = Box(self._next_box_id, address, now, now + self.ttl, self._random_id(32))
            self.boxes[address] = box
        if self.demo:  # the seeded mail arrives in the box's first seconds, oldest first
            for offset, feed in enumerate(seed_messages()):
                self.deliver(address, feed, received=now + offset)
        return box

    def deliver(self, address: str, feed: FeedMessage, received: float | None = None,
                message_id: str | None = None) -> str:
        """Mail arrives in a box (as if sent by anyone on the internet). Returns the message id."""
        with self._lock:
            box = self.boxes[address]
            msg_id = message_id or self._random_id()
            box.messages[msg_id] = Message(msg_id, address, self.now() if received is None else received, feed)
            return msg_id

    def live_box(self, address: str) -> Box | None:
        box = self.boxes.get(address)
        return box if box is not None and box.expires > self.now() else None

    def _find_message(self, msg_id: str) -> tuple[Box, Message] | None:
        for box in self.boxes.values():
            if msg_id in box.messages and box.expires > self.now():
                return box, box.messages[msg_id]
        return None

    # --- JSON shapes -----------------------------------------------------------------------------------------------

    def _box_json(self, box: Box) -> dict:
        return {"id": box.id, "email": box.address, "domain": box.domain,
                "expire_at": _utc(box.expires).isoformat(), "expires_in_seconds": max(int(box.expires - self.now()), 0),
                "created_at": _utc(box.created).isoformat(), "email_token": box.token}

    def _message_json(self, msg: Message) -> dict:
        feed = msg.feed
        return {
            "is_seen": msg.seen, "subject": feed.subject, "from": feed.from_name, "from_email": feed.from_email,
            "to": msg.to, "receivedAt": _utc(msg.received).strftime("%Y-%m-%d %H:%M:%S"), "id": msg.id,
            "html": feed.html, "content": feed.content,
            "attachments": [{"name": a.name, "extension": a.extension, "size": len(a.data),
                             "url": f"{self.base_url}/api/messages/{quote(msg.id, safe='')}/attachments/"
                                    f"{quote(a.name, safe='')}"} for a in feed.attachments],
        }

    # --- the API ---------------------------------------------------------------------------------------------------

    def _quota_headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.quota_limit), "X-RateLimit-Used": str(self.quota_used),
                "X-RateLimit-Remaining": str(max(self.quota_limit - self.quota_used, 0)),
                "X-RateLimit-Reset": self.quota_reset().isoformat()}

    def handle(self, method: str, raw_path: str, headers: dict[str, str]) -> Reply | FeedAttachment:
        """Answer one request. Returns a Reply, or the attachment whose bytes to stream."""
        with self._lock:
            self.requests.append((method, raw_path, dict(headers)))
            if headers.get("authorization", "") != f"Bearer {self.key}":
                return _error(401, "Unauthenticated.")
            if self.quota_used >= self.quota_limit:
                return _error(429, "Monthly API quota exceeded.")
            result = self._route(method, raw_path)
            if isinstance(result, FeedAttachment) or 200 <= result.status < 300:
                self.quota_used += 1  # documented: counters move only after successful 2xx answers
            return result

    def _route(self, method: str, raw_path: str) -> Reply | FeedAttachment:
        url = urlsplit(raw_path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        match method, parts:
            case "GET", ["api", "domains"]:
                return self._domains(query.get("type", "free"))
            case "POST", ["api", "emails"]:
                return _ok({"data": self._box_json(self.create_box())})
            case "POST", ["api", "emails", email, username, domain]:
                return self._change(email, username, domain)
            case "DELETE", ["api", "emails", email]:
                if not self.live_box(email):
                    return _error(404, "Email not found.")
                del self.boxes[email]
                return _ok({"message": "Email has been successfully deleted."})
            case "GET", ["api", "messages"]:
                email = query.get("email", "")
                if not email:
                    return _error(422, "The email field is required.")
                box = self.live_box(email)
                if box is None:
                    return _error(404, "Email not found.")
                ordered = sorted(box.messages.values(), key=lambda m: m.received, reverse=True)
                return _ok({"mailbox": box.address, "messages": [self._message_json(m) for m in ordered]})
            case "GET", ["api", "messages", msg_id]:
                found = self._find_message(msg_id)
                if found is None:
                    return _error(404, "Message not found.")
                found[1].seen = True
                return _ok({"data": self._message_json(found[1])})
            case "DELETE", ["api", "messages", msg_id]:
                found = self._find_message(msg_id)
                if found is None:
                    return _error(404, "Message not found.")
                del found[0].messages[msg_id]
                return _ok({"message": "Message was deleted successfully."})
            case "GET", ["api", "messages", msg_id, "attachments", name]:
                found = self._find_message(msg_id)
                attachment = next((a for a in found[1].feed.attachments if a.name == name), None) if found else None
                return attachment or _error(404, "Attachment not found.")
        return _error(404, "Not found.")

    def _allowed_types(self) -> list[str]:
        return ["free", "premium"] if self.plan == "premium" else ["free"]

    def _domains(self, kind: str) -> Reply:
        if kind not in ("free", "premium", "all"):
            return _error(422, "The selected type is invalid.")
        allowed = self._allowed_types()
        if kind != "free" and "premium" not in allowed:
            return _error(403, "Your plan does not include premium domains.")
        domains = [{"domain": d, "type": "Free", "custom": False} for d in FREE_DOMAINS if kind in ("free", "all")]
        domains += [{"domain": d, "type": "Premium", "custom": False} for d in PREMIUM_DOMAINS
                    if kind in ("premium", "all")]
        return _ok({"data": {"requested_type": kind, "allowed_types": allowed, "domains": domains}})

    def _change(self, email: str, username: str, domain: str) -> Reply:
        box = self.live_box(email)
        if box is None:
            return _error(404, "Email not found.")
        if not USERNAME.match(username):
            return _error(422, "The username may use a-z, 0-9, dot, dash and underscore (3 to 32 characters).")
        if domain in PREMIUM_DOMAINS and self.plan != "premium":
            return _error(403, "Your plan does not include premium domains.")
        if domain not in FREE_DOMAINS + PREMIUM_DOMAINS:
            return _error(422, "The selected domain is invalid.")
        new_address = f"{username}@{domain}"
        if new_address != email and new_address in self.boxes and self.live_box(new_address):
            return _error(422, "That address is already taken.")
        self._next_box_id += 1
        now = self.now()
        del self.boxes[email]
        renamed = Box(self._next_box_id, new_address, now, now + self.ttl, self._random_id(32), box.messages)
        for msg in renamed.messages.values():
            msg.to = new_address
        self.boxes[new_address] = renamed
        return _ok({"data": self._box_json(renamed)})

    # --- the demo's live feed ----------------------------------------------------------------------------------

    def _feed_loop(self) -> None:
        while not self._stop.wait(self.feed_interval):
            with self._lock:
                live = [b.address for b in self.boxes.values() if b.expires > self.now()]
                if live:
                    self._live_count += 1
                    newest = max(live, key=lambda a: self.boxes[a].created)
                    self.deliver(newest, live_message(self._live_count))

    # --- serving ---------------------------------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on loopback in a daemon thread; returns the base URL."""
        self._server = _Server((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.emulator = self  # type: ignore[attr-defined]
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="tmail-emulator",
                         daemon=True).start()
        if self.demo:
            threading.Thread(target=self._feed_loop, name="tmail-emulator-feed", daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and cut every open connection, as a server that goes away does."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Emulator:
        if not self.base_url:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.faults.remove(fault)
                    return fault
        return None


def _ok(payload: dict) -> Reply:
    return Reply(200, json.dumps({"status": True, **payload}).encode())


def _error(status: int, message: str) -> Reply:
    return Reply(status, json.dumps({"status": False, "message": message}).encode())


_HTML_ERROR = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (a reset, a broken pipe) is ordinary: no traceback on the terminal, which in the
        demo is the reader's screen. Anything else is a bug of the emulator's and is still printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TempMailEmulator/1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silent: tests and the TUI own stderr
        pass

    def setup(self) -> None:
        super().setup()
        self.server.emulator.connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.emulator.connections.discard(self.connection)  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        emulator: Emulator = self.server.emulator  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        fault = emulator.take_fault(urlsplit(self.path).path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.mode == "drop":
            self.close_connection = True
            return  # the connection closes with no answer at all
        headers = {k.lower(): v for k, v in self.headers.items()}
        injected = _faulty(fault.mode) if fault is not None else None
        if injected is not None:
            emulator.requests.append((method, self.path, headers))  # a failed request changes nothing, costs nothing
            reply: Reply | FeedAttachment = injected
        else:
            reply = emulator.handle(method, self.path, headers)
        quota = emulator._quota_headers()
        if isinstance(reply, FeedAttachment):
            self._send_attachment(reply, quota, cut=fault is not None and fault.mode == "drop_body")
            return
        self.send_response(reply.status)
        for name, value in {**quota, **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        body = reply.body
        if fault is not None and fault.mode == "truncated":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def _send_attachment(self, attachment: FeedAttachment, quota: dict[str, str], cut: bool) -> None:
        self.send_response(200)
        for name, value in quota.items():
            self.send_header(name, value)
        self.send_header("Content-Type", attachment.content_type)
        self.send_header("Content-Length", str(len(attachment.data)))
        self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(attachment.name)}")
        self.end_headers()
        data = attachment.data[: len(attachment.data) // 2] if cut else attachment.data
        for start in range(0, len(data), 65536):
            self.wfile.write(data[start:start + 65536])
        if cut:
            self.wfile.flush()
            self.close_connection = True


def _faulty(mode: str) -> Reply | None:
    """The reply a fault mode puts in place of the real one (None: keep the real one)."""
    return {
        "error500": _error(500, "Server Error"),
        "error502": Reply(502, _HTML_ERROR, "text/html"),
        "error503": Reply(503, b"", "text/plain"),
        "html": Reply(200, _HTML_ERROR, "text/html"),
        "malformed": Reply(200, b'{"status": true, "messages": [{"id": '),
        "status_false": _error(200, "Something went wrong on our side."),
        "429": _error(429, "Too Many Attempts."),
    }.get(mode)
