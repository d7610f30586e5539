"""A loopback HTTP server that answers with a script of raw bytes and pauses: for the faults no honest server makes
(bodies that trickle, stall, or do not match their Content-Length), over real sockets rather than a mock transport."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

Script = Callable[[socket.socket, threading.Event], None]


def head(status: int = 200, **headers: str | int) -> bytes:
    """A response head; `content_length=5` becomes `Content-Length: 5`."""
    lines = [f"HTTP/1.1 {status} X"] + [f"{name.replace('_', '-').title()}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class RawServer:
    """Every connection: read the request head, run `script(conn, stopped)`, close. Use as a context manager."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.stopped = threading.Event()
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so the accept loop sees `stopped` (closing does not wake accept())
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests.append(data.split(b"\r\n", 1)[0])
            try:
                self.script(conn, self.stopped)
            except OSError:
                pass  # the client went away: that is what many of these tests are about
