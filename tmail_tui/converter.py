"""Mail bodies to reader text and links, off the UI: small ones in a thread, big ones in a worker process.

html2text on a 1 MB newsletter is ~0.2 s of pure Python. In a thread it holds the GIL, and every key pressed meanwhile
waits its turn (measured: 2 ms keys became 35 ms). A worker process has its own interpreter, so the UI keeps its core.
The worker is started on the first big mail and kept for the session; it speaks length-prefixed messages over its
stdin and stdout, its stderr goes nowhere (nothing it does can reach the terminal), and it never sees the API key.
If it cannot start or dies, that mail is converted in a thread as before.

Run as `python -m tmail_tui.converter`, this module is the worker.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import BinaryIO

from .config import environment_without_key
from .render import PREVIEW, RenderedBody, for_reader

BIG = PREVIEW  # bodies longer than this go to the worker process
_HEADER = 8  # bytes of big-endian length before every message


class Converter:
    def __init__(self) -> None:
        self._worker: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()  # one request at a time on the pipe

    async def for_reader(self, content: str, is_html: bool) -> RenderedBody:
        if len(content) > BIG:
            # Shielded: if the user moves on, the reply is still read, so the pipe stays in step.
            body = await asyncio.shield(asyncio.ensure_future(self._in_worker(content, is_html)))
            if body is not None:
                return body
        return await asyncio.to_thread(for_reader, content, is_html)

    async def _in_worker(self, content: str, is_html: bool) -> RenderedBody | None:
        async with self._lock:
            try:
                worker = self._worker if self._worker and self._worker.returncode is None else await self._start()
                request = json.dumps([content, is_html]).encode("ascii")
                worker.stdin.write(len(request).to_bytes(_HEADER, "big") + request)
                await worker.stdin.drain()
                size = int.from_bytes(await worker.stdout.readexactly(_HEADER), "big")
                return RenderedBody.from_wire(json.loads(await worker.stdout.readexactly(size)))
            except (OSError, EOFError, ValueError, TypeError):  # could not start, died, or spoke nonsense: a thread
                await self.close()
                return None

    async def _start(self) -> asyncio.subprocess.Process:
        # -P: the current directory is not on the worker's import path (a stray json.py there must not load).
        self._worker = await asyncio.create_subprocess_exec(
            sys.executable, "-P", "-m", __name__, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, env=environment_without_key())
        return self._worker

    async def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None and worker.returncode is None:
            worker.kill()  # it holds nothing worth finishing: quitting must not wait for a conversion
            await worker.wait()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The worker: convert each request until the input ends."""
    while len(header := requests.read(_HEADER)) == _HEADER:
        content, is_html = json.loads(requests.read(int.from_bytes(header, "big")))
        reply = json.dumps(for_reader(content, is_html).to_wire()).encode("ascii")
        replies.write(len(reply).to_bytes(_HEADER, "big") + reply)
        replies.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
