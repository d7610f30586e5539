"""`python -m benchmarks.serve FOLDER`: the benchmark's API server, in its own process (see data.AnswerServer).

Prints its port, then answers GET /api/messages?email=X with FOLDER/X.json (sent with sendfile: the server's own
cost stays small and off tmail's books) and GET /count with the number of message requests so far. Keep-alive and
TCP_NODELAY, as a real API over HTTP/1.1. Each request spends one of the quota, as the real API's successful calls
do (so the quota tmail is told changes with every poll, as it does for a user).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

LIMIT, USED = 50_000, 100
RESET = "2099-01-01T00:00:00+00:00"
EMPTY = b'{"status": true, "messages": []}'


def quota(requests: int) -> dict[str, str]:
    """The quota headers after `requests` requests."""
    used = USED + requests
    return {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Used": str(used), "X-RateLimit-Remaining": str(LIMIT - used),
            "X-RateLimit-Reset": RESET}


def serve(conn: socket.socket, folder: Path, counter: list[int]) -> None:
    try:
        answer(conn, folder, counter)
    except OSError:
        pass  # the client went away (a poll cancelled, an app closed)


def answer(conn: socket.socket, folder: Path, counter: list[int]) -> None:
    with conn:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, data = data.split(b"\r\n\r\n", 1)
            target = head.split(b" ", 2)[1].decode()
            parts = urlsplit(target)
            if parts.path == "/count":
                body = str(counter[0]).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                continue
            counter[0] += 1
            email = parse_qs(parts.query).get("email", [""])[0].lower()
            path = folder / f"{email}.json"
            extra = "".join(f"{name}: {value}\r\n" for name, value in quota(counter[0]).items())
            try:
                file = open(path, "rb")  # noqa: SIM115 - sent below with sendfile
            except OSError:
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(EMPTY)}\r\n"
                             f"{extra}\r\n".encode() + EMPTY)
                continue
            with file:
                size = os.fstat(file.fileno()).st_size
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n"
                             f"{extra}\r\n".encode())
                conn.sendfile(file)


def main() -> None:
    folder = Path(sys.argv[1])
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    counter = [0]
    while True:
        conn, _ = listener.accept()
        # No Nagle, as real HTTP servers do: an answer is its head and then its file (two sends), and with Nagle the
        # file waits for the client's delayed ACK of the head, 40 ms a poll; tmail's thread woken twice per poll for
        # it cost ~4 ms of CPU a poll that no real API would make it pay.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn, folder, counter), daemon=True).start()


if __name__ == "__main__":
    main()
