"""A big answer stored in parts while it downloads, so its first rows show at once (issue 12).

The poll's thread only queues what it has read; the parts are written elsewhere, each in a transaction of its own
(`Store.record_poll(..., complete=False)`), and the watcher completes the poll with what is left:

- `StreamedWrites`: decoded messages (the poll recognised the ones the store knows and decoded the rest), written by
  a thread of this process. SQLite writes without the GIL, so the download and decoding go on meanwhile.
- `ProcessWrites`: the first poll of a box holding no mail. Its messages arrive raw, undecoded. They are decoded
  here and written by a StreamedWrites, until the answer proves big (OFFLOAD_BYTES of it: a box a load test
  filled, thousands of 20-60 KB HTML mails); then the rest goes to a process of its own (`python -m
  tmail_tui.stored_parts`), which runs the same `Collected` and `StreamedWrites` on it. In one process the
  download, the decoding, the writer and the UI share one GIL, and a 200 MB first poll took 1.6x the time of a bare
  download and `json.loads`; split across two, the download and the decoding run side by side. The reader learns
  of the child's parts as of mail another process stored: through the store (the child's "stored" lines only say
  when to look). The child never sees the API key. A process costs ~0.2 s of CPU to start: a smaller answer, the
  usual one, never pays it.

Either way what was written stays when the poll fails or is cancelled: each part is whole, as the server sent it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .api.client import Collected, Listing
from .api.errors import TmailError
from .api.models import Message
from .sanitize import one_line
from .store import Store

PART_MIN = 50  # new messages of an answer that make it stored in parts as it downloads
PART_SIZE = 250  # new messages in each part after the first
OFFLOAD_BYTES = 4 << 20  # raw JSON of a first poll's new mail that makes it worth a process of its own


class StreamedWrites:
    """A poll's decoded messages, written in parts by a thread of this process. The first part is written as soon as
    PART_MIN messages are queued, so the first rows show at once; then a part each time PART_SIZE more are queued
    (a transaction and a redraw per handful of messages would slow the poll). An answer of fewer than PART_MIN new
    messages, the usual poll, is left whole to the poll's completing write."""

    def __init__(self, store: Store, address: str, started: float, stored: Callable[[], None]) -> None:
        self.store, self.address, self.started, self.stored = store, address, started, stored
        self.placed = 0  # messages handed to a write so far: the place in the answer of the next one
        self._ready = threading.Condition()
        self._queued: list[Listing] = []
        self._count = 0  # messages queued
        self._writer: threading.Thread | None = None
        self._first = True  # no part written yet: the first is written at PART_MIN
        self._all_in = False  # the answer is over (or abandoned): what is queued is the rest
        self._error: BaseException | None = None

    def put(self, batch: Listing) -> None:
        with self._ready:
            self._queued.append(batch)
            self._count += len(batch)
            if self._writer is None and self._count >= PART_MIN:
                self._writer = threading.Thread(target=self._write, name="tmail-store-write", daemon=True)
                self._writer.start()
            elif self._count >= PART_SIZE:
                self._ready.notify()

    def _write(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._all_in or self._count >= PART_SIZE or self._first)
                if self._all_in or self._error is not None:
                    return  # the rest is the completing write's
                parts, self._queued, self._count = self._queued, [], 0
            try:
                self.write_part([m for part in parts for m in part],
                                {k: v for part in parts for k, v in part.fingerprints.items()})
            except BaseException as exc:  # noqa: BLE001 - raised by `close`, on the poll's side
                self._error = exc
            self._first = False
            self.stored()

    def write_part(self, messages: list[Message], prints: dict[str, bytes]) -> None:
        """Store these messages as the answer's next part (the poll is not complete yet)."""
        self.store.record_poll(self.address, messages, prints, complete=False, fetched_at=self.started,
                               first_place=self.placed)
        self.placed += len(messages)

    def close(self) -> Listing:
        """The answer is over: wait for the write under way (its error is raised here); what is queued and not
        written, for the completing write (placed after `placed`)."""
        with self._ready:
            self._all_in = True
            self._ready.notify()
        if self._writer is not None:
            self._writer.join()
        if self._error is not None:
            raise self._error
        rest = Listing()
        for part in self._queued:
            rest.extend(part)
            rest.fingerprints.update(part.fingerprints)
        return rest

    def abort(self) -> None:
        with self._ready:
            self._all_in = True
            self._ready.notify()


