"""An independent stand-in for the real service: the documented example answers, verbatim, and nothing else.

Written from the API document alone (not from the emulator), with the quirks the contract warns about: unknown
extra fields, a naive `receivedAt`, string ids, ids and addresses from the examples. Used to check that the client
and CLI follow the contract rather than the emulator's convenience.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE_ID = "ap94AWDg123ELQz07vrVB9dLXlbqZM5NGwYxOJKko8n6m1"


def _message(seen: bool, base: str) -> dict:
    return {"is_seen": seen, "subject": "Welcome to Temp Mail", "from": "Example Sender",
            "from_email": "hello@example.org", "to": "randombox@example.com", "receivedAt": "2026-06-28 09:37:26",
            "id": MESSAGE_ID, "html": True, "content": "<p>Hello from the inbox.</p>", "spam_score": None,
            "attachments": [{"name": "file.txt", "extension": "txt", "size": 91,
                             "url": f"{base}/api/messages/{MESSAGE_ID}/attachments/file.txt"}]}


def _box(box_id: int, email: str) -> dict:
    return {"id": box_id, "email": email, "domain": "example.com", "expire_at": "2026-06-28T09:47:26+00:00",
            "expires_in_seconds": 600, "created_at": "2026-06-28T09:37:26+00:00",
            "email_token": "encrypted-email-token", "plan": "free"}


class ContractServer:
    def __init__(self, key: str) -> None:
        self.key = key
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.fail_with: tuple[int, bytes, str] | None = None  # (status, body, content type) for every request

    def answer(self, method: str, path: str) -> tuple[int, object]:
        routes = {
            ("GET", "/api/domains?type=free"): {"status": True, "data": {
                "requested_type": "free", "allowed_types": ["free"],
                "domains": [{"domain": "example.com", "type": "Free", "custom": False}]}},
            ("POST", "/api/emails"): {"status": True, "data": _box(2301, "randombox@example.com")},
            ("POST", "/api/emails/randombox@example.com/demo123/example.com"):
                {"status": True, "data": _box(2302, "demo123@example.com")},
            ("DELETE", "/api/emails/demo123@example.com"):
                {"status": True, "message": "Email has been successfully deleted."},
            ("GET", "/api/messages?email=randombox%40example.com"):
                {"status": True, "mailbox": "randombox@example.com", "messages": [_message(False, self.base_url)]},
            ("GET", f"/api/messages/{MESSAGE_ID}"): {"status": True, "data": _message(True, self.base_url)},
            ("DELETE", f"/api/messages/{MESSAGE_ID}"):
                {"status": True, "message": "Message was deleted successfully."},
            ("GET", f"/api/messages/{MESSAGE_ID}/attachments/file.txt"): b"x" * 91,
        }
        if (method, path) in routes:
            return 200, routes[(method, path)]
        return 404, {"status": False, "message": "Not found."}

    def start(self) -> str:
        contract = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                contract.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                if contract.fail_with:
                    status, body, ctype = contract.fail_with
                elif self.headers.get("Authorization") != f"Bearer {contract.key}":
                    status, body, ctype = 401, b'{"status":false,"message":"Unauthenticated."}', "application/json"
                else:
                    status, payload = contract.answer(self.command, self.path)
                    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                    ctype = "text/plain" if isinstance(payload, bytes) else "application/json"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (("X-RateLimit-Limit", "50000"), ("X-RateLimit-Used", "124"),
                                    ("X-RateLimit-Remaining", "49876"),
                                    ("X-RateLimit-Reset", "2026-05-01T00:00:00+05:00")):
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