class ProcessWrites:
    """A first poll's raw messages: decoded here and written by a StreamedWrites until they pass OFFLOAD_BYTES, then
    handed to a process of its own, which decodes and writes the rest (see the module docstring)."""

    def __init__(self, store: Store, address: str, started: float, stored: Callable[[], None]) -> None:
        self.store, self.address, self.started, self.stored = store, address, started, stored
        self.placed = 0  # set by `drain`: the place of the completing write's first message
        self._here = StreamedWrites(store, address, started, stored)
        self._collected = Collected()
        self._size = 0  # raw bytes decoded here
        self._child: subprocess.Popen | None = None
        self._frames: queue.SimpleQueue[list | None] = queue.SimpleQueue()
        self._over = threading.Event()  # the child said it is done, or ended
        self._done = False
        self._problem = ""

    def put(self, raws: list) -> None:
        """On the poll's thread: decode here, or hand to the child (started once the answer proves big)."""
        if self._child is not None:
            self._frames.put(raws)
            return
        self._collected.take(raws, None, self.address, self._here.put)
        if self._size < OFFLOAD_BYTES:
            self._size += sum(map(len, raws))
            if self._size >= OFFLOAD_BYTES and not self._start():
                self._size = -sys.maxsize  # no process: decoded here to the end

    def _start(self) -> bool:
        path = self.store.path
        if not Path(path).is_file():
            return False  # (a store in memory: nobody else can write it)
        from .config import environment_without_key

        taken = list(self._collected.ids)  # the child's places follow these, and it must not store them twice
        try:
            self._child = subprocess.Popen(
                child_command(path, self.address, self.started, len(taken)), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment_without_key())
        except OSError:
            return False
        self._frames.put([json.dumps(taken).encode()])
        threading.Thread(target=self._feed, name="tmail-parts-feed", daemon=True).start()
        threading.Thread(target=self._hear, name="tmail-parts-hear", daemon=True).start()
        return True

    def _feed(self) -> None:
        """Frames to the child: a batch is its length, then each message's length and bytes (4 bytes, little
        endian, each). The pipe's writes run without the GIL."""
        pipe = self._child.stdin
        try:
            while (raws := self._frames.get()) is not None:
                payload = b"".join(part for raw in raws for part in (len(raw).to_bytes(4, "little"), raw))
                pipe.write(len(payload).to_bytes(4, "little"))
                pipe.write(payload)
            pipe.close()
        except (OSError, ValueError):
            pass  # the child is gone: `_hear` tells why

    def _hear(self) -> None:
        child = self._child
        for line in child.stdout:
            word, _, number = line.partition(b" ")
            if word in (b"stored", b"done") and number.strip().isdigit():
                if word == b"done":
                    self.placed = int(number)
                    self._done = True
                    self._over.set()
                else:
                    self.stored()
        problem = child.stderr.read().decode("utf-8", "replace").strip().splitlines()
        child.wait()
        if not self._done:
            self._problem = problem[-1] if problem else f"it ended with status {child.returncode}"
            self._over.set()

    def close(self) -> Listing:
        """The answer is over: what is left for the completing write, once the parts are written (the child's
        failure is raised here, in its words)."""
        rest = self._here.close()
        if self._child is None:
            self.placed = self._here.placed
            return rest
        self._frames.put(None)
        if rest:  # decoded here before the child took over: its places come before the child's
            self._here.write_part(rest, rest.fingerprints)
        self._over.wait()
        if not self._done:
            raise TmailError(one_line(f"Storing the new mail failed: {self._problem.rstrip('.')}.", 300))
        return Listing()

    def abort(self) -> None:
        """The poll failed or was cancelled: nothing more is written (the child's part under way is not
        committed)."""
        self._here.abort()
        if self._child is not None:
            self._frames.put(None)
            self._child.kill()


def child_command(store_path: str | Path, address: str, started: float, placed: int) -> list[str]:
    return [sys.executable, "-P", "-m", __name__, str(store_path), address, repr(started), str(placed)]


# --- the child -------------------------------------------------------------------------------------------------------

def _frames(pipe) -> Iterator[list]:
    """The batches the parent sends, as lists of memoryviews (no copy), until the pipe closes."""
    while len(head := pipe.read(4)) == 4:
        payload = memoryview(pipe.read(int.from_bytes(head, "little")))
        raws, at = [], 0
        while at < len(payload):
            size = int.from_bytes(payload[at:at + 4], "little")
            raws.append(payload[at + 4:at + 4 + size])
            at += 4 + size
        yield raws


def _serve(store_path: str, address: str, started: float, placed: int) -> int:
    """`python -m tmail_tui.stored_parts STORE ADDRESS STARTED PLACED`: decode and store what arrives on standard
    input (after a first frame: the ids stored already, whose places come before PLACED) in parts, saying
    "stored N" after each part and "done N" at the end (N: the place after the last message written)."""
    out = sys.stdout.buffer

    def say(word: str) -> None:
        out.write(f"{word} {writes.placed}\n".encode())
        out.flush()

    store = Store(store_path)
    writes = StreamedWrites(store, address, started, lambda: say("stored"))
    writes.placed = placed
    collected = Collected()
    try:
        frames = _frames(sys.stdin.buffer)
        taken = next(frames, None)  # the first frame: the ids the parent stored already
        if taken is not None:
            collected.ids.update(json.loads(bytes(taken[0])))
        for raws in frames:
            collected.take(raws, None, address, writes.put)
        rest = writes.close()
        if rest:
            writes.write_part(rest, rest.fingerprints)
        say("done")
    except TmailError as exc:
        print(one_line(str(exc), 300), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - said to the parent, which fails the poll with it
        print(f"unexpected trouble ({type(exc).__name__})", file=sys.stderr)
        return 1
    finally:
        writes.abort()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
